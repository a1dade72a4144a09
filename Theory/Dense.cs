using MathNet.Numerics;
using MathNet.Numerics.Optimization;

namespace Physics.Theory;

/// <summary>A replica-symmetric retrieval state of the dense network.</summary>
public sealed record DenseState(double M, double Q, double FreeEnergy);

/// <summary>
/// Replica-symmetric theory of the dense (P-spin) Hebbian network, distinct-index convention, load
/// K = alpha N^(P-1) (REFERENCE.md section 3). For P > 2 the uncondensed patterns act as a Gaussian
/// P-spin glass with covariance N xi(q), xi(q) = (alpha/P!) q^P, and there is no reaction term:
///   m = &lt;tanh beta(a + s z)&gt;,  q = &lt;tanh^2 beta(a + s z)&gt;,  a = m^(P-1)/(P-1)!,  s^2 = xi'(q) = alpha q^(P-1)/(P-1)!,
///   f = (P-1) m^P / P! - (beta/2)[xi(1) - xi(q) - (1 - q) xi'(q)] - T &lt;ln 2cosh beta(a + s z)&gt;
/// (stationary in m and in q: both derivatives vanish exactly on the equations above). For P = 2 the
/// AGS reaction term r = q/(1 - beta(1-q))^2 is kept, so P = 2 is answered by <see cref="Ags"/>.
/// T = 0: m = erf(y), y = m^(P-1)/sqrt(2 alpha (P-1)!), so alpha(y) = erf(y)^(2P-2) / (2 (P-1)! y^2); alpha_c is its maximum.
/// </summary>
public static class Dense
{
    public static double Factorial(int n)
    {
        double f = 1;
        for (int k = 2; k <= n; k++) f *= k;
        return f;
    }

    /// <summary>
    /// The largest P the dense theory takes: its fields are m^(P-1)/(P-1)! and its loads of order 1/P!, and past P = 60
    /// they approach the smallest doubles (1/59! = 7e-81, alpha_c(60) about 1e-83 and its square in the noise); at
    /// P = 200 (P-1)! overflows and the solvers returned NaNs.
    /// </summary>
    public const int MaxOrder = 60;

    static void CheckOrder(int p)
    {
        if (p < 2 || p > MaxOrder) throw new ArgumentOutOfRangeException(nameof(p), $"--p must lie in 2..{MaxOrder}, not {p}");
    }

    /// <summary>The T = 0 RS capacity alpha_c(P) and the retrieval overlap there.</summary>
    public static (double Alpha, double M) ZeroTemperatureCapacity(int p)
    {
        CheckOrder(p);
        if (p == 2) { var c = Ags.CriticalLoad(); return (c.Alpha, c.M); }
        double fact = Factorial(p - 1);
        double Load(double y) => Math.Pow(SpecialFunctions.Erf(y), 2 * p - 2) / (2 * fact * y * y);
        var best = GoldenSectionMinimizer.Minimum(ScalarFunction(y => -Load(y)), 0.05, 6, 1e-12, 1000);
        double ys = best.MinimizingPoint;
        return (Load(ys), SpecialFunctions.Erf(ys));
    }

    static IScalarObjectiveFunction ScalarFunction(Func<double, double> f) => ObjectiveFunction.ScalarValue(f);

    /// <summary>The T = 0 retrieval overlap at load alpha (largest root of m = erf(m^(P-1)/sqrt(2 alpha (P-1)!))), or null above alpha_c.</summary>
    public static double? ZeroTemperatureRetrieval(int p, double alpha)
    {
        CheckOrder(p);
        if (p == 2) return Ags.ZeroTemperatureRetrievalAt(alpha)?.M;
        double fact = Factorial(p - 1), m = 1;
        for (int it = 0; it < 100_000; it++)
        {
            double next = alpha == 0 ? 1 : SpecialFunctions.Erf(Math.Pow(m, p - 1) / Math.Sqrt(2 * alpha * fact));
            if (Math.Abs(next - m) < 1e-15) return next > 1e-6 ? next : null;
            m = next;
        }
        return m > 1e-6 ? m : null;
    }

