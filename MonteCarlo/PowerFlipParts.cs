using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts on the fly from power sums of the overlaps, for P = 4 to 8 chains whose overlaps stay small: hot
/// chains (where the coarse copy of <see cref="CoarseFlipParts"/> would need renewing every few flips; their overlaps
/// are about sqrt(N)) and small networks (every |M| &lt;= N within the limit, the sizes at which large P is studied).
/// G(M) = M^a g(M^2) and H(M) = M^b h(M^2), a and b the parities of P - 1 and P (<see cref="FlipPolynomials"/>), so
/// X = sum_k h_k T_(2k+b) + s_i sum_k g_k S_(2k+a) with the power totals T_j = sum_mu M_mu^j, kept exactly (a flip
/// moves them by the binomial expansion of (M - 2 s_i xi)^j, in the T's and in the S's of its own attempt), and the
/// site's signed power sums S_j = sum_mu xi_mu M_mu^j, summed in one pass against the quarter squares
/// w = (M^2 - p)/4 = u (u + p), u = M >> 1, p = N mod 2 (every overlap has N's parity): y = xi M^a in int16, then per
/// level Q_k += y . w (int16 multiply-add into int32 lanes, widened to int64 before they could overflow) and y *= w,
/// and the S_j follow from the Q_k by M^2 = 4 w + p (P = 6's and 7's last level split in two int16 products, see
/// <see cref="SumLevels"/>). Every int16 must be exact: |M| &lt;= the limit (<see cref="LimitFor"/>: 511 for P = 4,
/// 362 for P = 5 to 7, 13 for P = 8; against M^2 they were 255, 127, 31, 13 and 7). An accepted flip moves the
/// overlaps inside the next attempt's pass, which reports an overlap leaving the range (max |M| is measured only when
/// a bound on it, 2 more per flip, passes a check point: <see cref="CheckPoints"/>); the chain then returns to the
/// coarse copy or goes on to the wide sums.
/// </summary>
internal sealed unsafe class PowerFlipParts
{
    readonly int order, count, stride, limit, neurons;
    readonly int[] flushBlocks; // by the bound r on max |M| (r <= limit): blocks of 32 patterns an int32 lane can sum
    readonly long g0, g1, g2, g3; // G = M^a (g0 + g1 M^2 + g2 M^4 + g3 M^6)
    readonly int hCount, b, top; // H = M^b sum_k h_k M^(2k), k < hCount (up to its last nonzero coefficient); top = its degree
    // Pinned, read through pointers in every attempt and flip (no bounds checks in the hot path):
    readonly long* totals;      // T_j = sum_mu M_mu^j, j = 0..top (those of H's parity kept; T_0 = K)
    readonly long* sums;        // S_j of the last attempt, j = 0..P-1 (those of G's parity)
    readonly long* h;           // h_k
    readonly long[] pinned;     // the storage behind these three
    readonly int[] rowSums;     // S_0 = sum_mu xi_mu per site
    long even;                  // sum_k h_k T_(2k+b), the H total
    // An accepted flip not yet applied to the overlaps: the next attempt applies it in its own pass over them (the
    // chain settles it before the overlaps are read elsewhere).
    sbyte* pendingRow;
    int pendingSign;
    int reach;                  // a bound on max |M| once the pending flip is applied
    int checkAt;                // reach past which the next pass measures max |M| (CheckPoints: at most the plain limit below it, else the limit)
    readonly int plain;         // the largest |M| of the plain pass (PlainLimit): beyond it P = 4 runs offset, P = 6 and 7 split
    readonly int[] checkPoints; // checkAt by the measured max |M|

