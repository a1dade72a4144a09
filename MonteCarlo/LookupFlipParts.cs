using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts of small networks (N &lt;= 31, the sizes at which P >= 4 is studied: K = alpha N^(P-1)) read from
/// the tables by a register permute: every overlap M lies in [-N, N] with N's parity, so j = (M + N)/2 takes at most
/// 32 values and Odd(j) / g (g the greatest common divisor of the table) fits one int16 register where the network
/// allows. Y = N^(P-1) Delta E = Even total + s_i g sum_mu xi_mu T(j_mu) is then one permute and one int8 x int16
/// multiply-add per 32 patterns, against the power sums' three multiplies and three multiply-adds for P = 6 (a
/// microbenchmark on this machine: 2.2 ns a block against 3.8, the classical field 1.7).
///
/// The Even total follows each accepted flip inside the next attempt's pass, as the overlaps do: the flip took M to
/// M - 2d (d = s xi), so Even moves by -d step(j' + (d - 1)/2), step(j) = Even(j + 1) - Even(j), another permute of
/// a table (divided by its own divisor) and a multiply-add.
/// </summary>
internal sealed unsafe class LookupFlipParts
{
    /// <summary>Table entries per register: j = (M + N)/2 must stay below it.</summary>
    const int Entries = 32;
    readonly int count, stride, neurons;
    readonly Vector512<short> odd, steps; // Odd(j) / oddDivisor, -step(j) / stepDivisor
    readonly long oddDivisor, stepDivisor;
    readonly long[] even;                 // Even(j), for Begin
    long evenTotal;
    sbyte* pendingRow;
    int pendingSign;

    LookupFlipParts(PatternSet patterns, DenseEnergy energy, long oddDivisor, long stepDivisor)
    {
        count = patterns.Count; stride = patterns.Stride; neurons = patterns.Neurons;
        this.oddDivisor = oddDivisor; this.stepDivisor = stepDivisor;
        var oddTable = energy.OddTable; var stepTable = energy.EvenSteps;
        var o = new short[Entries]; var s = new short[Entries];
        for (int j = 0; j <= neurons; j++) { o[j] = (short)(oddTable[j] / oddDivisor); s[j] = (short)(-stepTable[j] / stepDivisor); }
        odd = Vector512.Create(o); steps = Vector512.Create(s);
        even = new long[neurons + 1];
        for (int j = 0; j <= neurons; j++) even[j] = energy.Even(2 * j - neurons);
    }

    /// <summary>The parts for a network they fit (N &lt; 32, both tables within int16 once divided by their divisors, AVX-512), else null.</summary>
    public static LookupFlipParts? TryCreate(PatternSet patterns, DenseEnergy energy)
    {
        if (!Avx512BW.IsSupported || patterns.Neurons >= Entries || patterns.Stride >= (1 << 16)) return null;
        long oddDivisor = Divisor(energy.OddTable), stepDivisor = Divisor(energy.EvenSteps);
        foreach (var x in energy.OddTable) if (x / oddDivisor != (short)(x / oddDivisor)) return null;
        foreach (var x in energy.EvenSteps) if (-x / stepDivisor != (short)(-x / stepDivisor)) return null;
        return new LookupFlipParts(patterns, energy, oddDivisor, stepDivisor);
    }

    /// <summary>The greatest common divisor of the entries (1 for an all-zero table).</summary>
    static long Divisor(ReadOnlySpan<long> values)
    {
        long g = 0;
        foreach (var x in values)
            for (long a = Math.Abs(x); a != 0;) (g, a) = (a, g % a);
        return g == 0 ? 1 : g;
    }

    /// <summary>Starts from the current overlaps (settled).</summary>
    public void Begin(short* m)
    {
        pendingRow = null;
        evenTotal = 0;
        for (int mu = 0; mu < count; mu++) evenTotal += even[(m[mu] + neurons) >> 1];
    }

    /// <summary>Y for a flip of spin si at the site with pattern row <paramref name="row"/>, after the pending flip (applied in the same pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Scaled(sbyte* row, short* m, int si)
    {
        sbyte* flipped = pendingRow;
        pendingRow = null;
        long field = flipped == null ? Pass(row, m, null, 0, flip: false) : Pass(row, m, flipped, pendingSign, flip: true);
        return evenTotal + si * oddDivisor * field;
    }

    /// <summary>
    /// sum_mu xi_mu Odd(j_mu) / g over the row, and (with a pending flip) the flip applied to the overlaps and its
    /// change of the Even total added to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long Pass(sbyte* row, short* m, sbyte* flipped, int flippedSign, bool flip)
    {
        var acc = Vector512<int>.Zero; var change = Vector512<int>.Zero;
        var half = Vector512.Create((short)neurons);
        var sign = Vector512.Create((short)(flippedSign < 0 ? -1 : 0));
        for (int k = 0; k < stride; k += 32)
        {
            Vector512<short> index;
            if (flip)
            {
                var d = Avx512BW.Subtract(Avx512F.Xor(Avx512BW.ConvertToVector512Int16(Vector256.Load(flipped + k)), sign), sign); // s xi (0 on the padding)
                var shifted = Avx512BW.Add(Avx512BW.Subtract(Vector512.Load(m + k), Avx512BW.Add(d, d)), half); // M' + N, M' = M - 2d
                Avx512BW.Subtract(shifted, half).Store(m + k);
                index = Avx512BW.ShiftRightArithmetic(shifted, 1);
                // j' + (d - 1)/2 = (M' + N + d - 1) >> 1, M' + N being even; the steps are stored negated.
                var at = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(shifted, Avx512BW.Subtract(d, Vector512<short>.One)), 1);
                change = Avx512F.Add(change, Avx512BW.MultiplyAddAdjacent(d, Avx512BW.PermuteVar32x16(steps, at)));
            }
            else index = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(Vector512.Load(m + k), half), 1);
            acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k)), Avx512BW.PermuteVar32x16(odd, index)));
        }
        if (flip) evenTotal += stepDivisor * Vector512.Sum(change);
        return Vector512.Sum(acc);
    }

    /// <summary>Accepts the flip of spin si whose Y was just computed: the next pass applies it.</summary>
    public void Flip(sbyte* row, int si) { pendingRow = row; pendingSign = si; }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere).</summary>
    public void Settle(short* m)
    {
        if (pendingRow == null) return;
        sbyte* flipped = pendingRow;
        pendingRow = null;
        Pass(flipped, m, flipped, pendingSign, flip: true); // the row read is any valid one: only the flip matters here
    }
}
