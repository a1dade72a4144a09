using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts read from the tables by a register permute, for small networks (N &lt;= 63, the sizes at which
/// P >= 4 is studied: K = alpha N^(P-1)) and for hot chains of larger ones whose overlaps stay within |M| &lt;= 63
/// (127 from N = 200, on tables folded in |M|: see <see cref="TryCreateBounded"/>).
/// Every overlap M in range has the parity of N, so j = (M + B)/2 (B = N for small networks, else 62 or 63 with N's
/// parity) takes at most 64 values and Odd(j) / g (g the greatest common divisor of the entries in range) fits one
/// int16 register (B &lt; 32; a pair of registers read by a two-table permute for B &lt; 64) in up to three limbs
/// lo + 2^15 mid + 2^30 top. Y = N^(P-1) Delta E = Even total + s_i g sum_mu xi_mu T(j_mu) is then one permute and one
/// int8 x int16 multiply-add per 32 patterns and limb, against the power sums' three multiplies and three
/// multiply-adds for P = 6 (a microbenchmark on this machine: 2.2 ns a block against 3.8, the classical field 1.7),
/// or the wide sums' conversions to double beyond them.
///
/// The Even total follows each accepted flip inside the next attempt's pass, as the overlaps do: the flip took M to
/// M - 2d (d = s xi), so Even moves by -d step(j' + (d - 1)/2), step(j) = Even(j + 1) - Even(j), another permute of
/// a table (divided by its own divisor) and a multiply-add.
///
/// Larger networks (<see cref="Bounded"/>) keep a bound on max |M| that an accepted flip raises by 2; once it passes
/// B the next pass measures max |M| as it applies the flip, and an overlap past B ends the tables' turn (the
/// overlaps are then current, the sums are not).
/// </summary>
internal sealed unsafe class LookupFlipParts
{
    /// <summary>Table entries per register: j = (M + B)/2 must stay below it, or below twice it with two registers.</summary>
    const int Entries = 32;
    /// <summary>A table entry is lo + 2^15 mid + 2^30 top with every limb in int16 (the upper ones 0 where fewer serve).</summary>
    const int LimbBits = 15;
    /// <summary>The largest B: j = (M + B)/2 stays within the 64 entries of a pair of registers.</summary>
    const int LargestOffset = 2 * Entries - 1;
    readonly int count, stride, neurons, offset;
    readonly bool folded;                 // larger networks from FoldFrom: the tables in |M|
    readonly bool oddOrder;               // P odd: Odd(M) even in M, Even(M) odd (else the other way round)
    readonly long crossingStep;           // folded, P and N odd: the Even total's move -2 d Even(1) as M = d goes to -d
    // Limbs of Odd(j) / oddDivisor and -step(j) / stepDivisor (step(j) folded): near (j < 32) and far (j = 32..63).
    readonly Vector512<short> odd, oddHigh, oddTop, steps, stepsHigh, stepsTop;
    readonly Vector512<short> oddFar, oddHighFar, oddTopFar, stepsFar, stepsHighFar, stepsTopFar;
    readonly int limbs;                   // limbs either table needs (one compiled pass for each count)
    readonly bool twoRegisters;           // B >= 32: every table is a pair of registers
    readonly long oddDivisor, stepDivisor;
    readonly DenseEnergy energy;          // Even(M), for Begin
    long evenTotal;
    sbyte* pendingRow;
    int pendingSign;
    int reach;                            // bounded: a bound on max |M| once the pending flip is applied
    int measured;                         // the largest |M| the last checking pass found

    LookupFlipParts(PatternSet patterns, DenseEnergy energy, int offset, bool folded, long oddDivisor, long stepDivisor)
    {
        count = patterns.Count; stride = patterns.Stride; neurons = patterns.Neurons;
        this.offset = offset; this.folded = folded;
        oddOrder = energy.Order % 2 == 1;
        if (folded && oddOrder && neurons % 2 == 1) crossingStep = -2 * energy.Even(1);
        this.oddDivisor = oddDivisor; this.stepDivisor = stepDivisor;
        var (o, s) = InRange(energy, offset, folded);
        // The steps are stored negated where the pass multiplies them by d (see Pass).
        for (int j = 0; j < o.Length; j++) { o[j] /= oddDivisor; s[j] = (folded ? s[j] : -s[j]) / stepDivisor; }
        int oddLimbs, stepLimbs, oddFarLimbs, stepFarLimbs;
        (odd, oddHigh, oddTop, oddLimbs) = Limbs(o.AsSpan(0, Entries));
        (steps, stepsHigh, stepsTop, stepLimbs) = Limbs(s.AsSpan(0, Entries));
        (oddFar, oddHighFar, oddTopFar, oddFarLimbs) = Limbs(o.AsSpan(Entries));
        (stepsFar, stepsHighFar, stepsTopFar, stepFarLimbs) = Limbs(s.AsSpan(Entries));
        limbs = Math.Max(Math.Max(oddLimbs, stepLimbs), Math.Max(oddFarLimbs, stepFarLimbs));
        twoRegisters = folded || offset >= Entries;
        this.energy = energy;
    }

    /// <summary>
    /// Odd(M) and step(M) = Even(M + 2) - Even(M) at j = (M + B)/2, M = -B, -B + 2, ..., B (0 beyond), or folded at
    /// j = |M| >> 1, M = 2j + (N mod 2) &lt;= B.
    /// </summary>
    static (long[] Odd, long[] Steps) InRange(DenseEnergy energy, int offset, bool folded)
    {
        var oddTable = energy.OddTable; var stepTable = energy.EvenSteps;
        var o = new long[2 * Entries]; var s = new long[2 * Entries];
        for (int j = 0; j < 2 * Entries; j++)
        {
            int overlap = folded ? 2 * j + (energy.Neurons & 1) : 2 * j - offset;
            if (overlap > offset) break;
            int at = (overlap + energy.Neurons) >> 1; // the energy's index (M + N)/2
            o[j] = oddTable[at]; s[j] = stepTable[at];
        }
        return (o, s);
    }

    /// <summary>The limbs (signed, |lo|, |mid| &lt;= 2^14) and how many of them are needed (at least one).</summary>
    static (Vector512<short> Low, Vector512<short> High, Vector512<short> Top, int Count) Limbs(ReadOnlySpan<long> values)
    {
        var low = new short[Entries]; var high = new short[Entries]; var top = new short[Entries];
        int needed = 1;
        for (int j = 0; j < Entries; j++)
        {
            long v = values[j], lo = Remainder(v);
            v = (v - lo) >> LimbBits;
            long mid = Remainder(v), hi = (v - mid) >> LimbBits;
            low[j] = (short)lo; high[j] = (short)mid; top[j] = (short)hi;
            needed = Math.Max(needed, hi != 0 ? 3 : mid != 0 ? 2 : 1);
        }
        return (Vector512.Create(low), Vector512.Create(high), Vector512.Create(top), needed);
    }

    /// <summary>v modulo 2^15 in [-2^14, 2^14).</summary>
    static long Remainder(long v) => v - ((v + (1 << (LimbBits - 1))) >> LimbBits << LimbBits);

    /// <summary>Whether a divided entry splits into three int16 limbs.</summary>
    static bool FitsLimbs(long value) => Math.Abs(value) < (1L << (3 * LimbBits - 1));

    /// <summary>The parts for a small network (N &lt; 64, every entry within three int16 limbs once divided, AVX-512), else null.</summary>
    public static LookupFlipParts? TryCreate(PatternSet patterns, DenseEnergy energy) =>
        patterns.Neurons <= LargestOffset ? TryCreate(patterns, energy, patterns.Neurons) : null;

    /// <summary>
    /// The parts for a larger network's hot chains (N > 63), which serve while every |M| &lt;= B = 62 or 63 (N's
    /// parity), else null. From N = <see cref="FoldFrom"/> the tables are folded: e_P(-M) = (-1)^P e_P(M), so for
    /// even P Odd(M) is odd in M and Even(M) even, for odd P the other way round; they are kept for |M| alone,
    /// j = |M| >> 1, and serve while every |M| &lt;= B = 126 or 127. For even P the pass takes xi sign(M) for xi and
    /// the change of Even(|M|) for the Even total; for odd P xi itself, and sign(M + M') times the change of
    /// Even(|M|), apart from an odd N's M = d going to -d, which moves Even by -2 d Even(1).
    /// </summary>
    public static LookupFlipParts? TryCreateBounded(PatternSet patterns, DenseEnergy energy)
    {
        int n = patterns.Neurons;
        if (n <= LargestOffset) return null;
        if (n >= FoldFrom)
            return TryCreate(patterns, energy, 2 * LargestOffset + 1 - (n + 1) % 2, folded: true);
        return TryCreate(patterns, energy, LargestOffset - (n + 1) % 2, folded: false);
    }

    /// <summary>
    /// The N from which the bounded tables are folded: their pass costs more (about five vector instructions per
    /// block, and a third limb), and hot chains below it seldom pass |M| = 63 (bench dense, K = 1000, T = 1: P = 8 and
    /// 9 at N = 200 cost 6.2-6.4 classical attempts folded, 6.1-6.3 not; at N = 230 5.7-5.8 against 9.4-9.8; at
    /// N = 128-150, P = 8, 6.0-6.5 against 4.5).
    /// </summary>
    internal const int FoldFrom = 200;

    static LookupFlipParts? TryCreate(PatternSet patterns, DenseEnergy energy, int offset, bool folded = false)
    {
        if (!Avx512BW.IsSupported || patterns.Stride >= (1 << 16)) return null;
        int parity = energy.Order % 2 == 0 ? 1 : -1; // Odd(-M) = -parity Odd(M), Even(-M) = parity Even(M)
        if (folded)
            for (int overlap = patterns.Neurons & 1; overlap <= offset; overlap += 2)
                if (energy.Odd(-overlap) != -parity * energy.Odd(overlap) || energy.Even(-overlap) != parity * energy.Even(overlap)) return null;
        var (o, s) = InRange(energy, offset, folded);
        long oddDivisor = Divisor(o), stepDivisor = Divisor(s);
        foreach (var x in o) if (!FitsLimbs(x / oddDivisor)) return null;
        foreach (var x in s) if (!FitsLimbs(x / stepDivisor)) return null;
        return new LookupFlipParts(patterns, energy, offset, folded, oddDivisor, stepDivisor);
    }

    /// <summary>The greatest common divisor of the entries (1 for an all-zero table).</summary>
    static long Divisor(ReadOnlySpan<long> values)
    {
        long g = 0;
        foreach (var x in values)
            for (long a = Math.Abs(x); a != 0;) (g, a) = (a, g % a);
        return g == 0 ? 1 : g;
    }

    /// <summary>The int16 limbs of the larger table (diagnostic for the tests).</summary>
    internal int LimbCount => limbs;

    /// <summary>The tables cover only |M| &lt;= B &lt; N: a larger network's parts, for its hot chains.</summary>
    public bool Bounded => offset < neurons;

    /// <summary>Starts from the current overlaps (settled); false when one is past the tables' range.</summary>
    public bool Begin(short* m)
    {
        pendingRow = null;
        reach = PowerFlipParts.Largest(m, count);
        if (reach > offset) return false;
        evenTotal = 0;
        for (int mu = 0; mu < count; mu++) evenTotal += energy.Even(m[mu]);
        return true;
    }

    /// <summary>Y for a flip of spin si at the site with pattern row <paramref name="row"/>, after the pending flip (applied in the same pass): small networks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Scaled(sbyte* row, short* m, int si)
    {
        sbyte* flipped = pendingRow;
        pendingRow = null;
        long field = twoRegisters ? Field<TwoRegisters>(row, m, flipped, check: false) : Field<OneRegister>(row, m, flipped, check: false);
        return evenTotal + si * oddDivisor * field;
    }

    /// <summary>
    /// <see cref="Scaled"/> for the bounded tables: false when the pending flip took an overlap past B (the overlaps
    /// are then current, Y is not computed).
    /// </summary>
    public bool TryScaled(sbyte* row, short* m, int si, out long scaled)
    {
        sbyte* flipped = pendingRow;
        pendingRow = null;
        bool check = flipped != null && reach > offset;
        long field = !folded ? BoundedField<TwoRegisters>(row, m, flipped, check)
            : oddOrder ? BoundedField<FoldedOddRegisters>(row, m, flipped, check) : BoundedField<FoldedRegisters>(row, m, flipped, check);
        scaled = evenTotal + si * oddDivisor * field;
        if (!check) return true;
        reach = measured;
        return reach <= offset;
    }

    /// <summary>The bounded tables' field: one compiled method for each form (the passes inlined, with and without the check).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    long BoundedField<TWidth>(sbyte* row, short* m, sbyte* flipped, bool check) where TWidth : struct, ITableWidth =>
        check ? Field<TWidth>(row, m, flipped, check: true) : Field<TWidth>(row, m, flipped, check: false);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long Field<TWidth>(sbyte* row, short* m, sbyte* flipped, bool check) where TWidth : struct, ITableWidth => (flipped == null, limbs) switch
    {
        (true, 1) => Pass<OneLimb, TWidth>(row, m, null, 0, flip: false, check: false),
        (true, 2) => Pass<TwoLimbs, TWidth>(row, m, null, 0, flip: false, check: false),
        (true, _) => Pass<ThreeLimbs, TWidth>(row, m, null, 0, flip: false, check: false),
        (false, 1) => Pass<OneLimb, TWidth>(row, m, flipped, pendingSign, flip: true, check),
        (false, 2) => Pass<TwoLimbs, TWidth>(row, m, flipped, pendingSign, flip: true, check),
        _ => Pass<ThreeLimbs, TWidth>(row, m, flipped, pendingSign, flip: true, check),
    };

    /// <summary>Entry j of a table held in one register (j &lt; 32) or two (near for j &lt; 32, far for 32..63).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector512<short> Read<TWidth>(Vector512<short> near, Vector512<short> far, Vector512<short> j) where TWidth : struct, ITableWidth =>
        TWidth.Two ? Avx512BW.PermuteVar32x16x2(near, j, far) : Avx512BW.PermuteVar32x16(near, j);

    /// <summary>
    /// sum_mu xi_mu Odd(j_mu) / g over the row, and (with a pending flip) the flip applied to the overlaps and its
    /// change of the Even total added to it; with <paramref name="check"/> the largest |M| after the flip goes to
    /// <see cref="measured"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    long Pass<TLimbs, TWidth>(sbyte* row, short* m, sbyte* flipped, int flippedSign, bool flip, bool check) where TLimbs : struct, ILimbs where TWidth : struct, ITableWidth
    {
        var acc = Vector512<int>.Zero; var accHigh = Vector512<int>.Zero; var accTop = Vector512<int>.Zero;
        var change = Vector512<int>.Zero; var changeHigh = Vector512<int>.Zero; var changeTop = Vector512<int>.Zero;
        var size = Vector512<ushort>.Zero;
        var crossings = Vector512<short>.Zero;
        var half = Vector512.Create((short)offset);
        var sign = Vector512.Create((short)(flippedSign < 0 ? -1 : 0));
        for (int k = 0; k < stride; k += 32)
        {
            // The table's index j, and with a flip the step table's index and the step's multiplier (d or e).
            Vector512<short> index, at = default, by = default;
            var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
            if (TWidth.Folded)
            {
                // Even P: Odd(M) = sign(M) Odd(|M|), so xi sign(M) against the table at j = |M| >> 1, and the Even
                // total moves by Even(|M'|) - Even(|M|) = e step(min(|M|, |M'|) >> 1), e = (|M'| - |M|)/2 in
                // {-1, 0, 1} (0 where an odd N's M = +-1 goes to -+1). Odd P: xi against Odd(|M|), and e takes the
                // sign of M + M' (M and M' share it, or one is 0), except where an odd N's M = d goes to -d: e = 0
                // there, and the lanes' d are counted for the crossing step.
                var v = Vector512.Load(m + k);
                if (flip)
                {
                    var d = Avx512BW.Subtract(Avx512F.Xor(Avx512BW.ConvertToVector512Int16(Vector256.Load(flipped + k)), sign), sign);
                    var size0 = Avx512BW.Abs(v).AsInt16();
                    var moved = Avx512BW.Subtract(v, Avx512BW.Add(d, d));
                    moved.Store(m + k);
                    var size1 = Avx512BW.Abs(moved).AsInt16();
                    if (check) size = Avx512BW.Max(size, size1.AsUInt16());
                    var e = Avx512BW.ShiftRightArithmetic(Avx512BW.Subtract(size1, size0), 1);
                    if (TWidth.OddOrder)
                    {
                        crossings = Avx512BW.Add(crossings, Avx512F.And(d, Avx512BW.CompareEqual(e, Vector512<short>.Zero)));
                        var negative = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(v, moved), 15);
                        e = Avx512BW.Subtract(Avx512F.Xor(e, negative), negative);
                    }
                    v = moved;
                    by = e;
                    at = Avx512BW.ShiftRightLogical(Avx512BW.Min(size0, size1), 1);
                    index = Avx512BW.ShiftRightLogical(size1, 1);
                }
                else index = Avx512BW.ShiftRightLogical(Avx512BW.Abs(v).AsInt16(), 1);
                if (!TWidth.OddOrder)
                {
                    var negative = Avx512BW.ShiftRightArithmetic(v, 15);
                    xi = Avx512BW.Subtract(Avx512F.Xor(xi, negative), negative);
                }
            }
            else if (flip)
            {
                var d = Avx512BW.Subtract(Avx512F.Xor(Avx512BW.ConvertToVector512Int16(Vector256.Load(flipped + k)), sign), sign); // s xi (0 on the padding)
                var moved = Avx512BW.Subtract(Vector512.Load(m + k), Avx512BW.Add(d, d)); // M' = M - 2d
                moved.Store(m + k);
                if (check) size = Avx512BW.Max(size, Avx512BW.Abs(moved));
                var shifted = Avx512BW.Add(moved, half); // M' + B
                index = Avx512BW.ShiftRightArithmetic(shifted, 1);
                // j' + (d - 1)/2 = (M' + B + d - 1) >> 1, M' + B being even; the steps are stored negated.
                at = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(shifted, Avx512BW.Subtract(d, Vector512<short>.One)), 1);
                by = d;
            }
            else index = Avx512BW.ShiftRightArithmetic(Avx512BW.Add(Vector512.Load(m + k), half), 1);
            if (flip)
            {
                change = Avx512F.Add(change, Avx512BW.MultiplyAddAdjacent(by, Read<TWidth>(steps, stepsFar, at)));
                if (TLimbs.Count >= 2) changeHigh = Avx512F.Add(changeHigh, Avx512BW.MultiplyAddAdjacent(by, Read<TWidth>(stepsHigh, stepsHighFar, at)));
                if (TLimbs.Count >= 3) changeTop = Avx512F.Add(changeTop, Avx512BW.MultiplyAddAdjacent(by, Read<TWidth>(stepsTop, stepsTopFar, at)));
            }
            acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(xi, Read<TWidth>(odd, oddFar, index)));
            if (TLimbs.Count >= 2) accHigh = Avx512F.Add(accHigh, Avx512BW.MultiplyAddAdjacent(xi, Read<TWidth>(oddHigh, oddHighFar, index)));
            if (TLimbs.Count >= 3) accTop = Avx512F.Add(accTop, Avx512BW.MultiplyAddAdjacent(xi, Read<TWidth>(oddTop, oddTopFar, index)));
        }
        if (check) measured = PowerFlipParts.Largest(size);
        if (flip) evenTotal += stepDivisor * Combine<TLimbs>(change, changeHigh, changeTop);
        if (flip && TWidth.OddOrder) evenTotal += crossingStep * Vector512.Sum(Avx512BW.MultiplyAddAdjacent(crossings, Vector512<short>.One));
        return Combine<TLimbs>(acc, accHigh, accTop);
    }

    /// <summary>lo + 2^15 mid + 2^30 top summed over the lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static long Combine<TLimbs>(Vector512<int> low, Vector512<int> high, Vector512<int> top) where TLimbs : struct, ILimbs
    {
        long sum = Vector512.Sum(low);
        if (TLimbs.Count >= 2) sum += (long)Vector512.Sum(high) << LimbBits;
        if (TLimbs.Count >= 3) sum += (long)Vector512.Sum(top) << (2 * LimbBits);
        return sum;
    }

    /// <summary>Accepts the flip of spin si whose Y was just computed: the next pass applies it.</summary>
    public void Flip(sbyte* row, int si) { pendingRow = row; pendingSign = si; reach = Math.Min(reach + 2, neurons); }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere); false when it took an overlap past B.</summary>
    public bool Settle(short* m)
    {
        if (pendingRow == null) return true;
        sbyte* flipped = pendingRow;
        pendingRow = null;
        // The row read is any valid one: only the flip matters here.
        if (!twoRegisters) { Field<OneRegister>(flipped, m, flipped, check: false); return true; }
        bool check = reach > offset;
        if (!folded) BoundedField<TwoRegisters>(flipped, m, flipped, check);
        else if (oddOrder) BoundedField<FoldedOddRegisters>(flipped, m, flipped, check);
        else BoundedField<FoldedRegisters>(flipped, m, flipped, check);
        if (!check) return true;
        reach = measured;
        return reach <= offset;
    }
}

