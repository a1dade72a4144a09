using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// A coarse copy of the dense chain's flip parts with a rigorous error bound, so that most attempts are decided
/// from one int8 x int16 dot product, as classical attempts are.
///
/// The integer X = sum_mu [x_mu G(M_mu) + H(M_mu)] (x_mu = s_i xi_i^mu; X = D N^(P-1) Delta E, see
/// <see cref="FlipPolynomials"/>) is estimated as 2^shift sum_mu xi_i^mu c_mu + (exact G of the few large overlaps,
/// the condensed patterns) + an H total, where c_mu ~ G(M_mu) / 2^shift in int16 for the many small overlaps. The
/// copy is taken exactly (<see cref="Take"/>) or renewed by a vectorised float pass (<see cref="Renew"/>), and is
/// off by at most its truncation and float rounding plus the drift since: after f accepted flips every overlap has
/// moved by at most 2f, so a small pattern's parts moved by at most A(|M| + 2f) - A(|M|), A(r) = sum_k (|g_k| + |h_k|)
/// r^k, summed over the small overlaps through their power sums (<see cref="Expand"/>). The chain decides from the
/// interval only where every X in it decides alike and otherwise computes X exactly (<see cref="TryExact"/>, or the
/// chain's 64-bit parts): the trajectory is the exact one, bit for bit.
/// </summary>
internal sealed class CoarseFlipParts
{
    /// <summary>At most this many overlaps are kept exactly; the shift is the smallest that fits the rest in int16.</summary>
    internal const int LargeCapacity = 8;
    /// <summary>Bounds beyond this are of no use (and keep estimate +- bound inside 64 bits, as |X| &lt; 2^62).</summary>
    public const long Useless = 1L << 60;
    /// <summary>Unit roundoff of float.</summary>
    const double Roundoff = 1.0 / (1 << 24);

    readonly FlipPolynomials poly;
    readonly int count, stride;
    readonly short[] coarse;          // ~ G(M) / 2^shift; 0 for the large overlaps and the padding
    readonly float[] weight;          // 1 for small overlaps, 0 for large ones and the padding
    readonly int[] large = new int[LargeCapacity];
    readonly long[] largeOdd = new long[LargeCapacity]; // G(M) of the large overlaps, current
    readonly float[] oddScaled, evenScaled;             // g_k / 2^shift, h_k / 2^shift
    int shift, largeCount, smallCount, reach;           // reach: the largest small |M| at the copy
    double copyError;                 // the copy's error (X units), without drift
    readonly double[] powerSums;      // upper bounds on sum over the small overlaps of |M|^j, j = 0..P-2, at the copy
    readonly double[] spread;         // |g_k| + |h_k|
    readonly double[] driftCoefficients; // the drift bound's coefficients in powers of 2f (see Expand)
    long smallEven, largeEven;        // H totals: small overlaps at the copy, large ones current

    public CoarseFlipParts(FlipPolynomials poly, int count, int stride)
    {
        this.poly = poly; this.count = count; this.stride = stride;
        coarse = new short[stride];
        weight = new float[stride];
        oddScaled = new float[poly.Odd.Length];
        powerSums = new double[poly.Odd.Length - 1];
        spread = new double[poly.Odd.Length];
        driftCoefficients = new double[poly.Odd.Length];
        for (int k = 0; k < spread.Length; k++)
            spread[k] = Math.Abs((double)poly.Odd[k]) + (k < poly.Even.Length ? Math.Abs((double)poly.Even[k]) : 0);
        evenScaled = new float[poly.Even.Length];
    }

    /// <summary>Accepted flips since the copy.</summary>
    public int Flips { get; private set; }

    /// <summary>|X - Estimate| &lt;= Bound (<see cref="Useless"/> when the bound is no help).</summary>
    public long Bound { get; private set; }

    public short[] Coarse => coarse;

