using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.RootFinding;

namespace Physics.Theory;

/// <summary>One mean-field state of the multitasking network: its amplitudes, type, free energy and stability.</summary>
public sealed record MultitaskState(string Type, double[] M, double FreeEnergy, bool Stable, double LowestCurvature);

/// <summary>
/// The multitasking Hebbian network at low load (REFERENCE.md section 4; Agliari et al., PRL 2012):
/// K diluted patterns with P(xi = 0) = d, P(xi = +-1) = (1 - d)/2, H = -(1/2N) sum_mu (sum_i xi_i^mu s_i)^2,
/// no 1/(1-d) normalisation (with it, temperatures scale by 1/(1-d)). Mean field is exact:
///   m_mu = &lt; xi^mu tanh(beta m.xi) &gt;_xi,   f = (1/2) |m|^2 - T &lt; ln 2cosh(beta m.xi) &gt;_xi,
/// with the average over the 3^K configurations of one site's entries taken exactly. The Hessian of f,
///   H_mu,nu = delta_mu,nu - beta &lt; xi^mu xi^nu sech^2(beta m.xi) &gt;,
/// is also the Jacobian of the self-consistency, so Newton's method and the stability test share it.
/// </summary>
public sealed class Multitask
{
    public const string Pure = "pure", Hierarchical = "hierarchical", Parallel = "parallel", Mixture = "mixture", Paramagnet = "paramagnet";
    /// <summary>Largest K averaged exactly (3^12 = 531441 configurations).</summary>
    public const int MaxExactPatterns = 12;

    readonly double[][] configurations; // xi in {-1,0,1}^K, one sign class only: xi and -xi give the same terms
    readonly double[] weights;

    public double Dilution { get; }
    public int Patterns { get; }

    public Multitask(double dilution, int patterns)
    {
        if (!(dilution >= 0 && dilution < 1)) throw new ArgumentOutOfRangeException(nameof(dilution), "--dilution must lie in [0, 1)");
        if (patterns < 1 || patterns > MaxExactPatterns) throw new ArgumentOutOfRangeException(nameof(patterns), $"--patterns must lie in 1..{MaxExactPatterns}");
        Dilution = dilution; Patterns = patterns;
        var configs = new List<double[]>();
        var w = new List<double>();
        int total = (int)Math.Pow(3, patterns);
        for (int code = 0; code < total; code++)
        {
            var xi = new double[patterns];
            double weight = 1;
            int c = code, firstNonZero = 0;
            for (int mu = 0; mu < patterns; mu++, c /= 3)
            {
                xi[mu] = c % 3 - 1;
                weight *= xi[mu] == 0 ? dilution : (1 - dilution) / 2;
                if (firstNonZero == 0 && xi[mu] != 0) firstNonZero = (int)xi[mu];
            }
            // Every term is even under xi -> -xi: keep the configurations whose first non-zero entry is +1, twice.
            if (firstNonZero < 0) continue;
            if (firstNonZero > 0) weight *= 2;
            if (weight == 0) continue;
            configs.Add(xi); w.Add(weight);
        }
        configurations = configs.ToArray();
        weights = w.ToArray();
    }

    /// <summary>The self-consistent map F(m) = &lt; xi tanh(beta m.xi) &gt; and the Hessian of f (T = 0: sign, no curvature from the step).</summary>
    public (double[] F, Matrix<double> Hessian, double FreeEnergy) Evaluate(double[] m, double temperature)
    {
        int k = Patterns;
        var f = new double[k];
        var hessian = Matrix<double>.Build.DenseIdentity(k);
        double logCosh = 0;
        double beta = temperature > 0 ? 1 / temperature : double.PositiveInfinity;
        for (int c = 0; c < configurations.Length; c++)
        {
            var xi = configurations[c];
            double h = 0;
            for (int mu = 0; mu < k; mu++) h += m[mu] * xi[mu];
            double t, sech2, lc;
            if (temperature > 0)
            {
                double e = Math.Exp(-2 * beta * Math.Abs(h));
                t = Math.Sign(h) * (1 - e) / (1 + e);
                sech2 = 4 * e / ((1 + e) * (1 + e));
                lc = Math.Abs(h) + temperature * Math.Log(1 + e);   // T ln 2cosh(beta h)
            }
            else { t = Math.Sign(h); sech2 = 0; lc = Math.Abs(h); }
            double w = weights[c];
            logCosh += w * lc;
            for (int mu = 0; mu < k; mu++)
            {
                if (xi[mu] == 0) continue;
                f[mu] += w * xi[mu] * t;
                if (temperature > 0)
                    for (int nu = 0; nu < k; nu++)
                        if (xi[nu] != 0) hessian[mu, nu] -= beta * w * xi[mu] * xi[nu] * sech2;
            }
        }
        double free = 0.5 * m.Sum(x => x * x) - logCosh;
        return (f, hessian, free);
    }

