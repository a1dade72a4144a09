using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts of small networks (N &lt;= 63, the sizes at which P >= 4 is studied: K = alpha N^(P-1)) read from
/// the tables by a register permute: every overlap M lies in [-N, N] with N's parity, so j = (M + N)/2 takes at most
/// 64 values and Odd(j) / g (g the greatest common divisor of the table) fits one int16 register (N &lt; 32; a pair of
/// registers read by a two-table permute for N &lt; 64), or two as limbs lo + 2^15 hi. Y = N^(P-1) Delta E = Even total
/// + s_i g sum_mu xi_mu T(j_mu) is then one permute and one int8 x int16 multiply-add per 32 patterns and limb, against
/// the power sums' three multiplies and three multiply-adds for P = 6 (a microbenchmark on this machine: 2.2 ns a block
/// against 3.8, the classical field 1.7), or the wide sums' conversions to double beyond them.
///
/// The Even total follows each accepted flip inside the next attempt's pass, as the overlaps do: the flip took M to
/// M - 2d (d = s xi), so Even moves by -d step(j' + (d - 1)/2), step(j) = Even(j + 1) - Even(j), another permute of
/// a table (divided by its own divisor) and a multiply-add.
/// </summary>
internal sealed unsafe class LookupFlipParts
{
    /// <summary>Table entries per register: j = (M + N)/2 must stay below it, or below twice it with two registers.</summary>
    const int Entries = 32;
    /// <summary>A table entry is lo + 2^15 hi with both limbs in int16 (hi = 0 where one limb serves).</summary>
    const int LimbBits = 15;
    readonly int count, stride, neurons;
    // Limbs of Odd(j) / oddDivisor and -step(j) / stepDivisor, j &lt; 32; the far ones j = 32..63 (N >= 32).
    readonly Vector512<short> odd, oddHigh, steps, stepsHigh;
    readonly Vector512<short> oddFar, oddHighFar, stepsFar, stepsHighFar;
    readonly bool twoLimbs;               // either table needs its high limb (one compiled pass for each case)
    readonly bool twoRegisters;           // N >= 32: every table is a pair of registers
    readonly long oddDivisor, stepDivisor;
    readonly DenseEnergy energy;          // Even(M), for Begin
    long evenTotal;
    sbyte* pendingRow;
    int pendingSign;

    LookupFlipParts(PatternSet patterns, DenseEnergy energy, long oddDivisor, long stepDivisor)
    {
        count = patterns.Count; stride = patterns.Stride; neurons = patterns.Neurons;
        this.oddDivisor = oddDivisor; this.stepDivisor = stepDivisor;
        var oddTable = energy.OddTable; var stepTable = energy.EvenSteps;
        var o = new long[2 * Entries]; var s = new long[2 * Entries];
        for (int j = 0; j <= neurons; j++) { o[j] = oddTable[j] / oddDivisor; s[j] = -stepTable[j] / stepDivisor; }
        (odd, oddHigh, bool oddTwo) = Limbs(o.AsSpan(0, Entries));
        (steps, stepsHigh, bool stepTwo) = Limbs(s.AsSpan(0, Entries));
        (oddFar, oddHighFar, bool oddFarTwo) = Limbs(o.AsSpan(Entries));
        (stepsFar, stepsHighFar, bool stepFarTwo) = Limbs(s.AsSpan(Entries));
        twoLimbs = oddTwo || stepTwo || oddFarTwo || stepFarTwo;
        twoRegisters = neurons >= Entries;
        this.energy = energy;
    }

    /// <summary>The low limbs (signed, |lo| &lt;= 2^14), the high ones, and whether any high limb is nonzero.</summary>
    static (Vector512<short> Low, Vector512<short> High, bool Two) Limbs(ReadOnlySpan<long> values)
    {
        var low = new short[Entries]; var high = new short[Entries];
        for (int j = 0; j < Entries; j++)
        {
            long lo = values[j] - ((values[j] + (1 << (LimbBits - 1))) >> LimbBits << LimbBits);
            low[j] = (short)lo; high[j] = (short)((values[j] - lo) >> LimbBits);
        }
        return (Vector512.Create(low), Vector512.Create(high), high.Any(h => h != 0));
    }

    /// <summary>Whether a divided entry splits into two int16 limbs.</summary>
    static bool FitsLimbs(long value) => Math.Abs(value) < (1L << (2 * LimbBits - 1));