    public PowerFlipParts(FlipPolynomials poly, PatternSet patterns, int order)
    {
        this.order = order;
        count = patterns.Count; stride = patterns.Stride; neurons = patterns.Neurons;
        limit = Math.Min(LimitFor(order), neurons); // no overlap passes N: a smaller limit flushes the lanes less often
        plain = Math.Min(PlainLimit(order), limit);
        // A hot chain's overlaps stay well inside the limit (P = 5, N = 1000: max |M| about 110 of 255): its lanes
        // need no flush within a pass, where the limit's bound flushed them every four blocks.
        flushBlocks = new int[limit + 1];
        for (int r = 0; r <= limit; r++) flushBlocks[r] = FlushEvery(order, r, beyond: r > plain);
        checkPoints = CheckPoints(flushBlocks, plain, limit, (stride + 31) / 32);
        // G has degree P - 1 and parity a, H degree at most P - 2 and parity b (Fits): S_j up to P - 1 are summed and T_j
        // up to H's degree kept.
        var odd = FlipPolynomials.InSquares(poly.Odd).Coefficients!;
        var (even, parity) = FlipPolynomials.InSquares(poly.Even);
        b = order % 2;
        long G(int k) => k < odd.Length ? odd[k] : 0;
        (g0, g1, g2, g3) = (G(0), G(1), G(2), G(3));
        long[] hs = parity == b && LastNonZero(even!) >= 0 ? even![..(LastNonZero(even!) + 1)] : [0];
        hCount = hs.Length;
        top = 2 * (hCount - 1) + b;
        pinned = GC.AllocateArray<long>(top + 1 + order + hCount, pinned: true);
        totals = (long*)Unsafe.AsPointer(ref pinned[0]);
        sums = totals + top + 1;
        h = sums + order;
        for (int k = 0; k < hCount; k++) h[k] = hs[k];
        rowSums = RowSums(patterns);
    }

    /// <summary>S_0 = sum_mu xi_i^mu for every site.</summary>
    internal static int[] RowSums(PatternSet patterns)
    {
        var rowSums = new int[patterns.Neurons];
        for (int i = 0; i < patterns.Neurons; i++) foreach (var x in patterns.Row(i)) rowSums[i] += x;
        return rowSums;
    }

    /// <summary>The largest |M_mu|.</summary>
    internal static int Largest(short* m, int count)
    {
        int largest = 0;
        for (int mu = 0; mu < count; mu++) largest = Math.Max(largest, Math.Abs((int)m[mu]));
        return largest;
    }

    /// <summary>Applies a flip to the overlaps and returns the largest |M| after it.</summary>
    internal static int FlipAndMeasure(sbyte* row, short* m, int stride, int si)
    {
        var size = Vector512<ushort>.Zero;
        for (int k = 0; k < stride; k += 32) size = Avx512BW.Max(size, Avx512BW.Abs(HebbianChain.FlipBlock(row, m, k, si)));
        return Largest(size);
    }

    public int Order => order;
    /// <summary>Every overlap is within the limit whatever the state (N &lt;= Limit).</summary>
    public bool AlwaysInRange => neurons <= limit;

    /// <summary>P = 4 to 8, G and H of one parity each (P - 1 and P), H of degree at most P - 2 (as a flip's even part is), a usable limit, AVX-512.</summary>
    public static bool Fits(FlipPolynomials p, PatternSet patterns, int order) =>
        Avx512BW.IsSupported && order is >= 4 and <= 8 && patterns.Stride < (1 << 16)
        && FlipPolynomials.InSquares(p.Odd) is ({ } g, int a) && a == (order - 1) % 2 && 2 * LastNonZero(g) + a <= order - 1
        && FlipPolynomials.InSquares(p.Even) is ({ } h, int b) && (b == order % 2 || LastNonZero(h) < 0) && 2 * LastNonZero(h) + b <= order - 2
        && LimitFor(order) >= 2;

    static int LastNonZero(long[] c) { int k = c.Length - 1; while (k >= 0 && c[k] == 0) k--; return k; }

    /// <summary>
    /// The largest |M| the power sums hold: 362 (w &lt;= 32761) for P = 5, and for P = 6 and 7, whose last level is split
    /// beyond their plain limit (<see cref="SumLevels"/>); 511 for P = 4, offset beyond 362; P = 8's plain limit (13).
    /// The lanes are flushed as often as the bound on max |M| requires (<see cref="FlushEvery"/>: every block near 362
    /// for P = 5 and 7). (Against M^2 the limits were 255 (P = 4), 127, 31, 13 and 7: a hot P = 4 chain at N = 4000
    /// with 400 overlaps spread about 63 passed 255 in half its sweeps, and a hot P = 6 chain at N = 60 passed 31 in
    /// most.)
    /// </summary>
    internal static int LimitFor(int order) => order switch { 4 => 511, 5 or 6 or 7 => NarrowLimit, _ => PlainLimit(order) };

