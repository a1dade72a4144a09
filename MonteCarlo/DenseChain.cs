using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// A Markov chain of the dense (P-spin) model with overlap bookkeeping: the flip of s_i changes the
/// energy by sum_mu [f(M_mu - 2 s_i xi_i^mu) - f(M_mu)] with the exact distinct-index table f of
/// <see cref="DenseEnergy"/>, split into a bookkept total and one dot product (DenseEnergy.Odd/Even),
/// both exact 64-bit integers: O(K) per attempt, vectorised, and no P-index tensor. Sites and acceptance words come
/// from the same Philox counters as the classical chain; acceptance is min(1, exp(-beta Delta E))
/// (Metropolis) or 1/(1 + exp(beta Delta E)) (heat bath) against a 32-bit word, through
/// <see cref="FixedPointAcceptance"/> so that the ILGPU engine decides identically.
/// </summary>
public sealed class DenseChain
{
    readonly PatternSet patterns;
    readonly DenseEnergy energy;
    readonly Philox4x32 rng;
    readonly sbyte[] spins;
    readonly short[] sums;
    readonly long[] odd;   // Odd(M_mu) (tables) or D Odd(M_mu) (polynomials), over the stride
    long evenTotal;        // sum_mu Even(M_mu), times D with polynomials
    readonly FlipPolynomials? poly;
    readonly long denominator = 1;
    readonly uint sample, chain;
    readonly double coefficient; // beta / N^(P-1): beta Delta E = coefficient * (integer flip part)
    readonly Dynamics dynamics;
    uint sweepIndex;

    public DenseChain(PatternSet patterns, DenseEnergy energy, double temperature, Dynamics dynamics, ulong seed, int sample, int chain, InitialState start)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive finite number");
        this.patterns = patterns; this.energy = energy; this.dynamics = dynamics;
        coefficient = 1 / temperature / energy.Scale;
        rng = Philox4x32.FromSeed(seed);
        this.sample = (uint)sample; this.chain = (uint)chain;
        spins = HebbianChain.InitialSpins(patterns, seed, sample, chain, start);
        sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        odd = new long[patterns.Stride];
        poly = energy.Polynomials;
        if (poly is not null && poly.Reach < (1L << 62) / patterns.Stride)
        {
            denominator = poly.Denominator;
            Refresh();
        }
        else
        {
            poly = null;
            for (int mu = 0; mu < patterns.Count; mu++) { odd[mu] = energy.Odd(sums[mu]); evenTotal += energy.Even(sums[mu]); }
        }
    }

    /// <summary>D Odd(M_mu) for every mu and the D Even total, by Horner's rule in 64-bit lanes (polynomial path).</summary>
    unsafe void Refresh()
    {
        var g = poly!.Odd; var h = poly.Even;
        int stride = patterns.Stride, k = 0;
        long total = 0;
        fixed (short* m = sums)
        fixed (long* o = odd)
        {
            if (System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                var acc = System.Runtime.Intrinsics.Vector512<long>.Zero;
                for (; k + 8 <= stride; k += 8)
                {
                    var x = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int64(System.Runtime.Intrinsics.Vector128.Load(m + k));
                    var vg = System.Runtime.Intrinsics.Vector512.Create(g[^1]);
                    for (int c = g.Length - 2; c >= 0; c--) vg = vg * x + System.Runtime.Intrinsics.Vector512.Create(g[c]);
                    var vh = System.Runtime.Intrinsics.Vector512.Create(h[^1]);
                    for (int c = h.Length - 2; c >= 0; c--) vh = vh * x + System.Runtime.Intrinsics.Vector512.Create(h[c]);
                    vg.Store(o + k);
                    acc += vh;
                }
                total = System.Runtime.Intrinsics.Vector512.Sum(acc);
            }
            for (; k < stride; k++)
            {
                o[k] = FlipPolynomials.Evaluate(g, m[k]);
                total += FlipPolynomials.Evaluate(h, m[k]);
            }
        }
        // Padding patterns (M = 0) add H(0) each to the total, and their G(0) must be zero: the signed sum
        // reads padding entries (xi = 0) as +1.
        evenTotal = total - (stride - patterns.Count) * FlipPolynomials.Evaluate(h, 0);
        Array.Clear(odd, patterns.Count, stride - patterns.Count);
    }

    public ReadOnlySpan<sbyte> Spins => spins;
    public ReadOnlySpan<short> OverlapSums => sums;
    public long Attempts { get; private set; }
    public long Accepted { get; private set; }

    /// <summary>Energy per spin from the bookkept overlaps (exact distinct-index sums).</summary>
    public double EnergyPerSpin() => energy.Energy(patterns, sums) / patterns.Neurons;

    public unsafe long Sweep()
    {
        int n = patterns.Neurons, stride = patterns.Stride;
        uint sweep = sweepIndex++;
        long accepted = 0;
        fixed (sbyte* xi = patterns.Row(0))
        fixed (short* m = sums)
        {
            for (int pair = 0; 2 * pair < n; pair++)
            {
                var (w0, w1, w2, w3) = rng.Next((uint)pair, sweep, sample, chain);
                accepted += Attempt(xi, m, n, stride, w0, w1);
                if (2 * pair + 1 < n) accepted += Attempt(xi, m, n, stride, w2, w3);
            }
        }
        Attempts += n; Accepted += accepted;
        return accepted;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int Attempt(sbyte* xi, short* m, int n, int stride, uint siteWord, uint acceptWord)
    {
        int i = Philox4x32.Below(siteWord, n);
        sbyte* row = xi + (long)i * stride;
        int si = spins[i];
        long scaled = (evenTotal + si * SignedSum(row, odd, stride)) / denominator; // N^(P-1) Delta E, exact (the sum is a multiple of D)
        if (acceptWord >= FixedPointAcceptance.Threshold(coefficient * scaled, dynamics)) return 0;
        HebbianChain.Flip(row, m, stride, si);
        spins[i] = (sbyte)-si;
        if (poly is not null) { Refresh(); return 1; }
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            int now = m[mu], was = now + 2 * si * row[mu];
            evenTotal += energy.Even(now) - energy.Even(was);
            odd[mu] = energy.Odd(now);
        }
        return 1;
    }

    /// <summary>sum_mu xi^mu v_mu over a zero-padded row with xi = +-1: conditional negation, no multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe long SignedSum(sbyte* row, long[] v, int stride)
    {
        fixed (long* p = v)
        {
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                var acc = System.Runtime.Intrinsics.Vector512<long>.Zero;
                for (int k = 0; k < stride; k += 8)
                {
                    // Exactly 8 entries (a 16-byte load could pass the end of the last row).
                    var entries = System.Runtime.Intrinsics.Vector128.CreateScalarUnsafe(*(long*)(row + k)).AsSByte();
                    var sign = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int64(entries) >> 1; // 0 for +1, -1 for -1
                    var x = System.Runtime.Intrinsics.Vector512.Load(p + k);
                    acc += (x ^ sign) - sign;
                }
                return System.Runtime.Intrinsics.Vector512.Sum(acc);
            }
            long sum = 0;
            for (int k = 0; k < stride; k++) sum += row[k] * p[k];
            return sum;
        }
    }
}
