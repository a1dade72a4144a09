using MathNet.Numerics;
using MathNet.Numerics.RootFinding;

namespace Physics.Theory;

/// <summary>One replica-symmetric solution.</summary>
public sealed record RsBranch(string Name, double M, double Q, double R, double FreeEnergy, bool ReplicaSymmetric, bool GlobalMinimum)
{
    /// <summary>C = beta (1 - q); finite at T = 0.</summary>
    public double C { get; init; }
}

/// <summary>Every RS branch found at (alpha, T); a solver that did not converge is named in <see cref="Failures"/>.</summary>
public sealed record RsSolution(double Alpha, double Temperature, IReadOnlyList<RsBranch> Branches, IReadOnlyList<string> Failures)
{
    public RsBranch? Branch(string name) => Branches.FirstOrDefault(b => b.Name == name);
}

/// <summary>The T = 0 retrieval state of AGS.</summary>
public sealed record ZeroTemperatureRetrieval(double Alpha, double M, double C, double R, double Energy);

/// <summary>
/// Amit-Gutfreund-Sompolinsky replica-symmetric theory of the classical Hopfield model
/// (REFERENCE.md section 1): the retrieval, spin-glass and paramagnetic branches at any (alpha, T),
/// their free energies, RS stability, and the T = 0 limit.
/// </summary>
public static class Ags
{
    public const string Retrieval = "retrieval", SpinGlass = "spin_glass", Paramagnet = "paramagnet";
    static readonly double TwoOverSqrtPi = 2 / Math.Sqrt(Math.PI);

