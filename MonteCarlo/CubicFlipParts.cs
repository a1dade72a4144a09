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
/// patterns; sum M^2 is kept exactly (a flip changes it by 4K - 4 s_i sum xi M). A flip moves only the overlaps and
/// reports when one has left the range, and the chain then returns to the coarse copy.
/// </summary>
internal sealed unsafe class CubicFlipParts
{
    const int Limit = 255;
    readonly long a1, a3, b0, b2;
    readonly int count, stride;
    long squareTotal; // sum_mu M_mu^2 over the patterns

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
        squareTotal = 0;
        for (int mu = 0; mu < count; mu++)
        {
            if (Math.Abs((int)m[mu]) > Limit) return false;
            squareTotal += m[mu] * m[mu];
        }
        return true;
    }

    /// <summary>X for a flip of spin si (row = its patterns), exactly; <paramref name="linear"/> = sum_mu xi_mu M_mu.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Total(sbyte* row, short* m, int si, out long linear)
    {
        var cubes = Vector512<int>.Zero; var lines = Vector512<int>.Zero;
        var top = Vector512.Create(unchecked((short)0x8000));
        for (int k = 0; k < stride; k += 32)
        {
            var v = Vector512.Load(m + k);
            var xi = Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k));
            var y = Avx512BW.MultiplyLow(xi, v);
            var square = Avx512F.Xor(Avx512BW.MultiplyLow(v, v), top); // M^2 - 32768
            cubes = Avx512F.Add(cubes, Avx512BW.MultiplyAddAdjacent(y, square));
            lines = Avx512F.Add(lines, Avx512BW.MultiplyAddAdjacent(xi, v));
        }
        linear = Vector512.Sum(lines);
        long cubed = Vector512.Sum(Avx512F.ConvertToVector512Int64(cubes.GetLower())) + Vector512.Sum(Avx512F.ConvertToVector512Int64(cubes.GetUpper()))
            + 32768L * linear;
        return b0 * count + b2 * squareTotal + si * (a1 * linear + a3 * cubed);
    }

    /// <summary>The flip (M_mu -= 2 s_i xi_mu); false when an overlap has left [-255, 255].</summary>
    public bool Flip(sbyte* row, short* m, int si, long linear)
    {
        squareTotal += 4L * count - 4L * si * linear;
        var limit = Vector512.Create((short)Limit);
        var outside = Vector512<short>.Zero;
        for (int k = 0; k < stride; k += 32)
            outside = Avx512F.Or(outside, Avx512BW.CompareGreaterThan(Avx512BW.Abs(HebbianChain.FlipBlock(row, m, k, si)).AsInt16(), limit));
        return outside == Vector512<short>.Zero;
    }
}