    /// <summary>
    /// The largest |M| &lt;= 362 for which the plain pass (no offset, no split) is exact, its last level's
    /// y = xi M^a w^(levels - 1) fitting int16, and an int32 lane sums at least four blocks: 362 for P = 4, 255 for
    /// P = 5, 50 for P = 6, 26 for P = 7, 13 for P = 8. Below it the chain runs the plain pass; past it the bound on
    /// max |M| is measured anew (a hot chain's overlaps are a few sqrt(N), far inside).
    /// </summary>
    internal static int PlainLimit(int order)
    {
        int levels = (order - 1) / 2, a = (order - 1) % 2;
        for (int l = NarrowLimit; l >= 2; l--)
        {
            double w = Math.Floor(l * (double)l / 4);
            if (Math.Pow(l, a) * Math.Pow(w, levels - 1) > short.MaxValue) continue;
            if (FlushEvery(order, l, beyond: false) >= 4) return l;
        }
        return 0;
    }

    /// <summary>
    /// Blocks of 32 patterns whose multiply-adds an int32 lane can sum (each adds two products) while every
    /// |M| &lt;= limit, in the plain pass (the largest product |M|^a w^levels) or beyond it (P = 4 against w - 32768; P = 6
    /// and 7 with the last level split, whose lanes take r w, r = round(t w / 2^15), and e w, |e| &lt;= 2^14); at most
    /// 2^20.
    /// </summary>
    internal static int FlushEvery(int order, int limit, bool beyond)
    {
        int levels = (order - 1) / 2, a = (order - 1) % 2;
        double w = Math.Floor(limit * (double)limit / 4);
        double product = (order, beyond) switch
        {
            (4, true) => limit * 32768.0,
            (6, true) => Math.Max(limit * w, Math.Max((limit * w / 32768 + 0.5) * w, 16384 * w)),
            (7, true) => Math.Max(w * w, Math.Max((w * w / 32768 + 0.5) * w, 16384 * w)),
            _ => Math.Pow(limit, a) * Math.Pow(w, levels),
        };
        double blocks = int.MaxValue / (2 * product);
        return blocks >= 1 << 20 ? 1 << 20 : (int)blocks; // 1/0 is +infinity
    }

    /// <summary>
    /// Where the bound on max |M| is measured anew, by the last measure r: as far as the lanes' flushes allow without
    /// widening them more often in a pass of <paramref name="blocks"/> blocks than at r, and at least 16 past r (eight
    /// accepted flips), but never past the plain limit from below it, nor past the limit. The bound grows by 2 a flip
    /// while the largest |M| of a hot chain hardly moves: the wide sums' quarter pass for P = 6 at N = 1000 measures
    /// about 110, and a bound left to drift to 362 flushed the lanes every 21 blocks, then every 2 (hot attempts cost
    /// 3.9 classical ones, 3.55 measured again here; the split power sums of P = 6 at N = 300 4.2 against 3.6).
    /// </summary>
    internal static int[] CheckPoints(int[] flushBlocks, int plain, int limit, int blocks)
    {
        var points = new int[limit + 1];
        for (int r = 0; r <= limit; r++)
        {
            int bound = r <= plain ? plain : limit, need = Math.Min(blocks, flushBlocks[r]), at = r;
            while (at < bound && flushBlocks[at + 1] >= need) at++;
            points[r] = Math.Max(at, Math.Min(bound, r + 16));
        }
        return points;
    }

    /// <summary>Starts from the current overlaps; false (nothing to do on the fly) when one exceeds the limit.</summary>
    public bool Begin(short* m)
    {
        pendingRow = null;
        reach = Largest(m, count);
        if (reach > limit) return false;
        checkAt = checkPoints[reach];
        for (int j = 0; j <= top; j++) totals[j] = 0;
        for (int mu = 0; mu < count; mu++)
        {
            long power = 1;
            for (int j = 0; j <= top; j++) { totals[j] += power; power *= m[mu]; }
        }
        even = Even();
        return true;
    }

