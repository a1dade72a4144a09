namespace Physics.Networks;

/// <summary>
/// The modern Hopfield network's storage and retrieval bounds (Ramsauer et al. 2020, Theorems 3-5) as functions,
/// and the experiment they bound. REFERENCE.md section 5: the bounds are loose lower bounds, formula checks, not
/// targets. Transcription note: the paper's text is not in this project's search corpus, so these are written from
/// the published statements as we know them; the tests check that the measured quantities respect them.
/// <list type="bullet">
/// <item>Separation of pattern i: Delta_i = x_i^T x_i - max_{j != i} x_i^T x_j.</item>
/// <item>One-step retrieval (Theorems 4-5): for a query xi in the sphere of radius 1/(beta N M) around x_i,
/// ||f(xi) - x_i|| &lt;= 2 (N - 1) exp(-beta (Delta_i - 2 ||xi - x_i|| M)) M.</item>
/// <item>Capacity (Theorem 3): patterns uniform on the sphere of radius M = K sqrt(d - 1), failure probability p;
/// a = 2/(d-1) (1 + ln(2 beta K^2 p (d-1))), b = 2 K^2 beta / 5, c = b / W0(exp(a + ln b)) (W0 the upper branch of
/// Lambert W); when c &gt;= (2/sqrt(p))^(4/(d-1)), N &gt;= sqrt(p) c^((d-1)/4) patterns can be stored with probability 1 - p.</item>
/// </list>
/// </summary>
public static class ModernHopfieldBounds
{
    /// <summary>Delta_i for every stored pattern.</summary>
    public static double[] Separation(IReadOnlyList<double[]> patterns)
    {
        int n = patterns.Count;
        var delta = new double[n];
        for (int i = 0; i < n; i++)
        {
            double self = Dot(patterns[i], patterns[i]), best = double.NegativeInfinity;
            for (int j = 0; j < n; j++) if (j != i) best = Math.Max(best, Dot(patterns[i], patterns[j]));
            delta[i] = self - best;
        }
        return delta;
    }

    /// <summary>The one-step retrieval error bound for a query at distance <paramref name="distance"/> from x_i.</summary>
    public static double OneStepErrorBound(int patterns, double beta, double separation, double radius, double distance)
        => 2.0 * (patterns - 1) * Math.Exp(-beta * (separation - 2 * distance * radius)) * radius;

    /// <summary>The radius 1/(beta N M) of the sphere in which the one-step bound holds.</summary>
    public static double SphereRadius(int patterns, double beta, double radius) => 1 / (beta * patterns * radius);

    /// <summary>W0(x) for x &gt;= -1/e, by Halley's iteration.</summary>
    public static double LambertW0(double x)
    {
        if (!(x >= -1 / Math.E)) throw new ArgumentOutOfRangeException(nameof(x), "W0 is real only for x >= -1/e");
        if (x == 0) return 0;
        double w = x > Math.E ? Math.Log(x) - Math.Log(Math.Log(x)) : x > -0.25 ? Math.Log(1 + x) : -1 + Math.Sqrt(2 * (1 + Math.E * x));
        for (int it = 0; it < 100; it++)
        {
            double e = Math.Exp(w), f = w * e - x;
            double next = w - f / (e * (w + 1) - (w + 2) * f / (2 * w + 2));
            if (Math.Abs(next - w) <= 1e-15 * (1 + Math.Abs(next))) return next;
            w = next;
        }
        return w;
    }

    /// <summary>
    /// W0(e^y), taken in logarithms where e^y overflows (beta of 1e300 made it W0(infinity), a NaN): w + ln w = y by
    /// Newton from y - ln y.
    /// </summary>
    public static double LambertW0OfExp(double y)
    {
        if (y < 700) return LambertW0(Math.Exp(y));
        double w = y - Math.Log(y);
        for (int it = 0; it < 100; it++)
        {
            double next = w - (w + Math.Log(w) - y) / (1 + 1 / w);
            if (Math.Abs(next - w) <= 1e-15 * next) return next;
            w = next;
        }
        return w;
    }

    /// <summary>
    /// Theorem 3's guaranteed number of storable patterns, or null where its condition on c fails. Where it passes the
    /// largest double (beta of 1e300) it is capped there: a smaller lower bound is still a bound, and it stays a number
    /// that the store and JSON can hold.
    /// </summary>
    public static double? CapacityBound(int dimension, double beta, double radiusFactor, double failureProbability)
    {
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), "the dimension must be at least 2");
        double d1 = dimension - 1, k2 = radiusFactor * radiusFactor, p = failureProbability;
        double a = 2 / d1 * (1 + Math.Log(2 * beta * k2 * p * d1));
        double b = 2 * k2 * beta / 5;
        double c = b / LambertW0OfExp(a + Math.Log(b));
        if (c < Math.Pow(2 / Math.Sqrt(p), 4 / d1)) return null;
        return Math.Min(Math.Sqrt(p) * Math.Pow(c, d1 / 4), double.MaxValue);
    }

    /// <summary>One experiment of the capacity sweep.</summary>
    public sealed record CapacityTrial(int Dimension, int Patterns, double SuccessRate, double MeanError, double MaxError, double? BoundPatterns);

    /// <summary>
    /// Stores N random patterns on the sphere of radius M = K sqrt(d - 1) and retrieves each from a query displaced by
    /// <paramref name="noise"/> M in a random direction, with one update. A retrieval succeeds when ||f(xi) - x_i|| &lt;=
    /// <paramref name="tolerance"/> M. Repeated over <paramref name="trials"/> pattern sets; errors relative to M.
    /// </summary>
    public static CapacityTrial Measure(int dimension, int patterns, double beta, double radiusFactor, double noise, double tolerance, int trials, ulong seed,
        double failureProbability = 0.001)
    {
        double radius = radiusFactor * Math.Sqrt(dimension - 1);
        int successes = 0, total = 0;
        double sum = 0, max = 0;
        for (int t = 0; t < trials; t++)
        {
            var x = ModernHopfield.RandomSphere(patterns, dimension, radius, seed, 2 * t);
            var directions = ModernHopfield.RandomSphere(patterns, dimension, noise * radius, seed, 2 * t + 1);
            var net = new ModernHopfield(x, beta);
            var queries = new double[patterns * dimension];
            for (int i = 0; i < patterns; i++) for (int k = 0; k < dimension; k++) queries[i * dimension + k] = x[i][k] + directions[i][k];
            var retrieved = net.UpdateBatch(queries, patterns);
            for (int i = 0; i < patterns; i++)
            {
                double e = 0;
                for (int k = 0; k < dimension; k++) { double diff = retrieved[i * dimension + k] - x[i][k]; e += diff * diff; }
                e = Math.Sqrt(e) / radius;
                sum += e; max = Math.Max(max, e); total++;
                if (e <= tolerance) successes++;
            }
        }
        return new CapacityTrial(dimension, patterns, successes / (double)total, sum / total, max, CapacityBound(dimension, beta, radiusFactor, failureProbability));
    }

    static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }
}
