using MathNet.Numerics.LinearAlgebra;

namespace Physics.Theory;

/// <summary>A low-storage state of a network learned from examples: archetype overlaps m, example overlaps n.</summary>
public sealed record LearningState(string Protocol, double[] ArchetypeOverlap, double[] ExampleOverlap, double FreeEnergy,
    bool Stable, double LowestCurvature, double ExampleSymmetricCurvature)
{
    /// <summary>pure, hierarchical, parallel, mixture or paramagnet, from the archetype overlaps (as <see cref="Multitask.Classify"/>).</summary>
    public string Type => Multitask.Classify(ArchetypeOverlap.Select(Math.Abs).OrderByDescending(x => x).ToArray());
}

/// <summary>
/// Hebbian learning from noisy examples at low storage (REFERENCE.md section 4): eta^{mu,a} = chi^{mu,a} xi^mu,
/// P(chi = +-1) = (1 +- r)/2, a = 1..M, dataset entropy rho = (1 - r^2)/(M r^2). Our normalisation, R = r^2 (1 + rho)
/// = r^2 + (1 - r^2)/M (the mean square of Y = sum_a chi^a / M), chosen so that a perfect dataset (r = 1) gives the
/// multitasking network's couplings:
///   supervised    J = (1/(N R)) sum_mu xihat^mu xihat^mu,          xihat^mu = (1/M) sum_a eta^{mu,a}
///   unsupervised  J = (1/(N R M)) sum_mu sum_a eta^{mu,a} eta^{mu,a}
/// (a paper normalising by 1 instead of R has temperatures T' = T R). With K M finite mean field is exact; in the
/// example-symmetric state (all overlaps n_{mu,a} of one archetype's examples equal) both protocols obey
///   n_mu = &lt; xi^mu Y^mu tanh(beta sum_nu xi^nu Y^nu n_nu / R) &gt;,   m_mu = &lt; xi^mu tanh(...) &gt;,
///   f = sum_mu n_mu^2 / (2R) - T &lt; ln 2cosh(...) &gt;,
/// averaged exactly over xi in {-1, 0, +1} and Y in {(2k - M)/M} (k binomial): the two protocols coincide in
/// low storage. They differ in stability: the unsupervised network has M - 1 more directions per archetype
/// (overlaps with single examples moving apart), with curvature
///   1 - beta/(R (M - 1)) &lt; xi^2 (1 - Y^2) sech^2 &gt;,
/// which turns negative (the network prefers single examples to the archetype) for few, poor examples at low T.
/// </summary>
public sealed class Learning
{
    public const string Supervised = "supervised", Unsupervised = "unsupervised";
    /// <summary>Largest number of site configurations averaged exactly ((2M + 3)^K).</summary>
    public const int MaxConfigurations = 2_000_000;

    readonly double[][] entries, archetypes;   // per configuration: xi^mu Y^mu and xi^mu
    readonly double[] weights;                 // probability of the configuration
    readonly double[][] spreadPerPattern;      // xi^2 (1 - Y^2) per pattern

    public double Quality { get; }
    public int Examples { get; }
    public double Dilution { get; }
    public int Patterns { get; }
    public double Normalisation { get; }
    public double Entropy => (1 - Quality * Quality) / (Examples * Quality * Quality);