    /// <summary>The parts for a network they fit (N &lt; 64, both tables within two int16 limbs once divided by their divisors, AVX-512), else null.</summary>
    public static LookupFlipParts? TryCreate(PatternSet patterns, DenseEnergy energy)
    {
        if (!Avx512BW.IsSupported || patterns.Neurons >= 2 * Entries || patterns.Stride >= (1 << 16)) return null;
        long oddDivisor = Divisor(energy.OddTable), stepDivisor = Divisor(energy.EvenSteps);
        foreach (var x in energy.OddTable) if (!FitsLimbs(x / oddDivisor)) return null;
        foreach (var x in energy.EvenSteps) if (!FitsLimbs(x / stepDivisor)) return null;
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
        for (int mu = 0; mu < count; mu++) evenTotal += energy.Even(m[mu]);
    }

    /// <summary>Y for a flip of spin si at the site with pattern row <paramref name="row"/>, after the pending flip (applied in the same pass).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Scaled(sbyte* row, short* m, int si)
    {
        sbyte* flipped = pendingRow;
        pendingRow = null;
        long field = twoRegisters ? Field<TwoRegisters>(row, m, flipped) : Field<OneRegister>(row, m, flipped);
        return evenTotal + si * oddDivisor * field;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long Field<TWidth>(sbyte* row, short* m, sbyte* flipped) where TWidth : struct, ITableWidth => (flipped == null, twoLimbs) switch
    {
        (true, false) => Pass<OneLimb, TWidth>(row, m, null, 0, flip: false),
        (true, true) => Pass<TwoLimbs, TWidth>(row, m, null, 0, flip: false),
        (false, false) => Pass<OneLimb, TWidth>(row, m, flipped, pendingSign, flip: true),
        _ => Pass<TwoLimbs, TWidth>(row, m, flipped, pendingSign, flip: true),
    };

    /// <summary>Entry j of a table held in one register (j &lt; 32) or two (near for j &lt; 32, far for 32..63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<short> Read<TWidth>(Vector512<short> near, Vector512<short> far, Vector512<short> j) where TWidth : struct, ITableWidth =>
        TWidth.Two ? Avx512BW.PermuteVar32x16x2(near, j, far) : Avx512BW.PermuteVar32x16(near, j);

    /// <summary>
    /// sum_mu xi_mu Odd(j_mu) / g over the row, and (with a pending flip) the flip applied to the overlaps and its
    /// change of the Even total added to it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    long Pass<TLimbs, TWidth>(sbyte* row, short* m, sbyte* flipped, int flippedSign, bool flip) where TLimbs : struct, ILimbs where TWidth : struct, ITableWidth
    {
        var acc = Vector512<int>.Zero; var accHigh = Vector512<int>.Zero; var change = Vector512<int>.Zero; var changeHigh = Vector512<int>.Zero;
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
                change = Avx512F.Add(change, Avx512BW.MultiplyAddAdjacent(d, Read<TWidth>(steps, stepsFar, at)));
                if (TLimbs.Two) changeHigh = Avx512F.Add(changeHigh, Avx512BW.MultiplyAddAdjacent(d, Read<TWidth>(stepsHigh, stepsHighFar, at)));
            }
            else index = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(Vector512.Load(m + k), half), 1);
            var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
            acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(xi, Read<TWidth>(odd, oddFar, index)));
            if (TLimbs.Two) accHigh = Avx512F.Add(accHigh, Avx512BW.MultiplyAddAdjacent(xi, Read<TWidth>(oddHigh, oddHighFar, index)));
        }
        if (flip) evenTotal += stepDivisor * (Vector512.Sum(change) + ((long)Vector512.Sum(changeHigh) << LimbBits));
        return Vector512.Sum(acc) + ((long)Vector512.Sum(accHigh) << LimbBits);
    }

    /// <summary>Accepts the flip of spin si whose Y was just computed: the next pass applies it.</summary>
    public void Flip(sbyte* row, int si) { pendingRow = row; pendingSign = si; }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere).</summary>
    public void Settle(short* m)
    {
        if (pendingRow == null) return;
        sbyte* flipped = pendingRow;
        pendingRow = null;
        // The row read is any valid one: only the flip matters here.
        if (twoRegisters) Field<TwoRegisters>(flipped, m, flipped);
        else Field<OneRegister>(flipped, m, flipped);
    }
}

/// <summary>Whether <see cref="LookupFlipParts"/>' tables take a pair of registers (N >= 32), as a type.</summary>
internal interface ITableWidth { static abstract bool Two { get; } }
internal struct OneRegister : ITableWidth { public static bool Two => false; }
internal struct TwoRegisters : ITableWidth { public static bool Two => true; }

/// <summary>Whether <see cref="LookupFlipParts"/>' tables take a second int16 limb, as a type (one compiled pass each).</summary>
internal interface ILimbs { static abstract bool Two { get; } }
internal struct OneLimb : ILimbs { public static bool Two => false; }
internal struct TwoLimbs : ILimbs { public static bool Two => true; }
