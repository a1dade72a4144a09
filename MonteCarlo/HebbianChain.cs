using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// One Markov chain of the classical Hopfield model with overlap bookkeeping: the integer overlap
/// sums M_mu = N m_mu are kept current, so an attempt costs one O(P) dot product (the field) and,
/// when accepted, one O(P) update. Sites are chosen at random; a sweep is N attempts.
/// Random words come from Philox keyed by the seed and counted by (pair, sweep, sample, chain),
/// so a chain's trajectory is fixed by (seed, sample, chain) alone.
/// </summary>
public sealed class HebbianChain
{
    readonly PatternSet patterns;
    AcceptanceTable table;
    readonly Philox4x32 rng;
    readonly sbyte[] spins;
    readonly short[] sums;
    readonly uint[] siteWords, acceptWords, siteWords2, acceptWords2; // one sweep's Philox output, word k of each pair
    readonly uint sample, chain;
    uint sweepIndex;

    public HebbianChain(PatternSet patterns, double temperature, Dynamics dynamics, ulong seed, int sample, int chain, InitialState start)
        : this(patterns, new AcceptanceTable(patterns.Neurons, patterns.Count, temperature, dynamics), seed, sample, chain, start) { }

    public HebbianChain(PatternSet patterns, AcceptanceTable table, ulong seed, int sample, int chain, InitialState start)
    {
        this.patterns = patterns;
        this.table = table;
        rng = Philox4x32.FromSeed(seed);
        this.sample = (uint)sample; this.chain = (uint)chain;
        spins = InitialSpins(patterns, seed, sample, chain, start);
        sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        int pairs = (patterns.Neurons + 1) / 2;
        siteWords = new uint[pairs]; acceptWords = new uint[pairs]; siteWords2 = new uint[pairs]; acceptWords2 = new uint[pairs];
    }

    public PatternSet Patterns => patterns;

    /// <summary>The acceptance table, i.e. the temperature; parallel tempering moves walkers between tables.</summary>
    public AcceptanceTable Table
    {
        get => table;
        set => table = value.Neurons == patterns.Neurons && value.Patterns == patterns.Count ? value
            : throw new ArgumentException("acceptance table built for another N or P");
    }
    public ReadOnlySpan<sbyte> Spins => spins;
    /// <summary>M_mu = N m_mu (padded to the pattern stride with zeros).</summary>
    public ReadOnlySpan<short> OverlapSums => sums;
    public long Attempts { get; private set; }
    public long Accepted { get; private set; }

    /// <summary>The initial spins of chain (seed, sample, chain): pattern 1, or Philox words under a domain tag of their own.</summary>
    public static sbyte[] InitialSpins(PatternSet patterns, ulong seed, int sample, int chain, InitialState start)
        => start == InitialState.Pattern ? patterns.State(0) : RandomState(Philox4x32.FromSeed(seed), patterns.Neurons, (uint)sample, (uint)chain);

    static sbyte[] RandomState(Philox4x32 rng, int n, uint sample, uint chain)
    {
        var s = new sbyte[n];
        // Domain tag 0xFFFFFFFF in the sweep slot: sweeps count from 0 and never reach it.
        for (int i = 0; i < n; i += 128)
        {
            var (a, b, c, d) = rng.Next((uint)(i >> 7), 0xFFFFFFFF, sample, chain);
            Span<uint> w = [a, b, c, d];
            for (int k = 0; k < 128 && i + k < n; k++) s[i + k] = (sbyte)(((w[k >> 5] >> (k & 31)) & 1) == 1 ? 1 : -1);
        }
        return s;
    }

    /// <summary>Energy per spin H/N = -(1/2) sum_mu m_mu^2 + alpha/2, from the bookkept overlaps.</summary>
    public double EnergyPerSpin() => EnergyPerSpin(sums, patterns);

    /// <summary>H/N = -(1/2N^2) sum_mu M_mu^2 + (1/2N^2) sum_i n_i from integer overlap sums (exact up to the final division).</summary>
    public static double EnergyPerSpin(ReadOnlySpan<short> sums, PatternSet patterns)
    {
        double n = patterns.Neurons;
        return TwiceScaledEnergy(sums, patterns) / (2 * n * n);
    }

    /// <summary>2 N H as an exact integer: -sum_mu M_mu^2 + sum_i n_i.</summary>
    public static long TwiceScaledEnergy(ReadOnlySpan<short> sums, PatternSet patterns)
    {
        long sq = 0;
        for (int mu = 0; mu < patterns.Count; mu++) sq += sums[mu] * sums[mu];
        return -sq + patterns.SelfCoupling;
    }