    /// <summary>
    /// X for a flip of spin si at site i (row = its patterns), exactly, after applying the pending flip to the overlaps
    /// in the same pass. False when that flip took an overlap past the limit: the overlaps are then current, but X is
    /// not computed and the chain must leave this form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public bool TryTotal<TOrder, TNeurons>(sbyte* row, short* m, int i, int si, out long total)
        where TOrder : struct, IPowerOrder where TNeurons : struct, INeuronParity
    {
        System.Diagnostics.Debug.Assert(TNeurons.Odd == ((neurons & 1) == 1), "N's parity");
        Sums s;
        // P = 4 runs against w - 32768, and P = 6 and 7 split their last level, only while an overlap may pass the plain
        // limit (a hot P = 4 chain at N = 4000 stays within it: one instruction less per 32 patterns; a P = 6 chain at
        // N = 60, K = 2000: 2.5 classical attempts against 3.3 split).
        bool beyond = (TOrder.OffsetTop || TOrder.SplitLast) && reach > plain;
        if (pendingRow == null) s = Pass<TOrder, TNeurons>(row, m, flip: false, check: false, beyond);
        else if (reach <= checkAt) s = Pass<TOrder, TNeurons>(row, m, flip: true, check: false, beyond);
        else
        {
            // The bound passed the plain limit or the limit: measure (the offset and split forms hold either way).
            s = Pass<TOrder, TNeurons>(row, m, flip: true, check: true, beyond: TOrder.OffsetTop || TOrder.SplitLast);
            reach = s.Largest;
            if (reach > limit) { pendingRow = null; total = 0; return false; }
            checkAt = checkPoints[reach];
        }
        pendingRow = null;
        int a = TOrder.OddG ? 1 : 0;
        if (a == 0) s.Base = rowSums[i];
        FromQuarterSquares<TOrder>(ref s, TNeurons.Odd ? 1 : 0);
        // The flip's update of the totals reads these.
        sums[a] = s.Base; sums[a + 2] = s.First;
        long odd = g0 * s.Base + g1 * s.First;
        if (TOrder.Levels >= 2) { odd += g2 * s.Second; sums[a + 4] = s.Second; }
        if (TOrder.Levels >= 3) { odd += g3 * s.Third; sums[a + 6] = s.Third; }
        total = even + si * odd;
        return true;
    }

    /// <summary>
    /// One pass over the overlaps: the pending flip's update (fused with this attempt's loads), the signed power sums
    /// (<see cref="SumLevels"/>) and, when asked, the largest |M| after the flip.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    Sums Pass<TOrder, TNeurons>(sbyte* row, short* m, bool flip, bool check, bool beyond)
        where TOrder : struct, IPowerOrder where TNeurons : struct, INeuronParity =>
        // The bound on max |M| sets the flushes (a checked pass may see an overlap past the limit: its sums are then
        // not used); the table's entries past the plain limit are the offset or split form's.
        SumLevels<TOrder, TNeurons>(row, m, pendingRow, pendingSign, stride, flushBlocks[Math.Min(reach, limit)], flip, check, beyond);