    public Learning(double quality, int examples, double dilution, int patterns)
    {
        if (!(quality > 0 && quality <= 1)) throw new ArgumentOutOfRangeException(nameof(quality), "--quality must lie in (0, 1]");
        if (examples < 1) throw new ArgumentOutOfRangeException(nameof(examples), "--examples must be at least 1");
        if (!(dilution >= 0 && dilution < 1)) throw new ArgumentOutOfRangeException(nameof(dilution), "--dilution must lie in [0, 1)");
        if (patterns < 1) throw new ArgumentOutOfRangeException(nameof(patterns), "--patterns must be at least 1");
        Quality = quality; Examples = examples; Dilution = dilution; Patterns = patterns;
        Normalisation = quality * quality + (1 - quality * quality) / examples;
        // One pattern's values: xi = 0 (weight d) or xi = +-1 with Y = (2k - M)/M, k ~ Binomial(M, (1 + r)/2).
        var single = new List<(double Xi, double Y, double W)> { (0, 0, dilution) };
        double p = (1 + quality) / 2;
        for (int k = 0; k <= examples; k++)
        {
            double w = Math.Exp(MathNet.Numerics.SpecialFunctions.BinomialLn(examples, k) + k * SafeLog(p) + (examples - k) * SafeLog(1 - p));
            if (w < 1e-300) continue;
            double y = (2.0 * k - examples) / examples;
            single.Add((1, y, w * (1 - dilution) / 2));
            single.Add((-1, y, w * (1 - dilution) / 2));
        }
        if (Math.Pow(single.Count, patterns) > MaxConfigurations)
            throw new ArgumentOutOfRangeException(nameof(patterns), $"--patterns {patterns} with --examples {examples}: {single.Count}^{patterns} site configurations exceed {MaxConfigurations}");
        int total = (int)Math.Pow(single.Count, patterns);
        entries = new double[total][]; archetypes = new double[total][]; weights = new double[total];
        spreadPerPattern = new double[total][];
        for (int code = 0; code < total; code++)
        {
            var e = new double[patterns]; var x = new double[patterns]; var s = new double[patterns];
            double w = 1;
            for (int mu = 0, c = code; mu < patterns; mu++, c /= single.Count)
            {
                var (xi, y, wi) = single[c % single.Count];
                e[mu] = xi * y; x[mu] = xi; s[mu] = xi * xi * (1 - y * y); w *= wi;
            }
            entries[code] = e; archetypes[code] = x; weights[code] = w; spreadPerPattern[code] = s;
        }
    }

    static double SafeLog(double x) => x > 0 ? Math.Log(x) : -1e300;

    /// <summary>The map n -> &lt; xi Y tanh &gt;, the archetype overlaps, the Hessian of f in n (times R), f, and the per-pattern example-splitting curvature.</summary>
    public (double[] N, double[] M, Matrix<double> Hessian, double FreeEnergy, double[] Splitting) Evaluate(double[] n, double temperature)
    {
        int k = Patterns;
        double r = Normalisation, beta = 1 / temperature;
        var nNext = new double[k]; var m = new double[k]; var split = new double[k];
        var hessian = Matrix<double>.Build.DenseIdentity(k);
        double logCosh = 0;
        for (int c = 0; c < weights.Length; c++)
        {
            var e = entries[c];
            double h = 0;
            for (int mu = 0; mu < k; mu++) h += e[mu] * n[mu];
            h /= r;
            double ex = Math.Exp(-2 * beta * Math.Abs(h));
            double t = Math.Sign(h) * (1 - ex) / (1 + ex), sech2 = 4 * ex / ((1 + ex) * (1 + ex));
            double w = weights[c];
            logCosh += w * (Math.Abs(h) + temperature * Math.Log(1 + ex));
            for (int mu = 0; mu < k; mu++)
            {
                nNext[mu] += w * e[mu] * t;
                m[mu] += w * archetypes[c][mu] * t;
                split[mu] += w * spreadPerPattern[c][mu] * sech2;
                for (int nu = 0; nu < k; nu++) hessian[mu, nu] -= beta / r * w * e[mu] * e[nu] * sech2;
            }
        }
        double free = n.Sum(x => x * x) / (2 * r) - logCosh;
        var splitting = split.Select(s => Examples > 1 ? 1 - beta / (r * (Examples - 1)) * s : double.PositiveInfinity).ToArray();
        return (nNext, m, hessian, free, splitting);
    }

