using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact P = 4 flip parts on the fly, for chains that accept most flips (where the coarse copy of
/// <see cref="CoarseFlipParts"/> would need renewing every few flips). There G(M) = a1 M + a3 M^3 and
/// H(M) = b0 + b2 M^2, so X = b0 K + b2 sum_mu M_mu^2 + s_i (a1 sum_mu xi M + a3 sum_mu xi M^3). While every overlap
/// has |M| &lt;= 255 (a hot chain's are about sqrt(N)), y = xi M and M^2 - 32768 fit int16, and
/// sum xi M^3 = sum y (M^2 - 32768) + 32768 sum y comes from two int16 multiplies and two multiply-adds per 32
/// patterns; sum M^2 is kept exactly (a flip changes it by 4K - 4 s_i sum xi M). A flip moves only the overlaps, in the
/// next attempt's pass over them, which reports when one has left the range; the chain then returns to the coarse copy.
/// </summary>
internal sealed unsafe class CubicFlipParts
{
    const int Limit = 255;
    readonly long a1, a3, b0, b2;
    readonly int count, stride;
    long squareTotal; // sum_mu M_mu^2 over the patterns
    long lastLinear;  // sum_mu xi_mu M_mu of the last attempt
    // An accepted flip not yet applied to the overlaps: the next attempt applies it in its own pass over them, so an
    // accepted flip costs no separate pass (the chain settles it before the overlaps are read elsewhere).
    sbyte* pendingRow;
    int pendingSign;
    // A bound on max |M| once the pending flip is applied: each flip moves an overlap by 2, so the range is checked
    // only when the bound passes 255 (every few dozen flips in a hot chain), not in every pass.
    int reach;

    public CubicFlipParts(FlipPolynomials poly, PatternSet patterns)
    {
        a1 = poly.Odd[1]; a3 = poly.Odd[3]; b0 = poly.Even[0]; b2 = poly.Even[2];
        count = patterns.Count; stride = patterns.Stride;
    }

    /// <summary>G = a1 M + a3 M^3 and H = b0 + b2 M^2 (every P = 4 network), with int32 lanes that cannot overflow.</summary>
    public static bool Fits(FlipPolynomials p, PatternSet patterns) =>
        Avx512BW.IsSupported && p.Odd.Length >= 4 && p.Even.Length >= 3
        && p.Odd.Select((c, k) => k is 1 or 3 || c == 0).All(x => x) && p.Even.Select((c, k) => k is 0 or 2 || c == 0).All(x => x)
        // a lane adds stride / 32 pairs of |y (M^2 - 32768)| <= 255 * 32768 each (and of |xi M| <= 255)
        && (patterns.Stride / 32 + 1) * 2.0 * Limit * 32768 < int.MaxValue;

    /// <summary>Starts from the current overlaps; false (nothing to do on the fly) when one exceeds 255.</summary>
    public bool Begin(short* m)
    {
        pendingRow = null;
        squareTotal = 0; reach = 0;
        for (int mu = 0; mu < count; mu++)
        {
            int size = Math.Abs((int)m[mu]);
            if (size > Limit) return false;
            squareTotal += m[mu] * m[mu];
            reach = Math.Max(reach, size);
        }
        return true;
    }

    /// <summary>
    /// X for a flip of spin si (row = its patterns), exactly, after applying the pending flip to the overlaps in the
    /// same pass. False when that flip took an overlap outside [-255, 255]: the overlaps are then current, but X is not
    /// computed and the chain must leave this form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryTotal(sbyte* row, short* m, int si, out long total)
    {
        long linear, cubed;
        if (pendingRow == null) (linear, cubed, _) = Pass(row, m, si, flip: false, check: false);
        else if (reach <= Limit) (linear, cubed, _) = Pass(row, m, si, flip: true, check: false);
        else
        {
            (linear, cubed, reach) = Pass(row, m, si, flip: true, check: true);
            if (reach > Limit) { pendingRow = null; total = 0; return false; }
        }
        pendingRow = null;
        lastLinear = linear;
        total = b0 * count + b2 * squareTotal + si * (a1 * linear + a3 * cubed);
        return true;
    }

    /// <summary>
    /// One pass over the overlaps: the pending flip's update (fused with this attempt's loads, so its overlaps stay in
    /// registers), sum xi M, sum xi M^3 and, when asked, the largest |M| after the flip.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    (long Linear, long Cubed, int Reach) Pass(sbyte* row, short* m, int si, bool flip, bool check)
    {
        var cubes = Vector512<int>.Zero; var lines = Vector512<int>.Zero; var size = Vector512<ushort>.Zero;
        var top = Vector512.Create(unchecked((short)0x8000));
        sbyte* flipped = pendingRow;
        int flippedSign = pendingSign;
        for (int k = 0; k < stride; k += 32)
        {
            var v = flip ? HebbianChain.FlipBlock(flipped, m, k, flippedSign) : Vector512.Load(m + k);
            if (check) size = Avx512BW.Max(size, Avx512BW.Abs(v));
            var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
            var y = Avx512BW.MultiplyLow(xi, v);
            var square = Avx512F.Xor(Avx512BW.MultiplyLow(v, v), top); // M^2 - 32768
            cubes = Avx512F.Add(cubes, Avx512BW.MultiplyAddAdjacent(y, square));
            lines = Avx512F.Add(lines, Avx512BW.MultiplyAddAdjacent(xi, v));
        }
        long linear = Vector512.Sum(lines);
        long cubed = Vector512.Sum(Avx512F.ConvertToVector512Int64(cubes.GetLower())) + Vector512.Sum(Avx512F.ConvertToVector512Int64(cubes.GetUpper()))
            + 32768L * linear;
        return (linear, cubed, check ? Largest(size) : 0);
    }

    static int Largest(Vector512<ushort> size)
    {
        var half = Avx512BW.Max(size.GetLower(), size.GetUpper());
        int largest = 0;
        for (int j = 0; j < 16; j++) largest = Math.Max(largest, half.GetElement(j));
        return largest;
    }

    /// <summary>
    /// Accepts the flip of spin si whose X was just computed: sum M^2 moves now, the overlaps (M_mu -= 2 s_i xi_mu) in
    /// the next pass over them (<see cref="TryTotal"/> or <see cref="Settle"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Flip(sbyte* row, int si)
    {
        squareTotal += 4L * count - 4L * si * lastLinear;
        pendingRow = row; pendingSign = si;
        reach += 2;
    }

    /// <summary>Applies the pending flip (before the overlaps are read elsewhere); false when an overlap has left [-255, 255].</summary>
    public bool Settle(short* m)
    {
        if (pendingRow == null) return true;
        var size = Vector512<ushort>.Zero;
        for (int k = 0; k < stride; k += 32) size = Avx512BW.Max(size, Avx512BW.Abs(HebbianChain.FlipBlock(pendingRow, m, k, pendingSign)));
        pendingRow = null;
        reach = Largest(size);
        return reach <= Limit;
    }
}