    /// <summary>
    /// One pass over the overlaps (shared with <see cref="WideFlipParts"/>): a pending flip's update of the overlaps
    /// fused with the loads, S_1 = sum xi M where G is odd, the levels Q_k = sum y w^k (y = xi M^a) against the quarter
    /// squares w = (M^2 - p)/4 = u (u + p), u = M >> 1, in int16 multiply-adds into int32 lanes widened every
    /// flushEvery blocks, and, when checked, the largest |M|. Each level multiplies y by w while it fits int16. Beyond
    /// the plain limit (<see cref="PlainLimit"/>) P = 4's one level runs against w - 32768, and P = 6's y w and P = 7's
    /// xi w^2, which no longer fit, are split as t w = 2^15 r + e with r = round(t w / 2^15) (one rounding high
    /// multiply) and |e| &lt;= 2^14 (the low 16 bits less r's), so that the last level is 2^15 sum r w + sum e w.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Sums SumLevels<TOrder, TNeurons>(sbyte* row, short* m, sbyte* flipped, int flippedSign, int stride, int flushEvery, bool flip, bool check, bool beyond)
        where TOrder : struct, IPowerOrder where TNeurons : struct, INeuronParity
    {
        bool offset = TOrder.OffsetTop && beyond, split = TOrder.SplitLast && beyond;
        var top = Vector512.Create(unchecked((short)0x8000));
        var one = Vector512.Create((short)1);
        var size = Vector512<ushort>.Zero;
        var baseLanes = Vector512<int>.Zero;
        var wide1 = Vector512<long>.Zero; var wide2 = Vector512<long>.Zero; var wide3 = Vector512<long>.Zero; var wideRounded = Vector512<long>.Zero;
        for (int start = 0; start < stride; start += 32 * flushEvery)
        {
            var lanes1 = Vector512<int>.Zero; var lanes2 = Vector512<int>.Zero; var lanes3 = Vector512<int>.Zero; var rounded = Vector512<int>.Zero;
            int end = Math.Min(stride, start + 32 * flushEvery);
            for (int k = start; k < end; k += 32)
            {
                var v = flip ? HebbianChain.FlipBlock(flipped, m, k, flippedSign) : Vector512.Load(m + k);
                if (check) size = Avx512BW.Max(size, Avx512BW.Abs(v));
                var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
                var y = xi;
                if (TOrder.OddG)
                {
                    baseLanes = Avx512F.Add(baseLanes, Avx512BW.MultiplyAddAdjacent(xi, v));
                    y = Avx512BW.MultiplyLow(xi, v);
                }
                // w = (M^2 - p)/4 = u (u + p), u = M >> 1 (the low 16 bits of the product)
                var u = Avx512BW.ShiftRightArithmetic(v, 1);
                var w = Avx512BW.MultiplyLow(u, TNeurons.Odd ? Avx512BW.Add(u, one) : u);
                lanes1 = Avx512F.Add(lanes1, Avx512BW.MultiplyAddAdjacent(y, offset ? Avx512F.Xor(w, top) : w));
                if (TOrder.Levels == 2 && split) Split(y, w, ref rounded, ref lanes2);
                else if (TOrder.Levels >= 2)
                {
                    y = Avx512BW.MultiplyLow(y, w);
                    lanes2 = Avx512F.Add(lanes2, Avx512BW.MultiplyAddAdjacent(y, w));
                }
                if (TOrder.Levels == 3 && split) Split(y, w, ref rounded, ref lanes3);
                else if (TOrder.Levels >= 3)
                {
                    y = Avx512BW.MultiplyLow(y, w);
                    lanes3 = Avx512F.Add(lanes3, Avx512BW.MultiplyAddAdjacent(y, w));
                }
            }
            wide1 = Avx512F.Add(wide1, Widen(lanes1));
            if (TOrder.Levels >= 2) wide2 = Avx512F.Add(wide2, Widen(lanes2));
            if (TOrder.Levels >= 3) wide3 = Avx512F.Add(wide3, Widen(lanes3));
            if (split) wideRounded = Avx512F.Add(wideRounded, Widen(rounded));
        }
        var s = new Sums { Base = TOrder.OddG ? Vector512.Sum(baseLanes) : 0 };
        s.First = Vector512.Sum(wide1); // against w (see TryTotal)
        if (offset) s.First += 32768L * s.Base; // sum y (w - 32768) + 32768 sum y, sum y = S_1
        if (TOrder.Levels >= 2) s.Second = Vector512.Sum(wide2);
        if (TOrder.Levels >= 3) s.Third = Vector512.Sum(wide3);
        if (split && TOrder.Levels == 2) s.Second += 32768 * Vector512.Sum(wideRounded);
        if (split && TOrder.Levels == 3) s.Third += 32768 * Vector512.Sum(wideRounded);
        if (check) s.Largest = Largest(size);
        return s;
    }

    /// <summary>sum t w = 2^15 sum r w + sum e w: t w = 2^15 r + e, r = round(t w / 2^15), |e| &lt;= 2^14.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Split(Vector512<short> t, Vector512<short> w, ref Vector512<int> rounded, ref Vector512<int> remainders)
    {
        var r = Avx512BW.MultiplyHighRoundScale(t, w);
        var e = Avx512BW.Subtract(Avx512BW.MultiplyLow(t, w), Avx512BW.ShiftLeftLogical(r, 15));
        rounded = Avx512F.Add(rounded, Avx512BW.MultiplyAddAdjacent(r, w));
        remainders = Avx512F.Add(remainders, Avx512BW.MultiplyAddAdjacent(e, w));
    }