/// <summary>Whether <see cref="LookupFlipParts"/>' tables take a pair of registers (N >= 32), as a type.</summary>
internal interface ITableWidth { static abstract bool Two { get; } static abstract bool Folded { get; } static abstract bool OddOrder { get; } }
internal struct OneRegister : ITableWidth { public static bool Two => false; public static bool Folded => false; public static bool OddOrder => false; }
internal struct TwoRegisters : ITableWidth { public static bool Two => true; public static bool Folded => false; public static bool OddOrder => false; }
/// <summary>A pair of registers in |M| (the bounded tables up to |M| = 127), for even P and for odd P.</summary>
internal struct FoldedRegisters : ITableWidth { public static bool Two => true; public static bool Folded => true; public static bool OddOrder => false; }
internal struct FoldedOddRegisters : ITableWidth { public static bool Two => true; public static bool Folded => true; public static bool OddOrder => true; }

/// <summary>How many int16 limbs <see cref="LookupFlipParts"/>' tables take, as a type (one compiled pass each).</summary>
internal interface ILimbs { static abstract int Count { get; } }
internal struct OneLimb : ILimbs { public static int Count => 1; }
internal struct TwoLimbs : ILimbs { public static int Count => 2; }
internal struct ThreeLimbs : ILimbs { public static int Count => 3; }