    /// <summary>All branches at (alpha, T) with the global minimum marked. T = 0 uses the closed-form limit.</summary>
    public static RsSolution Solve(double alpha, double temperature)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be a finite number >= 0");
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a finite number >= 0");
        var branches = new List<RsBranch>();
        var failures = new List<string>();
        if (temperature == 0) branches.AddRange(ZeroTemperatureBranches(alpha));
        else
        {
            FieldMoments.CheckTemperature(temperature);
            var p = new AgsPoint(alpha, temperature);
            try { if (RetrievalState(p) is { } r) branches.Add(Describe(Retrieval, p, r.M, r.C)); }
            catch (NonConvergenceException e) { failures.Add($"{Retrieval}: {e.Message}"); }
            try { if (SpinGlassState(p) is { } c) branches.Add(Describe(SpinGlass, p, 0, c)); }
            catch (NonConvergenceException e) { failures.Add($"{SpinGlass}: {e.Message}"); }
            if (alpha == 0 || temperature > 1)
                branches.Add(new RsBranch(Paramagnet, 0, 0, 0, ParamagnetFreeEnergy(alpha, temperature), temperature > 1 + Math.Sqrt(alpha), false) { C = 1 / temperature });
        }
        // Below T_g the paramagnet is unstable and the replica free energy is extremal, not
        // minimal, in q (the n -> 0 inversion: f_SG > f_PM there, as in SK), so the equilibrium
        // is chosen between retrieval and spin glass; above T_g between retrieval and paramagnet.
        var candidates = branches.Any(b => b.Name == SpinGlass) ? branches.Where(b => b.Name != Paramagnet).ToList() : branches;
        if (candidates.Count > 0)
        {
            double fmin = candidates.Min(b => b.FreeEnergy);
            var winner = candidates.First(b => b.FreeEnergy == fmin);
            branches = branches.Select(b => b with { GlobalMinimum = ReferenceEquals(b, winner) }).ToList();
        }
        return new RsSolution(alpha, temperature, branches, failures);
    }

    static RsBranch Describe(string name, AgsPoint p, double m, double c)
        => new(name, m, p.Q(c), p.R(c), p.FreeEnergy(m, c), p.Replicon(m, c) < 1, false) { C = c };

    /// <summary>f of the paramagnet m = q = 0 (defined for T > 1, or alpha = 0).</summary>
    public static double ParamagnetFreeEnergy(double alpha, double temperature)
        => alpha == 0 ? -temperature * Math.Log(2)
                      : alpha / 2 + alpha * temperature / 2 * Math.Log(1 - 1 / temperature) - temperature * Math.Log(2);

    /// <summary>C solving G2 = 0 at fixed m (m > 0: the bracket [0, min(1, beta)) holds exactly one root).</summary>
    public static double SolveC(AgsPoint p, double m)
    {
        double upper = p.Temperature < 1 ? 1 - 1e-9 : p.Beta * (1 - 1e-12);
        double Phi(double c) => p.Beta * FieldMoments.Compute(m, p.Sigma(c), p.Temperature).Sech2 - c;
        if (!Brent.TryFindRoot(Phi, 0, upper, 1e-15, 200, out double root))
            throw new NonConvergenceException($"no C root at m={m}, alpha={p.Alpha}, T={p.Temperature}");
        return root;
    }

    /// <summary>
    /// The stable retrieval state (largest m > 0) or null when none exists. The map m -> C(m) reduces
    /// the problem to one variable, R(m) = <tanh> - m; the largest sign change of R from + to - is
    /// the stable solution. Near the spinodal the two retrieval roots merge between grid points, so
    /// the maximum of R is searched too. Newton in (m, C) polishes the result.
    /// </summary>
    public static (double M, double C)? RetrievalState(AgsPoint p)
    {
        double Rm(double m) => FieldMoments.Compute(m, p.Sigma(SolveC(p, m)), p.Temperature).Tanh - m;
        var grid = new List<double>();
        for (int k = 0; k < 50; k++) grid.Add(1 - 0.02 * k);
        grid.AddRange([0.015, 0.01, 0.006, 0.003, 0.001]);
        var values = new double[grid.Count];
        int bracket = -1;
        for (int k = 0; k < grid.Count; k++)
        {
            values[k] = Rm(grid[k]);
            if (values[k] > 0) { bracket = k; break; }
        }
        double lo, hi = 1;
        if (bracket > 0) { lo = grid[bracket]; hi = grid[bracket - 1]; }
        else
        {
            // No sign change on the grid: the two retrieval roots may lie between two grid points
            // (near the spinodal). Look for a positive maximum of R at every interior local maximum,
            // largest m first. (R -> 0- as m -> 0, so the global maximum is no guide.)
            double? found = null;
            for (int k = 1; k < values.Length - 1 && found is null; k++)
            {
                if (values[k] < values[k - 1] || values[k] < values[k + 1]) continue;
                double peak = GoldenMaximum(Rm, grid[k + 1], grid[k - 1], 1e-10, out double fpeak);
                if (fpeak > 0) { found = peak; hi = grid[k - 1]; }
            }
            if (found is null) return null;
            lo = found.Value;
        }
        if (!Brent.TryFindRoot(Rm, lo, hi, 1e-14, 200, out double mRoot))
            throw new NonConvergenceException($"retrieval root not found between m={lo} and m={hi}");
        var (m, c, ok) = Newton(p, mRoot, SolveC(p, mRoot));
        if (!ok) throw new NonConvergenceException($"retrieval Newton polish failed at alpha={p.Alpha}, T={p.Temperature}");
        return (m, c);
    }

    /// <summary>The spin-glass state's C (m = 0, q > 0), or null above T_g = 1 + sqrt(alpha).</summary>
    public static double? SpinGlassState(AgsPoint p)
    {
        if (p.Alpha == 0 || p.Temperature >= 1 + Math.Sqrt(p.Alpha)) return null;
        double upper = p.Temperature < 1 ? 1 - 1e-9 : p.Beta * (1 - 1e-12);
        double Phi(double c) => p.Beta * FieldMoments.Compute(0, p.Sigma(c), p.Temperature).Sech2 - c;
        if (Phi(upper) >= 0) throw new NonConvergenceException($"spin-glass q too small to resolve this close to T_g (alpha={p.Alpha}, T={p.Temperature})");
        if (!Brent.TryFindRoot(Phi, 0, upper, 1e-15, 200, out double c))
            throw new NonConvergenceException($"spin-glass root not found at alpha={p.Alpha}, T={p.Temperature}");
        return c;
    }

    /// <summary>Newton on (G1, G2) in (m, C) with the analytic Jacobian.</summary>
    public static (double M, double C, bool Converged) Newton(AgsPoint p, double m, double c, int maxIterations = 40)
    {
        for (int it = 0; it < maxIterations; it++)
        {
            var (g1, g2, a, b, cc, d, _) = p.Residual(m, c);
            double det = a * d - b * cc;
            double dm = -(d * g1 - b * g2) / det, dc = -(-cc * g1 + a * g2) / det;
            double upper = Math.Min(1, p.Beta);
            // Keep C inside its domain: damp a step that would leave it.
            double lambda = 1;
            while (lambda > 1e-4 && !(c + lambda * dc > 0 && c + lambda * dc < upper)) lambda /= 2;
            m += lambda * dm; c += lambda * dc;
            if (Math.Abs(dm) < 1e-14 && Math.Abs(dc) < 1e-14 || Math.Abs(g1) + Math.Abs(g2) < 1e-15)
                return (m, c, true);
        }
        var (r1, r2, _, _, _, _, _) = p.Residual(m, c);
        return (m, c, Math.Abs(r1) + Math.Abs(r2) < 1e-12);
    }

    /// <summary>Golden-section search for a maximum on [a, b]; stops early at the first positive value (an existence test).</summary>
    internal static double GoldenMaximum(Func<double, double> f, double a, double b, double tol, out double fmax)
    {
        double g = (Math.Sqrt(5) - 1) / 2;
        double x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = f(x1), f2 = f(x2);
        while (b - a > tol)
        {
            if (f1 > 0) { fmax = f1; return x1; }
            if (f2 > 0) { fmax = f2; return x2; }
            if (f1 > f2) { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = f(x1); }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = f(x2); }
        }
        fmax = Math.Max(f1, f2);
        return f1 > f2 ? x1 : x2;
    }

    // ---- T = 0 (REFERENCE.md section 1): m = erf(y), y = m / sqrt(2 alpha r) ----

    /// <summary>sqrt(2 alpha) as a function of y on the retrieval branch: erf(y)/y - (2/sqrt(pi)) e^{-y^2}.</summary>
    static double LoadRoot(double y) => SpecialFunctions.Erf(y) / y - TwoOverSqrtPi * Math.Exp(-y * y);

    static double LoadRootSlope(double y)
        => TwoOverSqrtPi * Math.Exp(-y * y) / y - SpecialFunctions.Erf(y) / (y * y) + 2 * TwoOverSqrtPi * y * Math.Exp(-y * y);

    static double CriticalY() => Brent.FindRoot(LoadRootSlope, 0.5, 3, 1e-15, 200);

    /// <summary>The T = 0 capacity alpha_c (retrieval exists below it) and the state there.</summary>
    public static ZeroTemperatureRetrieval CriticalLoad() => RetrievalAtY(CriticalY());

    static ZeroTemperatureRetrieval RetrievalAtY(double y)
    {
        double g = LoadRoot(y), alpha = g * g / 2, m = SpecialFunctions.Erf(y);
        double c = TwoOverSqrtPi * y * Math.Exp(-y * y) / m, r = 1 / ((1 - c) * (1 - c));
        return new ZeroTemperatureRetrieval(alpha, m, c, r, -0.5 * (m * m + alpha * (r - 1)));
    }

    /// <summary>The T = 0 retrieval state at load alpha, or null above alpha_c.</summary>
    public static ZeroTemperatureRetrieval? ZeroTemperatureRetrievalAt(double alpha)
    {
        if (alpha == 0) return new ZeroTemperatureRetrieval(0, 1, 0, 1, -0.5);
        double yc = CriticalY(), target = Math.Sqrt(2 * alpha);
        if (target > LoadRoot(yc)) return null;
        double upper = 2 / target + 5;
        double y = Brent.FindRoot(v => LoadRoot(v) - target, yc, upper, 1e-15, 400);
        var s = RetrievalAtY(y);
        return s with { Alpha = alpha };
    }

    /// <summary>T = 0 spin-glass energy: sqrt(r) = 1 + sqrt(2/(pi alpha)), E = -sqrt(2 alpha/pi) - 1/pi.</summary>
    public static (double R, double C, double Energy) ZeroTemperatureSpinGlass(double alpha)
    {
        double a = Math.Sqrt(2 / (Math.PI * alpha)), sr = 1 + a;
        return (sr * sr, a / (1 + a), -Math.Sqrt(2 * alpha / Math.PI) - 1 / Math.PI);
    }

    /// <summary>Load at which T = 0 retrieval and spin-glass energies are equal (AGS's 0.051).</summary>
    public static double ZeroTemperatureTransitionLoad()
        => Brent.FindRoot(a => ZeroTemperatureRetrievalAt(a)!.Energy - ZeroTemperatureSpinGlass(a).Energy, 0.01, 0.13, 1e-14, 200);

    static IEnumerable<RsBranch> ZeroTemperatureBranches(double alpha)
    {
        if (ZeroTemperatureRetrievalAt(alpha) is { } r)
            yield return new RsBranch(Retrieval, r.M, 1, r.R, r.Energy, alpha == 0, false) { C = r.C };
        if (alpha > 0)
        {
            var sg = ZeroTemperatureSpinGlass(alpha);
            yield return new RsBranch(SpinGlass, 0, 1, sg.R, sg.Energy, false, false) { C = sg.C };
        }
        else yield return new RsBranch(Paramagnet, 0, 0, 0, 0, false, false) { C = double.PositiveInfinity };
    }
}