    /// <summary>
    /// The levels Q_k = sum y w^k as the power sums S_(a+2k) = sum xi M^(a+2k), by M^2 = 4 w + p: M^4 = 16 w^2 +
    /// 8 p w + p, M^6 = 64 w^3 + 48 p w^2 + 12 p w + p (p^2 = p); Base must hold S_a.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void FromQuarterSquares<TOrder>(ref Sums s, int p) where TOrder : struct, IPowerOrder
    {
        long q0 = s.Base, q1 = s.First, q2 = s.Second, q3 = s.Third;
        s.First = 4 * q1 + p * q0;
        if (TOrder.Levels >= 2) s.Second = 16 * q2 + 8 * p * q1 + p * q0;
        if (TOrder.Levels >= 3) s.Third = 64 * q3 + 48 * p * q2 + 12 * p * q1 + p * q0;
    }

    /// <summary>One pass's S_a and Q_1, Q_2, Q_3 (S_(a+2), S_(a+4), S_(a+6) once TryTotal has combined them) and, when checked, the largest |M|.</summary>
    internal struct Sums { public long Base, First, Second, Third; public int Largest; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<long> Widen(Vector512<int> lanes) =>
        Avx512F.Add(Avx512F.ConvertToVector512Int64(lanes.GetLower()), Avx512F.ConvertToVector512Int64(lanes.GetUpper()));

    internal static int Largest(Vector512<ushort> size)
    {
        var half = Avx512BW.Max(size.GetLower(), size.GetUpper());
        int largest = 0;
        for (int j = 0; j < 16; j++) largest = Math.Max(largest, half.GetElement(j));
        return largest;
    }

    /// <summary>
    /// Accepts the flip of spin si whose X was just computed: the totals move now, by
    /// sum_mu (M - 2 s_i xi)^j = sum_l C(j, l) (-2 s_i)^l (S_(j-l) for odd l, T_(j-l) for even l) (xi^2 = 1 for every
    /// pattern; the padding has M = 0), the overlaps in the next pass over them (<see cref="TryTotal"/> or
    /// <see cref="Settle"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Flip<TOrder>(sbyte* row, int si) where TOrder : struct, IPowerOrder
    {
        // P = 4 (H = h_0 + h_1 M^2): T_2 moves by 4K - 4 s_i S_1, in a few instructions (most flips of a hot P = 4 chain).
        if (TOrder.OffsetTop && top == 2)
        {
            totals[2] += 4L * count - 4L * si * sums[1];
            even = h[0] * count + h[1] * totals[2];
        }
        else Expand(si);
        pendingRow = row; pendingSign = si;
        reach = Math.Min(reach + 2, neurons);
    }

    /// <summary>w = (M^2 - p)/4 fits int16 up to |M| = 362 (362^2/4 = 32761): P = 5-7's limit, P = 4's plain one, the wide sums' quarter pass.</summary>
    internal const int NarrowLimit = 362;

    /// <summary>
    /// The H total after a flip of spin si (see <see cref="Flip{TOrder}"/>): the totals move (<see cref="MoveTotals"/>),
    /// then sum_k h_k T_(2k+b), written out.
    /// </summary>
    void Expand(int si)
    {
        long* t = totals;
        MoveTotals(t, sums, top, si);
        even = top switch
        {
            6 => h[0] * t[0] + h[1] * t[2] + h[2] * t[4] + h[3] * t[6],
            5 => h[0] * t[1] + h[1] * t[3] + h[2] * t[5],
            4 => h[0] * t[0] + h[1] * t[2] + h[2] * t[4],
            3 => h[0] * t[1] + h[1] * t[3],
            2 => h[0] * t[0] + h[1] * t[2],
            1 => h[0] * t[1],
            _ => Even(),
        };
    }