    /// <summary>
    /// The archetype-retrieval state at temperature T &gt; 0 grown from a start (default: pure retrieval of archetype 1),
    /// solved by Newton on n = F(n). The paramagnet (n = 0) is returned where no retrieval exists.
    /// </summary>
    public LearningState Solve(double temperature, string protocol, double[]? start = null)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "--temperature must be a finite number > 0");
        if (protocol is not (Supervised or Unsupervised)) throw new ArgumentOutOfRangeException(nameof(protocol), "--protocol must be supervised or unsupervised");
        var n = start is null ? Enumerable.Range(0, Patterns).Select(mu => mu == 0 ? Normalisation * (1 - Dilution) : 0.0).ToArray() : (double[])start.Clone();
        for (int it = 0; it < 50; it++) n = Evaluate(n, temperature).N;
        for (int it = 0; it < 200; it++)
        {
            var (next, _, hessian, _, _) = Evaluate(n, temperature);
            var residual = Vector<double>.Build.DenseOfEnumerable(n.Zip(next, (x, y) => x - y));
            if (residual.AbsoluteMaximum() < 1e-14) break;
            var step = hessian.Solve(-residual);
            if (step.Any(double.IsNaN)) throw new NonConvergenceException($"learning state: singular Jacobian at T = {temperature}");
            for (int mu = 0; mu < n.Length; mu++) n[mu] += step[mu];
        }
        var (fin, m, h, f, splitting) = Evaluate(n, temperature);
        if (fin.Zip(n, (x, y) => Math.Abs(x - y)).Max() > 1e-10) throw new NonConvergenceException($"learning state did not converge at T = {temperature}");
        double lowest = h.Evd(Symmetricity.Symmetric).EigenValues.Min(z => z.Real);
        // The example-splitting directions exist only for the unsupervised rule, and only along condensed archetypes.
        double split = protocol == Unsupervised
            ? Enumerable.Range(0, Patterns).Where(mu => Math.Abs(n[mu]) > 1e-9).Select(mu => splitting[mu]).DefaultIfEmpty(double.PositiveInfinity).Min()
            : double.PositiveInfinity;
        bool stable = lowest > 1e-9 && split > 1e-9;
        return new LearningState(protocol, m, n, f, stable, lowest, split);
    }

    /// <summary>
    /// Every distinct learned state at temperature T, grown from the paramagnetic, pure, symmetric-mixture, parallel
    /// and hierarchical starts (as for the unlearned network), brought to canonical order (archetype overlaps
    /// positive and decreasing) and sorted by free energy; each with its type and stability.
    /// </summary>
    public List<LearningState> States(double temperature, string protocol)
    {
        double top = Normalisation * (1 - Dilution);
        var starts = new List<double[]> { new double[Patterns] };
        for (int n = 1; n <= Patterns; n++) starts.Add(Enumerable.Range(0, Patterns).Select(mu => mu < n ? top : 0).ToArray());
        starts.Add(Multitask.HierarchicalAmplitudes(Dilution, Patterns).Select(x => Normalisation * x).ToArray());
        var found = new List<LearningState>();
        foreach (var start in starts)
        {
            LearningState s;
            try { s = Solve(temperature, protocol, start); }
            catch (NonConvergenceException) { continue; }
            var order = Enumerable.Range(0, Patterns).OrderByDescending(mu => Math.Abs(s.ArchetypeOverlap[mu])).ToArray();
            var canonical = s with
            {
                ArchetypeOverlap = order.Select(mu => Math.Abs(s.ArchetypeOverlap[mu])).ToArray(),
                ExampleOverlap = order.Select(mu => Math.Abs(s.ExampleOverlap[mu])).ToArray(),
            };
            if (found.Any(f => f.ArchetypeOverlap.Zip(canonical.ArchetypeOverlap, (a, b) => Math.Abs(a - b)).Max() < 1e-7)) continue;
            found.Add(canonical);
        }
        return found.OrderBy(f => f.FreeEnergy).ToList();
    }

    /// <summary>
    /// The learning threshold at (M, d, T, K) for one rule: the dataset entropy rho above which the pure archetype
    /// state (one archetype retrieved, the others at zero overlap) is no longer a stable mean-field state, found by
    /// bisection in the example quality r at fixed M (rho = (1 - r^2)/(M r^2) falls as r grows). Infinity when the
    /// state is stable for every r in [0.02, 1] (no threshold in reach); 0 when it is unstable even at r = 1 (the
    /// unlearned network already retrieves several patterns there: no pure learning at any rho).
    /// The rules share the supervised Hessian, so their thresholds coincide unless the unsupervised rule's
    /// example-splitting direction goes unstable first (few examples).
    /// </summary>
    public static double Threshold(int examples, double dilution, int patterns, double temperature, string protocol, double tolerance = 1e-6)
    {
        bool Stable(double r) => new Learning(r, examples, dilution, patterns).Solve(temperature, protocol) is var s && s.Stable && s.ArchetypeOverlap[0] > 1e-6;
        double lo = 0.02, hi = 1;
        if (!Stable(hi)) return 0;
        if (Stable(lo)) return double.PositiveInfinity;
        while (hi - lo > tolerance)
        {
            double mid = 0.5 * (lo + hi);
            if (Stable(mid)) hi = mid; else lo = mid;
        }
        double rc = 0.5 * (lo + hi);
        return (1 - rc * rc) / (examples * rc * rc);
    }
}