    /// <summary>N attempts at random sites. Returns the number accepted.</summary>
    /// <remarks>
    /// Compiled fully optimised at once: under tiered compilation a sweep-long loop runs as
    /// on-stack-replacement code for the first hundreds of milliseconds, about 1.5 times slower.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe long Sweep()
    {
        int n = patterns.Neurons, stride = patterns.Stride;
        long accepted = 0;
        uint sweep = sweepIndex++;
        fixed (int* nonZero = patterns.NonZeroCounts)
        fixed (sbyte* xi = patterns.Row(0))
        fixed (short* m = sums)
        fixed (sbyte* s = spins)
        {
            // All of a sweep's words are drawn at once (vectorised Philox, counter = pair index):
            // the sites are then known ahead, so the rows of the next pair are prefetched while
            // this pair is decided: the pattern table rarely fits in L1 and random rows would
            // otherwise stall on memory.
            int pairs = siteWords.Length;
            rng.Fill(0, sweep, sample, chain, siteWords, acceptWords, siteWords2, acceptWords2);
            Prefetch(xi + (long)Philox4x32.Below(siteWords[0], n) * stride, stride);
            Prefetch(xi + (long)Philox4x32.Below(siteWords2[0], n) * stride, stride);
            // An accepted flip is applied to the overlaps in the next attempt's pass over them (AVX-512), so it costs
            // no pass of its own; the last one is applied before the sweep returns.
            sbyte* pending = null;
            int pendingSign = 0;
            for (int pair = 0; pair < pairs; pair++)
            {
                if (pair + 1 < pairs)
                {
                    Prefetch(xi + (long)Philox4x32.Below(siteWords[pair + 1], n) * stride, stride);
                    Prefetch(xi + (long)Philox4x32.Below(siteWords2[pair + 1], n) * stride, stride);
                }
                accepted += Attempt(xi, m, s, nonZero, n, stride, siteWords[pair], acceptWords[pair], ref pending, ref pendingSign);
                if (2 * pair + 1 < n) accepted += Attempt(xi, m, s, nonZero, n, stride, siteWords2[pair], acceptWords2[pair], ref pending, ref pendingSign);
            }
            if (pending != null) Flip(pending, m, stride, pendingSign);
        }
        Attempts += n; Accepted += accepted;
        return accepted;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Prefetch(sbyte* row, int stride)
    {
        if (!Sse.IsSupported) return;
        for (int k = 0; k < stride; k += 64) Sse.Prefetch0(row + k);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int Attempt(sbyte* xi, short* m, sbyte* s, int* nonZero, int n, int stride, uint siteWord, uint acceptWord, ref sbyte* pending, ref int pendingSign)
    {
        int i = Philox4x32.Below(siteWord, n);
        sbyte* row = xi + (long)i * stride;
        int si = s[i];
        int field;
        if (pending == null) field = Field(row, m, stride);
        else { field = FieldAfterFlip(row, m, stride, pending, pendingSign); pending = null; }
        long k = si * field - nonZero[i];
        if (!table.Accept(k, acceptWord)) return 0;
        if (Avx512BW.IsSupported) { pending = row; pendingSign = si; }
        else Flip(row, m, stride, si);
        s[i] = (sbyte)-si;
        return 1;
    }

    /// <summary>
    /// <see cref="Field"/> after the pending flip (of the spin that was flippedSign, with patterns row flipped), which this
    /// pass applies to the overlaps (AVX-512).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe int FieldAfterFlip(sbyte* row, short* m, int stride, sbyte* flipped, int flippedSign)
    {
        var acc = Vector512<int>.Zero;
        for (int k = 0; k < stride; k += 32)
            acc += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k)), FlipBlock(flipped, m, k, flippedSign));
        return Vector512.Sum(acc);
    }

    /// <summary>sum_mu xi_i^mu M_mu over a zero-padded row: int8 entries widened to int16, multiply-add into int32 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe int Field(sbyte* row, short* m, int stride)
    {
        if (Avx512BW.IsSupported)
        {
            var acc = Vector512<int>.Zero;
            for (int k = 0; k < stride; k += 32)
                acc += Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k)), Vector512.Load(m + k));
            return Vector512.Sum(acc);
        }
        if (Avx2.IsSupported)
        {
            var acc = Vector256<int>.Zero;
            for (int k = 0; k < stride; k += 16)
                acc += Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(row + k)), Vector256.Load(m + k));
            return Vector256.Sum(acc);
        }
        int sum = 0;
        for (int k = 0; k < stride; k++) sum += row[k] * m[k];
        return sum;
    }

    /// <summary>
    /// M_mu += -2 s_i xi_i^mu for the 32 patterns from k on (AVX-512); returns the new overlaps, for passes that do
    /// more with them (the dense chains' squares and range checks).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe Vector512<short> FlipBlock(sbyte* row, short* m, int k, int si)
    {
        var x = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
        x = Avx512BW.Add(x, x);
        var v = Vector512.Load(m + k);
        v = si > 0 ? Avx512BW.Subtract(v, x) : Avx512BW.Add(v, x);
        v.Store(m + k);
        return v;
    }

    /// <summary>M_mu += -2 s_i xi_i^mu for a flip of a spin that was s_i.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe void Flip(sbyte* row, short* m, int stride, int si)
    {
        if (Avx512BW.IsSupported)
        {
            for (int k = 0; k < stride; k += 32) FlipBlock(row, m, k, si);
            return;
        }
        if (Avx2.IsSupported)
        {
            for (int k = 0; k < stride; k += 16)
            {
                var x = Avx2.ConvertToVector256Int16(Vector128.Load(row + k));
                var v = Vector256.Load(m + k);
                (si > 0 ? v - x - x : v + x + x).Store(m + k);
            }
            return;
        }
        short d = (short)(-2 * si);
        for (int k = 0; k < stride; k++) m[k] = (short)(m[k] + d * row[k]);
    }
}