    /// <summary>
    /// An exact copy from the exact parts of the current overlaps (G(M_mu) for every mu, the H total), choosing the
    /// shift and the large overlaps anew.
    /// </summary>
    public void Take(ReadOnlySpan<short> sums, ReadOnlySpan<long> odd, long evenTotal)
    {
        shift = ChooseShift(odd, count);
        largeCount = 0; largeEven = 0; reach = 0;
        long truncation = 0;
        Array.Clear(powerSums);
        for (int mu = 0; mu < count; mu++)
        {
            long g = odd[mu];
            if (Bits(g) > 14 + shift)
            {
                large[largeCount] = mu; largeOdd[largeCount++] = g;
                largeEven += FlipPolynomials.Evaluate(poly.Even, sums[mu]);
                coarse[mu] = 0; weight[mu] = 0;
                continue;
            }
            long high = g >> shift;
            coarse[mu] = (short)high; weight[mu] = 1;
            truncation += g - (high << shift);
            reach = Math.Max(reach, Math.Abs((int)sums[mu]));
            double power = 1, size = Math.Abs(sums[mu]);
            for (int j = 0; j < powerSums.Length; j++) { powerSums[j] += power; power *= size; }
        }
        Array.Clear(weight, count, stride - count);
        smallCount = count - largeCount;
        smallEven = evenTotal - largeEven;
        double scale = Math.Pow(2, -shift);
        for (int k = 0; k < oddScaled.Length; k++) oddScaled[k] = (float)(poly.Odd[k] * scale);
        for (int k = 0; k < evenScaled.Length; k++) evenScaled[k] = (float)(poly.Even[k] * scale);
        copyError = truncation;
        Flips = 0;
        Expand();
        Bound = Measure();
    }

    /// <summary>
    /// The shift of a coarse copy of the values G_mu: G >> shift fits int16 exactly when Bits(G) &lt;= 15 + shift; one bit
    /// is left spare (Bits &lt;= 14 + shift) so that renewals have room to grow before a new choice is needed. The values
    /// above it (kept exactly) are at most <see cref="LargeCapacity"/> and stand at least three bits above the rest: an
    /// exact term costs a scalar multiply-add in every attempt, and a value only a little larger is cheaper kept coarse.
    /// </summary>
    internal static int ChooseShift(ReadOnlySpan<long> odd, int count)
    {
        Span<int> histogram = stackalloc int[65];
        for (int mu = 0; mu < count; mu++) histogram[Bits(odd[mu])]++;
        int above = 0, top = 64;
        while (top > 14 && above + histogram[top] <= LargeCapacity) above += histogram[top--];
        for (int level = top + 1, stop = Math.Min(top + 3, 64); level <= stop; level++) if (histogram[level] > 0) top = level;
        return Math.Max(0, top - 14);
    }

    /// <summary>Bits of |G| in two's complement.</summary>
    internal static int Bits(long g) => 64 - BitOperations.LeadingZeroCount((ulong)(g ^ (g >> 63)));

    /// <summary>The estimate of X for a flip of spin si at the site with pattern row <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe long Estimate(sbyte* row, short* coarseSums, int stride, int si)
    {
        long odd = (long)HebbianChain.Field(row, coarseSums, stride) << shift;
        for (int j = 0; j < largeCount; j++) odd += row[large[j]] * largeOdd[j];
        return smallEven + largeEven + si * odd;
    }

    /// <summary>After an accepted flip (the overlaps already moved): the large parts follow exactly, the bound grows.</summary>
    public void Flipped(ReadOnlySpan<short> sums)
    {
        largeEven = 0;
        for (int j = 0; j < largeCount; j++)
        {
            int m = sums[large[j]];
            largeOdd[j] = FlipPolynomials.Evaluate(poly.Odd, m);
            largeEven += FlipPolynomials.Evaluate(poly.Even, m);
        }
        Flips++;
        Bound = Measure();
    }