    /// <summary>xi(q) = (alpha/P!) q^P and its derivative alpha q^(P-1)/(P-1)!.</summary>
    static (double Xi, double Slope) Covariance(int p, double alpha, double q)
        => (alpha / Factorial(p) * Math.Pow(q, p), alpha * Math.Pow(q, p - 1) / Factorial(p - 1));

    /// <summary>RS free energy of (m, q) for P &gt; 2 (the formula in the class summary).</summary>
    public static double FreeEnergy(int p, double alpha, double temperature, double m, double q)
    {
        var (xi1, _) = Covariance(p, alpha, 1);
        var (xiq, slope) = Covariance(p, alpha, q);
        double a = Math.Pow(m, p - 1) / Factorial(p - 1);
        var mo = FieldMoments.Compute(a, Math.Sqrt(slope), temperature);
        return (p - 1) * Math.Pow(m, p) / Factorial(p) - (xi1 - xiq - (1 - q) * slope) / (2 * temperature) - mo.LogCosh;
    }

    /// <summary>
    /// Whether an RS retrieval state exists at (P, alpha, T), P &gt; 2, decided robustly near the spinodal:
    /// for fixed m the largest q with q = &lt;tanh^2 beta(a + s(q) z)&gt; is bracketed (the map is below
    /// the diagonal at q = 1), and retrieval exists when R(m) = &lt;tanh&gt; - m reaches a positive value for
    /// some m in (0, 1] (scanned, then refined by golden section around the best point).
    /// </summary>
    public static bool RetrievalExists(int p, double alpha, double temperature)
    {
        if (p == 2) return Ags.RetrievalState(new AgsPoint(alpha, temperature)) is not null;
        double R(double m)
        {
            double a = Math.Pow(m, p - 1) / Factorial(p - 1);
            double Phi(double q) => 1 - FieldMoments.Compute(a, Math.Sqrt(Covariance(p, alpha, q).Slope), temperature).Sech2 - q;
            // Largest root: scan down from q = 1 for the first sign change.
            double hi = 1, lo = 0.95, q = 0;
            while (lo >= 0 && Phi(lo) < 0) { hi = lo; lo -= 0.05; }
            if (lo >= 0) q = MathNet.Numerics.RootFinding.Brent.FindRoot(Phi, Math.Max(lo, 0), hi, 1e-13, 200);
            return FieldMoments.Compute(a, Math.Sqrt(Covariance(p, alpha, q).Slope), temperature).Tanh - m;
        }
        double best = double.NegativeInfinity, bestM = 0;
        for (int k = 1; k <= 40; k++)
        {
            double m = k / 40.0, r = R(m);
            if (r > 0) return true;
            if (r > best) { best = r; bestM = m; }
        }
        Ags.GoldenMaximum(R, Math.Max(bestM - 0.025, 1e-3), Math.Min(bestM + 0.025, 1), 1e-9, out double peak);
        return peak > 0;
    }

    /// <summary>
    /// The scale of the dense network's temperatures: the field on a condensed pattern is m^(P-1)/(P-1)!, so its
    /// transitions fall like 1/(P-1)! (T_M(0) (P-1)! = 0.58, 0.50, 0.45, 0.42, 0.40 for P = 3 to 7, 0.35 at P = 12). The
    /// spinodal searches' grids were laid out for P = 3 and 4 (scale 1) and shrink by 6/(P-1)! beyond: with a fixed
    /// grid a tolerance of 1e-3 was 30 % of T_M(0) at P = 6, and from P = 7 T_M(0) fell below the grid's first point.
    /// </summary>
    public static double TemperatureScale(int p) => Math.Min(1, 6 / Factorial(p - 1));