    /// <summary>
    /// The power totals T_j = sum_mu M_mu^j (j = top, top - 2, ... &gt;= 1) after the flip of spin si, which takes every
    /// M to M - 2 s_i xi: T_j += sum_l C(j, l) (-2 s_i)^l sum_mu xi^l M^(j-l), that is s_i S_(j-l) for odd l and
    /// T_(j-l) for even l (S from the flip's own attempt). From the highest power down, so that each row reads the
    /// lower totals still old; straight-line with the coefficients C(j, l) (-2)^l written out for H's degrees up to
    /// P - 2 = 7 (loops over a table of them cost a hot P = 5 chain 2.5 classical attempts against 2.2, N = 1000,
    /// K = 400, T = 0.5). Modulo 2^64: the products may pass 64 bits, the new totals do not. Shared with the wide sums.
    /// </summary>
    internal static void MoveTotals(long* t, long* s, int top, int si)
    {
        switch (top)
        {
            case 7:
                t[7] = t[7] + si * (-14 * s[6] - 280 * s[4] - 672 * s[2] - 128 * s[0]) + 84 * t[5] + 560 * t[3] + 448 * t[1];
                goto case 5;
            case 6:
                t[6] = t[6] + si * (-12 * s[5] - 160 * s[3] - 192 * s[1]) + 60 * t[4] + 240 * t[2] + 64 * t[0];
                goto case 4;
            case 5:
                t[5] = t[5] + si * (-10 * s[4] - 80 * s[2] - 32 * s[0]) + 40 * t[3] + 80 * t[1];
                goto case 3;
            case 4:
                t[4] = t[4] + si * (-8 * s[3] - 32 * s[1]) + 24 * t[2] + 16 * t[0];
                goto case 2;
            case 3:
                t[3] = t[3] + si * (-6 * s[2] - 8 * s[0]) + 12 * t[1];
                goto case 1;
            case 2:
                t[2] = t[2] + si * (-4 * s[1]) + 4 * t[0];
                break;
            case 1:
                t[1] = t[1] + si * (-2 * s[0]);
                break;
            default:
                System.Diagnostics.Debug.Assert(top == 0);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long Even()
    {
        long total = 0;
        for (int k = 0; k < hCount; k++) total += h[k] * totals[2 * k + b];
        return total;
    }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere); false when an overlap has passed the limit.</summary>
    public bool Settle(short* m)
    {
        if (pendingRow == null) return true;
        reach = FlipAndMeasure(pendingRow, m, stride, pendingSign);
        pendingRow = null;
        checkAt = reach <= limit ? checkPoints[reach] : limit;
        return reach <= limit;
    }
}

/// <summary>The shape of <see cref="PowerFlipParts"/>' pass for one P, as constants (one compiled pass per P).</summary>
internal interface IPowerOrder
{
    /// <summary>Multiply-add levels: S_(a+2), ..., S_(P-1).</summary>
    static abstract int Levels { get; }
    /// <summary>G is odd (P even): y starts at xi M and S_1 is summed too.</summary>
    static abstract bool OddG { get; }
    /// <summary>The one level runs against w - 32768 where an overlap may pass 362 (P = 4, |M| up to 511).</summary>
    static abstract bool OffsetTop { get; }
    /// <summary>The last level's products are split in two beyond the plain limit (P = 6 and 7; see <see cref="PowerFlipParts.SumLevels"/>).</summary>
    static abstract bool SplitLast { get; }
}

/// <summary>The parity p of N (every overlap's), as a constant: w = u (u + p), u = M >> 1, in the quarter-square levels.</summary>
internal interface INeuronParity { static abstract bool Odd { get; } }
internal struct EvenNeurons : INeuronParity { public static bool Odd => false; }
internal struct OddNeurons : INeuronParity { public static bool Odd => true; }

internal struct Order4 : IPowerOrder { public static int Levels => 1; public static bool OddG => true; public static bool OffsetTop => true; public static bool SplitLast => false; }
internal struct Order5 : IPowerOrder { public static int Levels => 2; public static bool OddG => false; public static bool OffsetTop => false; public static bool SplitLast => false; }
internal struct Order6 : IPowerOrder { public static int Levels => 2; public static bool OddG => true; public static bool OffsetTop => false; public static bool SplitLast => true; }
internal struct Order7 : IPowerOrder { public static int Levels => 3; public static bool OddG => false; public static bool OffsetTop => false; public static bool SplitLast => true; }
internal struct Order8 : IPowerOrder { public static int Levels => 3; public static bool OddG => true; public static bool OffsetTop => false; public static bool SplitLast => false; }
/// <summary>P = 9: only <see cref="WideFlipParts"/> (its int16 powers would stop at |M| = 5).</summary>
internal struct Order9 : IPowerOrder { public static int Levels => 4; public static bool OddG => false; public static bool OffsetTop => false; public static bool SplitLast => false; }