    /// <summary>
    /// A new copy of the small overlaps' parts from the current overlaps, keeping the shift and the large set: float
    /// Horner evaluation (fused multiply-adds), truncated to int16, and the H total summed in float lanes. False
    /// when a small overlap has outgrown the int16 range (then <see cref="Take"/> must choose again).
    /// </summary>
    public unsafe bool Renew(ReadOnlySpan<short> sums)
    {
        float peak = 0, widest = 0;
        double even = 0;
        int k = 0;
        Array.Clear(powerSums);
        fixed (short* m = sums)
        fixed (short* c = coarse)
        fixed (float* w = weight)
        {
            if (Avx512F.IsSupported)
            {
                // Explicit AVX-512 throughout: the generic Vector512 helpers are not accelerated where .NET prefers
                // 256-bit vectors.
                int degreeOdd = oddScaled.Length - 1, degreeEven = evenScaled.Length - 1;
                Vector512<float>* od = stackalloc Vector512<float>[degreeOdd + 1], ev = stackalloc Vector512<float>[degreeEven + 1];
                for (int j = 0; j <= degreeOdd; j++) od[j] = Vector512.Create(oddScaled[j]);
                for (int j = 0; j <= degreeEven; j++) ev[j] = Vector512.Create(evenScaled[j]);
                Vector512<float> oddTop = od[degreeOdd], evenTop = ev[degreeEven];
                int powers = powerSums.Length - 1; // j = 1..P-2 (j = 0 is the count)
                Vector512<float>* sumsOf = stackalloc Vector512<float>[Math.Max(powers, 1)];
                for (int j = 0; j < powers; j++) sumsOf[j] = Vector512<float>.Zero;
                var highs = Vector512<float>.Zero; var lows = Vector512<float>.Zero; var widths = Vector512<float>.Zero; var evens = Vector512<float>.Zero;
                for (; k + 16 <= stride; k += 16)
                {
                    var x = Avx512F.ConvertToVector512Single(Avx512F.ConvertToVector512Int32(Vector256.Load(m + k)));
                    var mask = Vector512.Load(w + k);
                    var g = oddTop;
                    for (int j = degreeOdd - 1; j >= 0; j--) g = Avx512F.FusedMultiplyAdd(g, x, od[j]);
                    var h = evenTop;
                    for (int j = degreeEven - 1; j >= 0; j--) h = Avx512F.FusedMultiplyAdd(h, x, ev[j]);
                    g = Avx512F.Multiply(g, mask);
                    highs = Avx512F.Max(highs, g); lows = Avx512F.Min(lows, g);
                    var wx = Avx512F.Multiply(x, mask);
                    var size = Avx512F.Max(wx, Avx512F.Subtract(Vector512<float>.Zero, wx));
                    widths = Avx512F.Max(widths, size);
                    var raised = size;
                    for (int j = 0; j < powers; j++) { sumsOf[j] = Avx512F.Add(sumsOf[j], raised); raised = Avx512F.Multiply(raised, size); }
                    evens = Avx512F.FusedMultiplyAdd(h, mask, evens);
                    Avx512F.ConvertToVector256Int16WithSaturation(Avx512F.ConvertToVector512Int32WithTruncation(g)).Store(c + k);
                }
                var peaks = Avx512F.Max(highs, Avx512F.Subtract(Vector512<float>.Zero, lows));
                float* lane = stackalloc float[48];
                peaks.Store(lane); widths.Store(lane + 16); evens.Store(lane + 32);
                for (int j = 0; j < 16; j++) { peak = Math.Max(peak, lane[j]); widest = Math.Max(widest, lane[16 + j]); even += lane[32 + j]; }
                for (int j = 0; j < powers; j++)
                {
                    sumsOf[j].Store(lane);
                    double total = 0;
                    for (int l = 0; l < 16; l++) total += lane[l];
                    powerSums[j + 1] = total;
                }
            }
            for (; k < stride; k++)
            {
                float x = m[k], g = oddScaled[^1], h = evenScaled[^1];
                for (int j = oddScaled.Length - 2; j >= 0; j--) g = MathF.FusedMultiplyAdd(g, x, oddScaled[j]);
                for (int j = evenScaled.Length - 2; j >= 0; j--) h = MathF.FusedMultiplyAdd(h, x, evenScaled[j]);
                g *= w[k];
                peak = Math.Max(peak, Math.Abs(g)); widest = Math.Max(widest, Math.Abs(x) * w[k]);
                double p = Math.Abs(x) * w[k];
                for (int j = 1; j < powerSums.Length; j++) { powerSums[j] += p; p *= Math.Abs(x); }
                even += h * w[k];
                c[k] = (short)Math.Clamp((int)g, -32768, 32767);
            }
        }
        if (peak > 32000) return false;
        reach = (int)widest;
        // The powers |M|^j round in float once they pass 2^24, and so do the lane sums: together a relative error of
        // at most gamma_(P + stride / 16); the sums are widened by twice that to stay upper bounds.
        double widen = 1 + 2 * Gamma(powerSums.Length + stride / 16 + 2);
        powerSums[0] = smallCount;
        for (int j = 1; j < powerSums.Length; j++) powerSums[j] *= widen;
        // Horner with rounded coefficients: each small pattern is off by gamma_(2P) A_G(|M|) / 2^shift plus the
        // truncation (< 1 unit); the H total by gamma_(2P) A_H(|M|) / 2^shift each, plus the float accumulation in
        // lanes of ceil(stride / 16) terms (and their double sum). Both in X units, times 2^shift.
        double gamma = Gamma(2 * oddScaled.Length + 1), lanes = Gamma(stride / 16 + 2);
        double power = Math.Pow(2, shift);
        smallEven = (long)Math.Round(even * power);
        copyError = smallCount * (power + gamma * Absolute(poly.Odd, reach) + (gamma + lanes * (1 + gamma)) * Absolute(poly.Even, reach)) + 1
            + Math.Abs(even) * power * 1e-15;
        Flips = 0;
        Expand();
        Bound = Measure();
        return true;
    }

