using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts on the fly for hot chains on the tables (P = 5 to 9 networks whose flip polynomials overflow 64
/// bits), where every accepted flip would otherwise rewrite the K table entries Odd(M_mu) one by one.
///
/// As in <see cref="PowerFlipParts"/>, G(M) = M^a g(M^2) and H(M) = M^b h(M^2) (a, b the parities of P - 1 and P), so
/// X = D Y = sum_k h_k T_(2k+b) + s_i sum_k g_k S_(2k+a) with the power totals T_j = sum_mu M_mu^j (moved by a flip
/// through the binomial expansion) and the site's signed power sums S_j = sum_mu xi_mu M_mu^j. Here the powers pass
/// 32 bits: for P even S_1 is an int16 multiply-add (as the classical field) and the higher S_j are summed in double
/// lanes from y = xi M; for P odd the lanes start from xi M^2, exact in int32 from two int16 multiply-adds. Every term
/// |M|^j &lt;= 2^51 and every lane's partial sum &lt;= 2^53 (flushed to int64 lanes in time), so each is an exact
/// integer, and so are the 64-bit totals T_j. The coefficients and X are taken modulo 2^128: X = D Y, so bits shift
/// to shift + 63 of X (D = 2^shift times an odd number) are those of (odd D) Y, and Y follows modulo 2^64 (as the
/// tables' 64-bit sums give it) by the odd number's inverse. Overlaps must stay within a limit (<see cref="Limit"/>:
/// 1176 for P = 6, 362, 156 and 83 for P = 7, 8 and 9, for P = 5 up to 6888 as K allows; a hot chain's overlaps are a
/// few sqrt(N)); an accepted flip moves them inside the next attempt's pass, which reports one passing the limit.
///
/// P = 5, 6 and 7 while every |M| &lt;= 362 sum their levels as <see cref="PowerFlipParts"/> does, in int16 against
/// w = (M^2 - p)/4 (<see cref="QuarterPass{TOrder}"/>), where the double lanes cost about twice as much (P = 5) or half
/// as much again (P = 6). The bound on max |M| is measured anew when it passes 362.
/// </summary>
internal sealed unsafe class WideFlipParts
{
    readonly int order, count, stride, neurons, flushEvery, b, top, hCount, shift;
    readonly ulong oddInverse;
    readonly UInt128 g0, g1, g2, g3, g4; // G = M^a (g0 + g1 M^2 + g2 M^4 + g3 M^6 + g4 M^8), modulo 2^128
    readonly UInt128[] h;            // H = M^b sum_k h_k M^(2k), modulo 2^128
    // T_j, j = 0..top (those of H's parity kept), exact in 64 bits: top &lt;= P - 2 and K Limit^(P-1) &lt;= 2^61, so
    // |T_j| &lt; 2^61 even after a flip that takes an overlap to Limit + 2 (the next pass then reports it). Kept in
    // 64 bits, a flip's update is plain integer arithmetic (in 128 bits a hot attempt cost 2-10 % more).
    readonly long[] totals;
    readonly long[] sums;            // S_j of the last attempt, j = 0..P-1 (those of G's parity)
    readonly int[] rowSums;          // S_0 = sum_mu xi_mu per site
    UInt128 even;                    // sum_k h_k T_(2k+b)
    sbyte* pendingRow;               // an accepted flip the next pass applies (see PowerFlipParts)
    int pendingSign;
    int reach;                       // a bound on max |M| once the pending flip is applied
    int checkAt;                     // reach past which the next pass measures max |M|: at most the quarter limit below it, else the limit
    readonly int quarterLimit;       // P = 5 to 7: the largest |M| of the int16 quarter-square pass (362, at most the limit); else 0
    readonly int[] quarterFlush;     // P = 5 to 7: blocks of 32 patterns the quarter pass's int32 lanes can sum, by the bound on max |M|
    readonly int[] quarterChecks;    // checkAt by the measured max |M| within the quarter limit (PowerFlipParts.CheckPoints)

    public WideFlipParts(PatternSet patterns, int order)
    {
        this.order = order;
        count = patterns.Count; stride = patterns.Stride; neurons = patterns.Neurons;
        Limit = LimitFor(order, neurons, stride);
        flushEvery = (int)Math.Min(1 << 20, Math.Floor(Math.Pow(2, 53) / (4 * Math.Pow(Limit, order - 1))));
        var (odd, evenPoly, denominator) = FlipPolynomials.Exact(order, neurons);
        var gs = InSquares(odd, (order - 1) % 2);
        (g0, g1, g2, g3, g4) = (At(gs, 0), At(gs, 1), At(gs, 2), At(gs, 3), At(gs, 4));
        b = order % 2;
        h = InSquares(evenPoly, b);
        hCount = h.Length;
        top = 2 * (hCount - 1) + b;
        totals = new long[top + 1];
        sums = new long[order];
        rowSums = PowerFlipParts.RowSums(patterns);
        shift = (int)BigInteger.TrailingZeroCount(denominator);
        (_, oddInverse) = DenseChain.ExactDivisor((long)(denominator >> shift));
        // w = (M^2 - p)/4 fits int16 up to |M| = 362, where a lane's two products w^2 still fit int32 (flushed after
        // every block there; every fourth at 255, PowerFlipParts' limit): a hot chain at N = 4000, whose largest overlap
        // moves about 250, stays on the quarter squares.
        quarterLimit = order is >= 5 and <= 7 ? Math.Min(PowerFlipParts.NarrowLimit, Limit) : 0;
        quarterFlush = new int[quarterLimit + 1];
        for (int r = 0; r <= quarterLimit; r++) quarterFlush[r] = PowerFlipParts.FlushEvery(order, r, beyond: true);
        quarterChecks = PowerFlipParts.CheckPoints(quarterFlush, quarterLimit, quarterLimit, (stride + 31) / 32);
    }

    static UInt128 At(UInt128[] c, int k) => k < c.Length ? c[k] : UInt128.Zero;

    /// <summary>The coefficients of M^parity c(M^2) modulo 2^128, up to the last nonzero one ([0] for none).</summary>
    static UInt128[] InSquares(BigInteger[] p, int parity)
    {
        int last = p.Length - 1;
        while (last >= 0 && p[last].IsZero) last--;
        var mask = (BigInteger.One << 128) - 1;
        var c = new UInt128[Math.Max(1, (last - parity) / 2 + 1)];
        for (int k = parity; k <= last; k += 2) c[k / 2] = (UInt128)(p[k] & mask);
        return c;
    }

    public int Order => order;
    /// <summary>The largest |M| for which the sums are exact (see the class summary).</summary>
    public int Limit { get; }
    /// <summary>Every overlap is within the limit whatever the state.</summary>
    public bool AlwaysInRange => neurons <= Limit;

    /// <summary>P = 5 to 9, AVX-512, a limit of at least 2.</summary>
    public static bool Fits(PatternSet patterns, int order) =>
        Avx512BW.IsSupported && Avx512DQ.IsSupported && order is >= 5 and <= 9 && patterns.Stride < (1 << 16)
        && LimitFor(order, patterns.Neurons, patterns.Stride) >= 2;

    /// <summary>
    /// The largest R &lt;= N with R^(P-1) &lt;= 2^51 (every double term exact, four per lane between flushes) and stride
    /// R^(P-1) &lt;= 2^61 (the int64 sums), stride R &lt; 2^31 (the int32 lanes of S_a).
    /// </summary>
    internal static int LimitFor(int order, int neurons, int stride)
    {
        int r = Math.Min(neurons, short.MaxValue);
        while (r > 0 && (Math.Pow(r, order - 1) > Math.Pow(2, 51) || stride * Math.Pow(r, order - 1) > Math.Pow(2, 61) || (long)stride * r >= int.MaxValue)) r--;
        return r;
    }

    /// <summary>Starts from the current overlaps; false when one exceeds the limit.</summary>
    public bool Begin(short* m)
    {
        pendingRow = null;
        reach = PowerFlipParts.Largest(m, count);
        if (reach > Limit) return false;
        checkAt = CheckAt(reach);
        Array.Clear(totals);
        for (int mu = 0; mu < count; mu++)
        {
            long power = 1;
            for (int j = 0; j <= top; j++) { totals[j] += power; power *= m[mu]; }
        }
        even = Even();
        return true;
    }

    /// <summary>
    /// Y = N^(P-1) Delta E (modulo 2^64) for a flip of spin si at site i, after applying the pending flip in the same
    /// pass; false when that flip took an overlap past the limit (the overlaps are then current, Y is not computed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryScaled<TOrder>(sbyte* row, short* m, int i, int si, out long scaled) where TOrder : struct, IPowerOrder
    {
        Sums s;
        bool quarter = false;
        if (pendingRow != null && reach > checkAt && QuarterShape<TOrder>() && reach <= quarterLimit)
        {
            // Still within the quarter squares' range: measure in their own pass.
            quarter = true;
            s = QuarterCheck<TOrder>(row, m);
            reach = s.Largest;
            checkAt = CheckAt(reach);
        }
        else if (pendingRow != null && reach > checkAt)
        {
            // The bound passed the quarter limit or the limit: measure, on the double lanes.
            s = Pass<TOrder>(row, m, flip: true, check: true);
            reach = s.Largest;
            if (reach > Limit) { pendingRow = null; scaled = 0; return false; }
            checkAt = CheckAt(reach);
        }
        else if (QuarterShape<TOrder>() && reach <= quarterLimit)
        {
            quarter = true;
            s = pendingRow == null ? QuarterPass<TOrder>(row, m, flip: false, check: false) : QuarterPass<TOrder>(row, m, flip: true, check: false);
        }
        else s = pendingRow == null ? Pass<TOrder>(row, m, flip: false, check: false) : Pass<TOrder>(row, m, flip: true, check: false);
        pendingRow = null;
        int a = TOrder.OddG ? 1 : 0;
        if (a == 0) s.Base = rowSums[i];
        if (QuarterShape<TOrder>() && quarter)
        {
            var q = new PowerFlipParts.Sums { Base = s.Base, First = s.First, Second = s.Second, Third = s.Third };
            PowerFlipParts.FromQuarterSquares<TOrder>(ref q, neurons & 1);
            (s.First, s.Second, s.Third) = (q.First, q.Second, q.Third);
        }
        sums[a] = s.Base; sums[a + 2] = s.First;
        UInt128 odd = Times(g0, s.Base) + Times(g1, s.First);
        if (TOrder.Levels >= 2) { odd += Times(g2, s.Second); sums[a + 4] = s.Second; }
        if (TOrder.Levels >= 3) { odd += Times(g3, s.Third); sums[a + 6] = s.Third; }
        if (TOrder.Levels >= 4) { odd += Times(g4, s.Fourth); sums[a + 8] = s.Fourth; }
        UInt128 x = si > 0 ? even + odd : even - odd;
        scaled = (long)((ulong)(x >> shift) * oddInverse);
        return true;
    }

    struct Sums { public long Base, First, Second, Third, Fourth; public int Largest; }

    /// <summary>TOrder has P = 5's, 6's or 7's shape: the quarter-square pass is compiled for them alone.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] // a constant per TOrder, yet left as a call per attempt without it (perf)
    static bool QuarterShape<TOrder>() where TOrder : struct, IPowerOrder => TOrder.Levels == 2 || TOrder.Levels == 3 && !TOrder.OddG;

    /// <summary>One pass: the pending flip (fused with the loads), S_a in int32 lanes, the higher S_j in double lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    Sums Pass<TOrder>(sbyte* row, short* m, bool flip, bool check) where TOrder : struct, IPowerOrder
    {
        var size = Vector512<ushort>.Zero;
        var baseLanes = Vector512<int>.Zero;
        var wide1 = Vector512<long>.Zero; var wide2 = Vector512<long>.Zero; var wide3 = Vector512<long>.Zero; var wide4 = Vector512<long>.Zero;
        sbyte* flipped = pendingRow;
        int flippedSign = pendingSign;
        var lowHalves = Vector512.Create(0x0000FFFF).AsInt16();
        for (int start = 0; start < stride; start += 32 * flushEvery)
        {
            // One accumulator per quarter of the block and level: four independent chains of additions (one chain
            // would wait on the adder's latency four times per block).
            Vector512<double> a1 = default, a2 = default, a3 = default, a4 = default, b1 = default, b2 = default, b3 = default, b4 = default,
                c1 = default, c2 = default, c3 = default, c4 = default, e1 = default, e2 = default, e3 = default, e4 = default;
            int end = Math.Min(stride, start + 32 * flushEvery);
            for (int k = start; k < end; k += 32)
            {
                var v = flip ? HebbianChain.FlipBlock(flipped, m, k, flippedSign) : Vector512.Load(m + k);
                if (check) size = Avx512BW.Max(size, Avx512BW.Abs(v));
                var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
                if (TOrder.OddG) baseLanes = Avx512F.Add(baseLanes, Avx512BW.MultiplyAddAdjacent(xi, v));
                var y = Avx512BW.MultiplyLow(xi, v); // xi M, exact: |M| <= N < 2^15
                if (TOrder.OddG)
                {
                    var yLow = Avx512F.ConvertToVector512Int32(y.GetLower()); var yHigh = Avx512F.ConvertToVector512Int32(y.GetUpper());
                    Levels<TOrder>(yLow.GetLower(), ref a1, ref a2, ref a3, ref a4);
                    Levels<TOrder>(yLow.GetUpper(), ref b1, ref b2, ref b3, ref b4);
                    Levels<TOrder>(yHigh.GetLower(), ref c1, ref c2, ref c3, ref c4);
                    Levels<TOrder>(yHigh.GetUpper(), ref e1, ref e2, ref e3, ref e4);
                }
                else
                {
                    // xi M^2 in int32 lanes, exact (|M| < 2^15): the multiply-add of y with M masked to the even
                    // (then the odd) int16 of each pair.
                    var evens = Avx512BW.MultiplyAddAdjacent(y, Avx512F.And(v, lowHalves));
                    var odds = Avx512BW.MultiplyAddAdjacent(y, Avx512F.AndNot(lowHalves, v));
                    EvenLevels<TOrder>(evens.GetLower(), ref a1, ref a2, ref a3, ref a4);
                    EvenLevels<TOrder>(evens.GetUpper(), ref b1, ref b2, ref b3, ref b4);
                    EvenLevels<TOrder>(odds.GetLower(), ref c1, ref c2, ref c3, ref c4);
                    EvenLevels<TOrder>(odds.GetUpper(), ref e1, ref e2, ref e3, ref e4);
                }
            }
            // The four quarters' sums together stay within 2^53 (flushEvery counts four terms per lane and block).
            wide1 = Avx512F.Add(wide1, Avx512DQ.ConvertToVector512Int64(Avx512F.Add(Avx512F.Add(a1, b1), Avx512F.Add(c1, e1))));
            if (TOrder.Levels >= 2) wide2 = Avx512F.Add(wide2, Avx512DQ.ConvertToVector512Int64(Avx512F.Add(Avx512F.Add(a2, b2), Avx512F.Add(c2, e2))));
            if (TOrder.Levels >= 3) wide3 = Avx512F.Add(wide3, Avx512DQ.ConvertToVector512Int64(Avx512F.Add(Avx512F.Add(a3, b3), Avx512F.Add(c3, e3))));
            if (TOrder.Levels >= 4) wide4 = Avx512F.Add(wide4, Avx512DQ.ConvertToVector512Int64(Avx512F.Add(Avx512F.Add(a4, b4), Avx512F.Add(c4, e4))));
        }
        var s = new Sums { Base = TOrder.OddG ? Vector512.Sum(baseLanes) : 0, First = Vector512.Sum(wide1) };
        if (TOrder.Levels >= 2) s.Second = Vector512.Sum(wide2);
        if (TOrder.Levels >= 3) s.Third = Vector512.Sum(wide3);
        if (TOrder.Levels >= 4) s.Fourth = Vector512.Sum(wide4);
        if (check) s.Largest = PowerFlipParts.Largest(size);
        return s;
    }

    /// <summary>
    /// P = 5, 6 and 7 with every |M| &lt;= 362: the pending flip and the levels against the quarter squares, as the
    /// power sums take them beyond their plain limit (<see cref="PowerFlipParts.SumLevels"/>: P = 6 and 7 split their
    /// last level; a hot chain on the tables has overlaps past 50 and 26), flushed as the bound on max |M| requires.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    Sums QuarterPass<TOrder>(sbyte* row, short* m, bool flip, bool check) where TOrder : struct, IPowerOrder
    {
        int flushEvery = quarterFlush[reach];
        var q = (neurons & 1) == 1
            ? PowerFlipParts.SumLevels<TOrder, OddNeurons>(row, m, pendingRow, pendingSign, stride, flushEvery, flip, check, beyond: true)
            : PowerFlipParts.SumLevels<TOrder, EvenNeurons>(row, m, pendingRow, pendingSign, stride, flushEvery, flip, check, beyond: true);
        return new Sums { Base = q.Base, First = q.First, Second = q.Second, Third = q.Third, Largest = q.Largest };
    }

    /// <summary>
    /// The quarter pass that also measures max |M|: called, not inlined (a third inlined copy of the pass took the
    /// sweep loop past the JIT's inlining budget, and the hot passes lost their constant forms: 3.9 -> 7-13 classical
    /// attempts for hot P = 6 at N = 1000).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    Sums QuarterCheck<TOrder>(sbyte* row, short* m) where TOrder : struct, IPowerOrder => QuarterPass<TOrder>(row, m, flip: true, check: true);

    /// <summary>Where the bound on max |M| is measured anew after a measure of r: within the quarter limit as the quarter pass's flushes allow, else at the limit.</summary>
    int CheckAt(int r) => r <= quarterLimit ? quarterChecks[r] : Limit;

    /// <summary>P even (G odd): y = xi M, t = y M^2 = xi M^3 (M^2 = y^2), then the levels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Levels<TOrder>(Vector256<int> y32, ref Vector512<double> d1, ref Vector512<double> d2, ref Vector512<double> d3, ref Vector512<double> d4) where TOrder : struct, IPowerOrder
    {
        var y = Avx512F.ConvertToVector512Double(y32);
        var square = Avx512F.Multiply(y, y);
        Accumulate<TOrder>(Avx512F.Multiply(y, square), square, ref d1, ref d2, ref d3, ref d4);
    }

    /// <summary>P odd (G even): t = xi M^2 (from int32 lanes), M^2 = |t|, then the levels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void EvenLevels<TOrder>(Vector256<int> t32, ref Vector512<double> d1, ref Vector512<double> d2, ref Vector512<double> d3, ref Vector512<double> d4) where TOrder : struct, IPowerOrder
    {
        var t = Avx512F.ConvertToVector512Double(t32);
        Accumulate<TOrder>(t, Avx512DQ.And(t, Vector512.Create(long.MaxValue).AsDouble()), ref d1, ref d2, ref d3, ref d4);
    }

    /// <summary>The levels S_(a+2), S_(a+4), ... += t, t M^2, t M^4, t M^6 (the last a fused multiply-add).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Accumulate<TOrder>(Vector512<double> t, Vector512<double> square, ref Vector512<double> d1, ref Vector512<double> d2, ref Vector512<double> d3, ref Vector512<double> d4) where TOrder : struct, IPowerOrder
    {
        d1 = Avx512F.Add(d1, t);
        if (TOrder.Levels == 2) { d2 = Avx512F.FusedMultiplyAdd(t, square, d2); return; }
        t = Avx512F.Multiply(t, square);
        d2 = Avx512F.Add(d2, t);
        if (TOrder.Levels == 3) { d3 = Avx512F.FusedMultiplyAdd(t, square, d3); return; }
        t = Avx512F.Multiply(t, square);
        d3 = Avx512F.Add(d3, t);
        d4 = Avx512F.FusedMultiplyAdd(t, square, d4);
    }

    /// <summary>Accepts the flip whose Y was just computed: the totals move now (as in <see cref="PowerFlipParts"/>), the overlaps in the next pass.</summary>
    public void Flip(sbyte* row, int si)
    {
        fixed (long* t = totals, s = sums) PowerFlipParts.MoveTotals(t, s, top, si);
        even = Even();
        pendingRow = row; pendingSign = si;
        reach = Math.Min(reach + 2, neurons);
    }

    UInt128 Even()
    {
        UInt128 total = 0;
        for (int k = 0; k < hCount; k++) total += Times(h[k], totals[2 * k + b]);
        return total;
    }

    /// <summary>c a modulo 2^128 for a signed 64-bit a: one 64 x 64 -> 128-bit multiply and one 64-bit one, no call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static UInt128 Times(UInt128 c, long a)
    {
        ulong low = (ulong)c;
        // a read as unsigned is a + 2^64 for a &lt; 0, which adds c 2^64 = low 2^64 (mod 2^128): taken off again.
        ulong high = Math.BigMul(low, (ulong)a, out ulong product) + (ulong)(c >> 64) * (ulong)a - (low & (ulong)(a >> 63));
        return new UInt128(high, product);
    }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere); false when an overlap has passed the limit.</summary>
    public bool Settle(short* m)
    {
        if (pendingRow == null) return true;
        reach = PowerFlipParts.FlipAndMeasure(pendingRow, m, stride, pendingSign);
        pendingRow = null;
        checkAt = CheckAt(reach);
        return reach <= Limit;
    }
}
