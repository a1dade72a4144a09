using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// A Markov chain of the dense (P-spin) model with overlap bookkeeping: the flip of s_i changes the
/// energy by sum_mu [f(M_mu - 2 s_i xi_i^mu) - f(M_mu)] with the exact distinct-index table f of
/// <see cref="DenseEnergy"/>, split into a bookkept total and one dot product (DenseEnergy.Odd/Even),
/// both exact 64-bit integers: O(K) per attempt, vectorised, and no P-index tensor. Where the parts are integer
/// polynomials (<see cref="FlipPolynomials"/>) they are kept times D and refreshed by vectorised Horner evaluation,
/// and for P = 3 the dot product runs on the classical int8 x int16 kernel (see the fields). Sites and acceptance words come
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
    // Exact division by D = 2^shift * odd (every total is a multiple of D): a shift and a multiplication by the inverse
    // of odd modulo 2^64 give the same integer as a division, at a fraction of its cost.
    readonly int denominatorShift;
    readonly ulong oddInverse = 1;
    // P = 3 (G(M) = a0 + a2 M^2, H(M) = b1 M): the dot product needs only sum_mu xi_i^mu M_mu^2, kept as two int16
    // limbs M^2 = 32768 high + low so that it runs on the classical int8 x int16 kernel. The high limb is zero
    // wherever |M| <= 181, i.e. for nearly every uncondensed pattern (|M| ~ sqrt(N)): its few non-zero entries are
    // listed and summed directly, so an attempt costs about one classical dot product.
    readonly short[]? squareLow, squareHigh;
    readonly int[]? highEntries;
    int highCount;
    readonly int[]? rowSums;   // sum_mu xi_i^mu per site
    long overlapTotal;         // sum_mu M_mu
    readonly uint sample, chain;
    readonly double coefficient; // beta / N^(P-1): beta Delta E = coefficient * (integer flip part)
    readonly long rejectFrom;    // the smallest integer flip part with coefficient * part >= 32 (in double arithmetic)
    readonly Dynamics dynamics;
    uint sweepIndex;
    readonly uint[] siteWords, acceptWords, siteWords2, acceptWords2; // one sweep's Philox words

    public DenseChain(PatternSet patterns, DenseEnergy energy, double temperature, Dynamics dynamics, ulong seed, int sample, int chain, InitialState start)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive finite number");
        this.patterns = patterns; this.energy = energy; this.dynamics = dynamics;
        coefficient = 1 / temperature / energy.Scale;
        double bound = Math.Ceiling(32 / coefficient);
        if (bound >= long.MaxValue / 2) rejectFrom = long.MaxValue; // unreachable: no shortcut
        else
        {
            rejectFrom = (long)bound;
            while (rejectFrom > 1 && coefficient * (rejectFrom - 1) >= 32) rejectFrom--;
            while (coefficient * rejectFrom < 32) rejectFrom++;
        }
        rng = Philox4x32.FromSeed(seed);
        this.sample = (uint)sample; this.chain = (uint)chain;
        spins = HebbianChain.InitialSpins(patterns, seed, sample, chain, start);
        int pairCount = (patterns.Neurons + 1) / 2;
        siteWords = new uint[pairCount]; acceptWords = new uint[pairCount]; siteWords2 = new uint[pairCount]; acceptWords2 = new uint[pairCount];
        sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        odd = new long[patterns.Stride];
        poly = energy.Polynomials;
        if (poly is not null && poly.Reach < (1L << 62) / patterns.Stride)
        {
            (denominatorShift, oddInverse) = ExactDivisor(poly.Denominator);
            if (IsQuadraticOdd(poly) && patterns.Neurons <= 11585 && patterns.Stride < (1 << 20))
            {
                squareLow = new short[patterns.Stride]; squareHigh = new short[patterns.Stride]; highEntries = new int[patterns.Stride];
                rowSums = new int[patterns.Neurons];
                for (int i = 0; i < patterns.Neurons; i++) foreach (var x in patterns.Row(i)) rowSums[i] += x;
                for (int mu = 0; mu < patterns.Count; mu++) overlapTotal += sums[mu];
                RefreshSquares();
            }
            else Refresh();
        }
        else
        {
            poly = null;
            for (int mu = 0; mu < patterns.Count; mu++) { odd[mu] = energy.Odd(sums[mu]); evenTotal += energy.Even(sums[mu]); }
        }
    }

    static (int Shift, ulong Inverse) ExactDivisor(long d)
    {
        int shift = System.Numerics.BitOperations.TrailingZeroCount(d);
        ulong odd = (ulong)(d >> shift), inverse = odd; // Newton's iteration doubles the correct low bits each step
        for (int k = 0; k < 6; k++) inverse *= 2 - odd * inverse;
        return (shift, inverse);
    }

    /// <summary>total / D for a multiple of D, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long DivideExact(long total) => (long)((ulong)(total >> denominatorShift) * oddInverse);

    static bool IsQuadraticOdd(FlipPolynomials p) =>
        p.Odd.Select((c, k) => k is 0 or 2 || c == 0).All(x => x) && p.Even.Select((c, k) => k == 1 || c == 0).All(x => x);

    /// <summary>M^2 = 32768 high + low for every pattern (|M| &lt;= 11585 keeps both below 2^15), and the list of non-zero high limbs.</summary>
    unsafe void RefreshSquares()
    {
        int stride = patterns.Stride, k = 0;
        fixed (short* m = sums)
        fixed (short* lo = squareLow)
        fixed (short* hi = squareHigh)
        {
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                var mask = System.Runtime.Intrinsics.Vector512.Create(32767);
                highCount = 0;
                for (; k + 16 <= stride; k += 16)
                {
                    var x = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int32(System.Runtime.Intrinsics.Vector256.Load(m + k));
                    var sq = System.Runtime.Intrinsics.X86.Avx512F.MultiplyLow(x, x);
                    System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector256Int16(System.Runtime.Intrinsics.X86.Avx512F.And(sq, mask)).Store(lo + k);
                    var high = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector256Int16(System.Runtime.Intrinsics.X86.Avx512F.ShiftRightLogical(sq, 15));
                    high.Store(hi + k);
                    // Only chunks with a non-zero high limb are scanned for the list.
                    if (high != System.Runtime.Intrinsics.Vector256<short>.Zero)
                        for (int j = k; j < k + 16; j++) if (hi[j] != 0) highEntries![highCount++] = j;
                }
                for (; k < stride; k++)
                {
                    int sq = m[k] * m[k]; lo[k] = (short)(sq & 32767); hi[k] = (short)(sq >> 15);
                    if (hi[k] != 0) highEntries![highCount++] = k;
                }
                return;
            }
            for (; k < stride; k++) { int sq = m[k] * m[k]; lo[k] = (short)(sq & 32767); hi[k] = (short)(sq >> 15); }
            highCount = 0;
            for (k = 0; k < stride; k++) if (hi[k] != 0) highEntries![highCount++] = k;
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
            // Explicit AVX-512 intrinsics: Vector512.IsHardwareAccelerated is false on CPUs where .NET prefers
            // 256-bit vectors, and the generic operators would then fall back to scalar code.
            if (System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
            {
                var acc = System.Runtime.Intrinsics.Vector512<long>.Zero;
                for (; k + 8 <= stride; k += 8)
                {
                    var x = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int64(System.Runtime.Intrinsics.Vector128.Load(m + k));
                    var vg = System.Runtime.Intrinsics.Vector512.Create(g[^1]);
                    for (int c = g.Length - 2; c >= 0; c--)
                        vg = System.Runtime.Intrinsics.X86.Avx512F.Add(System.Runtime.Intrinsics.X86.Avx512DQ.MultiplyLow(vg, x), System.Runtime.Intrinsics.Vector512.Create(g[c]));
                    var vh = System.Runtime.Intrinsics.Vector512.Create(h[^1]);
                    for (int c = h.Length - 2; c >= 0; c--)
                        vh = System.Runtime.Intrinsics.X86.Avx512F.Add(System.Runtime.Intrinsics.X86.Avx512DQ.MultiplyLow(vh, x), System.Runtime.Intrinsics.Vector512.Create(h[c]));
                    vg.Store(o + k);
                    acc = System.Runtime.Intrinsics.X86.Avx512F.Add(acc, vh);
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

    /// <summary>
    /// One sweep: N attempts. As in <see cref="HebbianChain.Sweep"/>, all of the sweep's Philox words are drawn at
    /// once (vectorised, counter = pair index, the same words as one <see cref="Philox4x32.Next"/> per pair) and the
    /// next pair's rows are prefetched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe long Sweep()
    {
        int n = patterns.Neurons, stride = patterns.Stride, pairs = siteWords.Length;
        uint sweep = sweepIndex++;
        long accepted = 0;
        rng.Fill(0, sweep, sample, chain, siteWords, acceptWords, siteWords2, acceptWords2);
        fixed (sbyte* xi = patterns.Row(0))
        fixed (short* m = sums)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                if (pair + 1 < pairs)
                {
                    HebbianChain.Prefetch(xi + (long)Philox4x32.Below(siteWords[pair + 1], n) * stride, stride);
                    HebbianChain.Prefetch(xi + (long)Philox4x32.Below(siteWords2[pair + 1], n) * stride, stride);
                }
                accepted += Attempt(xi, m, n, stride, siteWords[pair], acceptWords[pair]);
                if (2 * pair + 1 < n) accepted += Attempt(xi, m, n, stride, siteWords2[pair], acceptWords2[pair]);
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
        long scaled;
        if (rowSums is not null)
        {
            long squares;
            fixed (short* lo = squareLow) fixed (short* hi = squareHigh)
            {
                long high = 0;
                if (highCount <= stride / 16)
                    for (int j = 0; j < highCount; j++) { int mu = highEntries![j]; high += row[mu] * hi[mu]; }
                else high = HebbianChain.Field(row, hi, stride);
                squares = 32768L * high + HebbianChain.Field(row, lo, stride);
            }
            scaled = DivideExact(poly!.Even[1] * overlapTotal + si * (poly.Odd[0] * rowSums[i] + poly.Odd[2] * squares));
        }
        else scaled = DivideExact(evenTotal + si * SignedSum(row, odd, stride)); // N^(P-1) Delta E, exact (the sum is a multiple of D)
        // Integer shortcuts that decide exactly as the threshold would: beta Delta E >= 32 is always rejected, and a
        // Metropolis move that does not raise the energy (or a heat-bath move lowering it by 32 or more) is accepted.
        if (scaled >= rejectFrom) return 0;
        if (!(dynamics == Dynamics.Metropolis ? scaled <= 0 : scaled <= -rejectFrom)
            && acceptWord >= FixedPointAcceptance.Threshold(coefficient * scaled, dynamics)) return 0;
        HebbianChain.Flip(row, m, stride, si);
        spins[i] = (sbyte)-si;
        if (rowSums is not null) { overlapTotal -= 2L * si * rowSums[i]; RefreshSquares(); return 1; }
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