    /// <summary>
    /// Every distinct mean-field state at temperature T, found by Newton's method from the pure,
    /// hierarchical, parallel, symmetric-mixture and paramagnetic starts and brought to the canonical
    /// form (amplitudes positive, in decreasing order: sign flips and permutations of patterns are
    /// symmetries). At T = 0 the map is iterated instead (it is piecewise constant).
    /// </summary>
    public List<MultitaskState> States(double temperature)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "--temperature must be a finite number >= 0");
        int k = Patterns;
        var starts = new List<double[]> { new double[k] };
        double a = 1 - Dilution;
        for (int n = 1; n <= k; n++) starts.Add(Enumerable.Range(0, k).Select(mu => mu < n ? a : 0).ToArray()); // pure (n = 1), mixtures, parallel (n = K)
        starts.Add(HierarchicalAmplitudes(Dilution, k));
        var found = new List<MultitaskState>();
        foreach (var start in starts)
        {
            var m = temperature > 0 ? Newton(start, temperature) : Iterate(start);
            if (m is null) continue;
            var canonical = m.Select(x => Math.Abs(x) < 1e-12 ? 0 : Math.Abs(x)).OrderByDescending(x => x).ToArray();
            if (found.Any(s => s.M.Zip(canonical, (x, y) => Math.Abs(x - y)).Max() < 1e-7)) continue;
            var (_, hessian, free) = Evaluate(canonical, temperature);
            double lowest = temperature > 0 ? hessian.Evd(Symmetricity.Symmetric).EigenValues.Min(z => z.Real) : double.NaN;
            bool stable = temperature > 0 ? lowest > 1e-9 : ZeroTemperatureStable(canonical);
            found.Add(new MultitaskState(Classify(canonical), canonical, free, stable, lowest));
        }
        return found.OrderBy(s => s.FreeEnergy).ToList();
    }

    double[]? Newton(double[] start, double temperature)
    {
        var m = (double[])start.Clone();
        // A few damped fixed-point steps bring the start into Newton's basin of the nearby state.
        for (int it = 0; it < 30; it++) m = Evaluate(m, temperature).F;
        for (int it = 0; it < 100; it++)
        {
            var (f, hessian, _) = Evaluate(m, temperature);
            var residual = Vector<double>.Build.DenseOfEnumerable(m.Zip(f, (x, y) => x - y));
            if (residual.AbsoluteMaximum() < 1e-13) return m;
            var step = hessian.Solve(-residual);
            if (step.Any(double.IsNaN)) return null;
            for (int mu = 0; mu < m.Length; mu++) m[mu] += step[mu];
        }
        var (fin, _, _) = Evaluate(m, temperature);
        return m.Zip(fin, (x, y) => Math.Abs(x - y)).Max() < 1e-10 ? m : null;
    }

    double[]? Iterate(double[] start)
    {
        var m = (double[])start.Clone();
        for (int it = 0; it < 200; it++)
        {
            var next = Evaluate(m, 0).F;
            if (next.Zip(m, (x, y) => Math.Abs(x - y)).Max() < 1e-14) return next;
            m = next;
        }
        return null;
    }

    /// <summary>At T = 0 a fixed point is stable when no configuration sits on the step (m.xi = 0 with xi != 0 gives a marginal spin).</summary>
    bool ZeroTemperatureStable(double[] m) =>
        m.Any(x => x > 1e-12) && configurations.All(xi => xi.All(x => x == 0) || Math.Abs(xi.Zip(m, (x, y) => x * y).Sum()) > 1e-12);

    public static string Classify(double[] canonical)
    {
        var nonZero = canonical.Where(x => x > 1e-7).ToArray();
        if (nonZero.Length == 0) return Paramagnet;
        if (nonZero.Length == 1) return Pure;
        // Parallel: all K amplitudes equal. Hierarchical: strictly decreasing amplitudes. Anything else
        // (equal amplitudes on a subset, or ties inside a hierarchy) is a mixture.
        double tolerance = 1e-7 * nonZero[0];
        bool allEqual = nonZero[0] - nonZero[^1] < tolerance;
        if (allEqual && nonZero.Length == canonical.Length) return Parallel;
        bool strictlyDecreasing = nonZero.Zip(nonZero.Skip(1), (a, b) => a - b > tolerance).All(x => x);
        return strictlyDecreasing ? Hierarchical : Mixture;
    }

    /// <summary>The T = 0 hierarchical amplitudes m_k = (1 - d) d^(k-1): each spin follows its first non-zero pattern entry.</summary>
    public static double[] HierarchicalAmplitudes(double dilution, int patterns)
        => Enumerable.Range(0, patterns).Select(k => (1 - dilution) * Math.Pow(dilution, k)).ToArray();

    /// <summary>
    /// Largest d at which the T = 0 hierarchical state is a fixed point: each amplitude must exceed the
    /// sum of the later ones, m_1 > m_2 + ... + m_K, i.e. 1 - 2d + d^K > 0. For K = 2 every d &lt; 1 works.
    /// </summary>
    public static double HierarchicalLimit(int patterns)
    {
        if (patterns <= 2) return 1;
        return Brent.FindRoot(d => 1 - 2 * d + Math.Pow(d, patterns), 0.5, 1 - 1e-12, 1e-15, 200);
    }

    /// <summary>The paramagnet m = 0 loses stability at T = 1 - d (its Hessian is 1 - beta (1 - d)).</summary>
    public static double ParamagnetInstability(double dilution) => 1 - dilution;

    /// <summary>
    /// Temperature below which the pure state becomes unstable towards multiple retrieval. The pure state
    /// m_1 = (1 - d) tanh(beta m_1) has, in the other directions, curvature 1 - beta (1 - d)[(1 - d) sech^2(beta m_1) + d],
    /// negative at low T for every d &gt; 0. Scanning up from T = 0 finds where it first turns positive; where it
    /// never does (d &gt; 2/3: the pure state is unstable wherever it exists) the answer is 1 - d. Null for d = 0.
    /// </summary>
    public static double? PureInstability(double dilution)
    {
        if (dilution <= 0) return null;
        double a = 1 - dilution;
        double Curvature(double t)
        {
            double beta = 1 / t;
            double m = Brent.FindRoot(x => x - a * Math.Tanh(beta * x), a * 1e-7, a, 1e-15, 200);
            double sech = 1 / Math.Cosh(beta * m);
            return 1 - beta * a * (a * sech * sech + dilution);
        }
        const int steps = 400;
        double previous = 1e-4 * a;
        for (int k = 1; k < steps; k++)
        {
            double t = a * k / steps;
            if (Curvature(t) > 0) return Brent.FindRoot(Curvature, previous, t, 1e-13, 200);
            previous = t;
        }
        return a;
    }

    /// <summary>
    /// The (d, T) boundaries of the region where a stable state of the given type exists, at a d-grid:
    /// along T in (0, 1 - d) every change of "a stable state of this type exists" is located by bisection.
    /// </summary>
    public static List<(double D, double T)> StabilityBoundary(int patterns, string type, int dPoints = 49, int tPoints = 40)
    {
        var line = new List<(double, double)>();
        for (int j = 1; j <= dPoints; j++)
        {
            double d = (double)j / (dPoints + 1), top = 1 - d;
            var model = new Multitask(d, patterns);
            bool Has(double t) => model.States(t).Any(s => s.Type == type && s.Stable);
            double tPrev = top * 0.5 / tPoints;
            bool prev = Has(tPrev);
            for (int k = 1; k < tPoints; k++)
            {
                double t = top * (k + 0.5) / tPoints;
                bool now = Has(t);
                if (now != prev)
                {
                    double lo = tPrev, hi = t;
                    for (int it = 0; it < 14; it++) { double mid = 0.5 * (lo + hi); if (Has(mid) == prev) lo = mid; else hi = mid; }
                    line.Add((d, 0.5 * (lo + hi)));
                }
                tPrev = t; prev = now;
            }
        }
        return line;
    }
}
