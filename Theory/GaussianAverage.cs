using MathNet.Numerics.Integration;

namespace Physics.Theory;

/// <summary>
/// Gaussian averages  E f = integral Dz f(z),  Dz = exp(-z^2/2)/sqrt(2 pi) dz.
/// Composite Gauss-Legendre on [-Cutoff, Cutoff] (the tails beyond carry 1e-19 of the mass).
/// Integrands of statistical mechanics are tanh(beta (m + sigma z)) and kin: near-steps at
/// z0 = -m/sigma of width T/sigma. Panels are graded geometrically around that kink, so each
/// panel sees the step's poles (at distance pi/2 times the width) at least a panel's length away
/// and the rule converges geometrically; at T = 0.05 this still holds to 1e-13.
/// (Math.NET has Gauss-Legendre but no Gauss-Hermite; Gauss-Hermite would also fail on steps.)
/// </summary>
public sealed class GaussianAverage
{
    public const double Cutoff = 9.0;
    const int Order = 16;
    const double WidestPanel = 1.0;
    static readonly GaussLegendreRule Rule = new(-1, 1, Order);
    static readonly double[] Abscissas = Rule.Abscissas, Weights = Rule.Weights;
    static readonly Lazy<GaussianAverage> SmoothRule = new(() => new GaussianAverage(double.NaN, double.PositiveInfinity));

    readonly double[] nodes, weights;

    public int Count => nodes.Length;
    public ReadOnlySpan<double> Nodes => nodes;
    /// <summary>Quadrature weights including the Gaussian density.</summary>
    public ReadOnlySpan<double> DensityWeights => weights;

    /// <summary>Rule for smooth integrands.</summary>
    public static GaussianAverage Smooth => SmoothRule.Value;

    /// <summary>A rule refined around a kink at z = <paramref name="kink"/> of width <paramref name="width"/> (NaN kink: none).</summary>
    public GaussianAverage(double kink, double width)
    {
        var breaks = Breakpoints(kink, width);
        int panels = breaks.Count - 1;
        nodes = new double[panels * Order];
        weights = new double[panels * Order];
        int n = 0;
        for (int p = 0; p < panels; p++)
        {
            double a = breaks[p], b = breaks[p + 1], half = 0.5 * (b - a), mid = 0.5 * (a + b);
            for (int k = 0; k < Order; k++)
            {
                double z = mid + half * Abscissas[k];
                nodes[n] = z;
                weights[n] = half * Weights[k] * Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);
                n++;
            }
        }
    }

    /// <summary>Rule suited to a function of m + sigma z with a step at 0 of width T (beta = 1/T).</summary>
    public static GaussianAverage ForField(double m, double sigma, double temperature)
    {
        if (!(sigma > 0)) return Smooth;
        return new GaussianAverage(-m / sigma, Math.Max(temperature, 1e-300) / sigma);
    }

    static List<double> Breakpoints(double kink, double width)
    {
        var b = new List<double> { -Cutoff, Cutoff };
        if (!double.IsNaN(kink) && kink > -Cutoff - 1 && kink < Cutoff + 1 && width < WidestPanel)
        {
            if (Math.Abs(kink) < Cutoff) b.Add(kink);
            // Doubling from the width (at least 1e-300: a width that underflowed to 0 never grew, and the list filled memory).
            for (double d = Math.Max(width, 1e-300); d < 2 * Cutoff; d *= 2)
            {
                if (kink + d > -Cutoff && kink + d < Cutoff) b.Add(kink + d);
                if (kink - d > -Cutoff && kink - d < Cutoff) b.Add(kink - d);
            }
        }
        b.Sort();
        var filled = new List<double> { b[0] };
        for (int k = 1; k < b.Count; k++)
        {
            double a = filled[^1], c = b[k];
            if (c - a < 1e-14) continue;
            int pieces = (int)Math.Ceiling((c - a) / WidestPanel);
            for (int j = 1; j <= pieces; j++) filled.Add(a + (c - a) * j / pieces);
        }
        return filled;
    }

    public double Integrate(Func<double, double> f)
    {
        double sum = 0;
        for (int k = 0; k < nodes.Length; k++) sum += weights[k] * f(nodes[k]);
        return sum;
    }

    /// <summary>integral Dz f(z) for smooth f.</summary>
    public static double Of(Func<double, double> f) => Smooth.Integrate(f);
}