    /// <summary>
    /// The RS retrieval spinodal T_M(alpha) of the dense network: the highest temperature with a retrieval
    /// state, by bisection on <see cref="RetrievalExists"/> to <paramref name="tolerance"/>. Above alpha_c(T = 0) the
    /// state can still exist in a window at T &gt; 0 (re-entrance), found by a scan in steps of 0.01; null where none.
    /// (Every temperature of the search is in units of <see cref="TemperatureScale"/>.)
    /// </summary>
    public static double? Spinodal(int p, double alpha, double tolerance = 1e-4)
    {
        double scale = TemperatureScale(p), lo = 1e-3 * scale, hi = 1.5 * scale;
        if (!RetrievalExists(p, alpha, lo))
        {
            // Re-entrance: just above the T = 0 capacity retrieval can exist in a window at T > 0.
            double? found = null;
            for (double t = 0.01 * scale; t < hi && found is null; t += 0.01 * scale)
                if (RetrievalExists(p, alpha, t)) found = t;
            if (found is null) return null;
            lo = found.Value;
        }
        while (hi - lo > tolerance)
        {
            double mid = 0.5 * (lo + hi);
            if (RetrievalExists(p, alpha, mid)) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    /// <summary>
    /// The lower edge of the RS retrieval region above the T = 0 capacity (re-entrance): the lowest temperature with
    /// a retrieval state, to <paramref name="tolerance"/>; 0 where retrieval exists down to T = 0, null where it never does.
    /// (In units of <see cref="TemperatureScale"/>, as <see cref="Spinodal"/>.)
    /// </summary>
    public static double? LowerSpinodal(int p, double alpha, double tolerance = 1e-4)
    {
        double scale = TemperatureScale(p);
        if (RetrievalExists(p, alpha, 1e-3 * scale)) return 0;
        double? hi = null;
        for (double t = 0.01 * scale; t < 1.5 * scale && hi is null; t += 0.01 * scale)
            if (RetrievalExists(p, alpha, t)) hi = t;
        if (hi is null) return null;
        double lo = Math.Max(1e-3 * scale, hi.Value - 0.01 * scale), up = hi.Value;
        while (up - lo > tolerance)
        {
            double mid = 0.5 * (lo + up);
            if (RetrievalExists(p, alpha, mid)) up = mid; else lo = mid;
        }
        return 0.5 * (lo + up);
    }

    /// <summary>
    /// The RS retrieval state at (P, alpha, T), T &gt; 0, or null when iteration from the pattern (m = q = 1)
    /// decays to m = 0. P = 2 is the AGS retrieval state.
    /// </summary>
    public static DenseState? Retrieval(int p, double alpha, double temperature)
    {
        CheckOrder(p);
        if (!(alpha >= 0) || !(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be >= 0 and T > 0");
        FieldMoments.CheckTemperature(temperature, TemperatureScale(p));
        if (p == 2)
        {
            var r = Ags.Solve(alpha, temperature).Branch(Ags.Retrieval);
            return r is null ? null : new DenseState(r.M, r.Q, r.FreeEnergy);
        }
        double m = 1, q = 1;
        for (int it = 0; it < 200_000; it++)
        {
            double a = Math.Pow(m, p - 1) / Factorial(p - 1), s = Math.Sqrt(Covariance(p, alpha, q).Slope);
            var mo = FieldMoments.Compute(a, s, temperature);
            double mNext = mo.Tanh, qNext = 1 - mo.Sech2;
            bool done = Math.Abs(mNext - m) < 1e-14 && Math.Abs(qNext - q) < 1e-14;
            m = mNext; q = qNext;
            if (m < 1e-6) return null;
            if (done) return new DenseState(m, q, FreeEnergy(p, alpha, temperature, m, q));
        }
        throw new NonConvergenceException($"dense RS retrieval did not converge at P={p}, alpha={alpha}, T={temperature}");
    }
}