    /// <summary>
    /// X exactly for one attempt, without touching the copy: the small overlaps' G and H in double lanes, exact while
    /// every Horner partial sum and every running total stays below 2^53 (checked against the drift-widened reach;
    /// false otherwise), the large ones from their current exact parts.
    /// </summary>
    public unsafe bool TryExact(sbyte* row, short* m, int si, out long total)
    {
        total = 0;
        double r = reach + 2.0 * Flips;
        if (smallCount * (Absolute(poly.Odd, r) + Absolute(poly.Even, r)) >= 1L << 53 || !Avx512F.IsSupported) return false;
        if (oddWide is null)
        {
            oddWide = poly.Odd.Select(c => (double)c).ToArray();
            evenWide = poly.Even.Select(c => (double)c).ToArray();
            if (oddWide.Zip(poly.Odd).Any(x => (long)x.First != x.Second) || evenWide!.Zip(poly.Even).Any(x => (long)x.First != x.Second)) return false;
        }
        int degreeOdd = oddWide.Length - 1, degreeEven = evenWide!.Length - 1;
        var od = stackalloc Vector512<double>[degreeOdd + 1];
        var ev = stackalloc Vector512<double>[degreeEven + 1];
        for (int j = 0; j <= degreeOdd; j++) od[j] = Vector512.Create(oddWide[j]);
        for (int j = 0; j <= degreeEven; j++) ev[j] = Vector512.Create(evenWide[j]);
        var odds = Vector512<double>.Zero; var evens = Vector512<double>.Zero;
        fixed (float* w = weight)
            for (int k = 0; k < stride; k += 8)
            {
                var x = Avx512F.ConvertToVector512Double(Avx2.ConvertToVector256Int32(Vector128.Load(m + k)));
                var mask = Avx512F.ConvertToVector512Double(Vector256.Load(w + k));
                var xi = Avx512F.ConvertToVector512Double(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(*(long*)(row + k)).AsSByte()));
                var g = od[degreeOdd];
                for (int j = degreeOdd - 1; j >= 0; j--) g = Avx512F.FusedMultiplyAdd(g, x, od[j]);
                var h = ev[degreeEven];
                for (int j = degreeEven - 1; j >= 0; j--) h = Avx512F.FusedMultiplyAdd(h, x, ev[j]);
                odds = Avx512F.FusedMultiplyAdd(g, Avx512F.Multiply(xi, mask), odds);
                evens = Avx512F.FusedMultiplyAdd(h, mask, evens);
            }
        double* lane = stackalloc double[16];
        odds.Store(lane); evens.Store(lane + 8);
        long odd = 0, even = largeEven;
        for (int j = 0; j < 8; j++) { odd += (long)lane[j]; even += (long)lane[8 + j]; }
        for (int j = 0; j < largeCount; j++) odd += row[large[j]] * largeOdd[j];
        total = even + si * odd;
        return true;
    }

    double[]? oddWide, evenWide; // the integer coefficients as doubles (exact where they are below 2^53)

    static double Gamma(int n) => n * Roundoff / (1 - n * Roundoff);

    /// <summary>sum_k |c_k| r^k.</summary>
    static double Absolute(long[] c, double r)
    {
        double sum = 0, power = 1;
        foreach (var x in c) { sum += Math.Abs((double)x) * power; power *= r; }
        return sum;
    }

    /// <summary>
    /// The drift bound sum over the small overlaps of sum_k (|g_k| + |h_k|) [(|M| + 2f)^k - |M|^k] as a polynomial in
    /// 2f, from the binomial expansion over the power sums: coefficient d is sum_(k >= d) (|g_k| + |h_k|) C(k, d)
    /// S_(k-d). Computed once per copy, so that each flip's bound costs a Horner evaluation.
    /// </summary>
    void Expand()
    {
        Array.Clear(driftCoefficients);
        for (int k = 1; k < spread.Length; k++)
        {
            double binomial = 1; // C(k, d)
            for (int d = 1; d <= k; d++)
            {
                binomial = binomial * (k - d + 1) / d;
                driftCoefficients[d] += spread[k] * binomial * powerSums[k - d];
            }
        }
    }

    /// <summary>copy error + drift(2f), widened by a relative 1e-9 and one unit against rounding.</summary>
    long Measure()
    {
        double step = 2.0 * Flips, drift = 0;
        for (int d = driftCoefficients.Length - 1; d >= 1; d--) drift = (drift + driftCoefficients[d]) * step;
        double bound = (copyError + drift) * (1 + 1e-9) + 1;
        return bound >= Useless ? Useless : (long)Math.Ceiling(bound);
    }
}
