using MathNet.Numerics.LinearAlgebra;

namespace Physics.Theory;

/// <summary>
/// A one-step RSB retrieval state: overlaps q1 &gt; q0, Parisi block size theta. At T = 0 the finite
/// combinations C = beta (1 - q1) (classical model) and mu = beta theta take the place of q1 and theta.
/// <see cref="Broken"/> is false where the 1RSB solution has collapsed onto RS (q1 = q0).
/// </summary>
public sealed record RsbState(int Order, double Alpha, double Temperature, double M, double Q0, double Q1, double Theta,
    double FreeEnergy, bool Broken)
{
    public double C { get; init; } = double.NaN;
    public double Mu { get; init; } = double.NaN;
}

/// <summary>
/// One-step replica symmetry breaking for the classical (P = 2) and dense (P &gt; 2) Hebbian networks, by one
/// nested-average machinery: every free energy has the form explicit(m, q0, q1, theta) - (T/theta) E_z0 ln E_z1 (2cosh beta h)^theta
/// with h = a + s0 z0 + s1 z1.
/// <list type="bullet">
/// <item>P = 2 (Crisanti, Amit, Gutfreund; REFERENCE.md section 1): the AGS reaction term stays,
/// f = alpha/2 + m^2/2 + (alpha T/2)[(1 - 1/theta) ln D1 + (1/theta) ln D0 - beta q0/D0] + (alpha beta/2)[r1(1 - q1) + theta(r1 q1 - r0 q0)] - nest,
/// a = m, s0^2 = alpha r0, s1^2 = alpha (r1 - r0).</item>
/// <item>P &gt; 2 (REFERENCE.md section 3): the uncondensed patterns are a Gaussian P-spin glass with covariance
/// N xi(q), xi(q) = (alpha/P!) q^P, and the Parisi functional at one step gives
/// f = (P-1) m^P/P! - (beta/2)[xi(1) - xi(q1) - (1-q1) xi'(q1)] + (beta theta/2)[q1 xi'(q1) - xi(q1) - q0 xi'(q0) + xi(q0)] - nest,
/// a = m^(P-1)/(P-1)!, s0^2 = xi'(q0), s1^2 = xi'(q1) - xi'(q0). There is no reaction term, so P = 2 is not this formula.</item>
/// </list>
/// At q1 = q0 both are the RS free energies (<see cref="AgsPoint.FreeEnergy"/>, <see cref="Dense.FreeEnergy"/>). At T = 0
/// (beta theta -> mu, q1 -> 1) the inner average is closed: ln E_z exp(mu |a + b z|) = mu^2 b^2/2 + ln(e^{mu a} Phi(a/b + mu b) + e^{-mu a} Phi(-a/b + mu b)).
/// Stationary points are found by Newton on exact (dual-number) gradients. The capacity alpha_c is the fold of the retrieval
/// branch, traced in m. Sign convention of the n -> 0 limit: the state is a saddle (a maximum in q0, theta), so it is located
/// by stationarity, never by minimisation.
/// </summary>
public static class OneStepRsb
{
    // ---------- nested averages ----------

    /// <summary>(1/mu) E_z0 ln E_z1 exp(mu |a + s0 z0 + s1 z1|): the T = 0 nest.</summary>
    static Dual ZeroTemperatureNest(Dual a, Dual s0, Dual s1, Dual mu)
    {
        var rule = new GaussianAverage(-a.Value / s0.Value, Math.Max(s1.Value, 1e-12) / s0.Value);
        var z = rule.Nodes; var w = rule.DensityWeights;
        Dual sum = 0, tilt = mu * mu * s1 * s1 / 2;
        for (int k = 0; k < z.Length; k++)
        {
            var h = a + s0 * z[k];
            var plus = mu * h + Dual.LogNormalCdf(h / s1 + mu * s1);
            var minus = -mu * h + Dual.LogNormalCdf(-h / s1 + mu * s1);
            sum += w[k] * (tilt + Dual.LogAddExp(plus, minus));
        }
        return sum / mu;
    }

    /// <summary>
    /// (T/theta) E_z0 ln E_z1 (2cosh((a + s0 z0 + s1 z1)/T))^theta: the finite-T nest. The outer nodes' inner averages
    /// (a few hundred nodes each, the bulk of every 1RSB solve) run in parallel; they are summed afterwards in node
    /// order, so the result is the same bit for bit on any number of threads.
    /// </summary>
    static Dual Nest(Dual a, Dual s0, Dual s1, Dual theta, double temperature)
    {
        var outer = new GaussianAverage(-a.Value / s0.Value, Math.Max(s1.Value, temperature) / s0.Value);
        var terms = new Dual[outer.Count];
        Parallel.For(0, terms.Length, () => new Dual[512], (k, _, exponents) =>
        {
            var centre = a + s0 * outer.Nodes[k];
            var inner = new GaussianAverage(-centre.Value / s1.Value, temperature / s1.Value);
            var z1 = inner.Nodes; var w1 = inner.DensityWeights;
            if (exponents.Length < z1.Length) exponents = new Dual[z1.Length];
            double top = double.NegativeInfinity;
            for (int j = 0; j < z1.Length; j++)
            {
                exponents[j] = theta / temperature * Dual.LogTwoCosh(centre + s1 * z1[j], temperature);
                top = Math.Max(top, exponents[j].Value);
            }
            Dual e = 0;
            for (int j = 0; j < z1.Length; j++) e += w1[j] * Dual.Exp(exponents[j] - top);
            terms[k] = outer.DensityWeights[k] * (Dual.Log(e) + top);
            return exponents;
        }, _ => { });
        Dual sum = 0;
        foreach (var term in terms) sum += term;
        return temperature / theta * sum;
    }

    // ---------- free energies ----------

    /// <summary>Classical 1RSB free energy at T &gt; 0 in (m, q1, q0, theta).</summary>
    public static Dual ClassicalFreeEnergy(double alpha, double temperature, Dual m, Dual q1, Dual q0, Dual theta)
    {
        double beta = 1 / temperature;
        var d1 = 1 - beta * (1 - q1);
        var d0 = d1 - beta * theta * (q1 - q0);
        var r0 = q0 / (d0 * d0);
        var r1 = r0 + (q1 - q0) / (d0 * d1);
        var explicitPart = alpha / 2 + m * m / 2
            + alpha * temperature / 2 * ((1 - 1 / theta) * Dual.Log(d1) + Dual.Log(d0) / theta) - alpha * q0 / (2 * d0)
            + alpha * beta / 2 * (r1 * (1 - q1) + theta * (r1 * q1 - r0 * q0));
        return explicitPart - Nest(m, Dual.Sqrt(alpha * r0), Dual.Sqrt(alpha * (r1 - r0)), theta, temperature);
    }

    /// <summary>Classical 1RSB ground-state energy (T = 0) in (m, C, q0, mu).</summary>
    public static Dual ClassicalGroundEnergy(double alpha, Dual m, Dual c, Dual q0, Dual mu)
    {
        var d1 = 1 - c;
        var d0 = d1 - mu * (1 - q0);
        var r0 = q0 / (d0 * d0);
        var r1 = r0 + (1 - q0) / (d0 * d1);
        var explicitPart = alpha / 2 + m * m / 2 + alpha / (2 * mu) * Dual.Log(d0 / d1) - alpha * q0 / (2 * d0)
            + alpha / 2 * r1 * c + alpha * mu / 2 * (r1 - r0 * q0);
        return explicitPart - ZeroTemperatureNest(m, Dual.Sqrt(alpha * r0), Dual.Sqrt(alpha * (r1 - r0)), mu);
    }

    static Dual Xi(int p, double alpha, Dual q) => alpha / Dense.Factorial(p) * Dual.Pow(q, p);
    static Dual XiSlope(int p, double alpha, Dual q) => alpha / Dense.Factorial(p - 1) * Dual.Pow(q, p - 1);
    static Dual CondensedField(int p, Dual m) => Dual.Pow(m, p - 1) / Dense.Factorial(p - 1);

    /// <summary>Dense (P &gt; 2) 1RSB free energy at T &gt; 0 in (m, q1, q0, theta).</summary>
    public static Dual DenseFreeEnergy(int p, double alpha, double temperature, Dual m, Dual q1, Dual q0, Dual theta)
    {
        double beta = 1 / temperature;
        Dual one = 1;
        var explicitPart = (p - 1) * Dual.Pow(m, p) / Dense.Factorial(p)
            - beta / 2 * (Xi(p, alpha, one) - Xi(p, alpha, q1) - (1 - q1) * XiSlope(p, alpha, q1))
            + beta * theta / 2 * (q1 * XiSlope(p, alpha, q1) - Xi(p, alpha, q1) - q0 * XiSlope(p, alpha, q0) + Xi(p, alpha, q0));
        var s0 = Dual.Sqrt(XiSlope(p, alpha, q0));
        var s1 = Dual.Sqrt(XiSlope(p, alpha, q1) - XiSlope(p, alpha, q0));
        return explicitPart - Nest(CondensedField(p, m), s0, s1, theta, temperature);
    }

    /// <summary>Dense (P &gt; 2) 1RSB ground-state energy (T = 0) in (m, q0, mu).</summary>
    public static Dual DenseGroundEnergy(int p, double alpha, Dual m, Dual q0, Dual mu)
    {
        Dual one = 1;
        var explicitPart = (p - 1) * Dual.Pow(m, p) / Dense.Factorial(p)
            + mu / 2 * (XiSlope(p, alpha, one) - Xi(p, alpha, one) - q0 * XiSlope(p, alpha, q0) + Xi(p, alpha, q0));
        var s0 = Dual.Sqrt(XiSlope(p, alpha, q0));
        var s1 = Dual.Sqrt(XiSlope(p, alpha, one) - XiSlope(p, alpha, q0));
        return explicitPart - ZeroTemperatureNest(CondensedField(p, m), s0, s1, mu);
    }

    // ---------- the variables of each case ----------

    /// <summary>Free energy and its gradient in the case's own variables (T = 0: classical (m, C, q0, mu), dense (m, q0, mu); T &gt; 0: (m, q1, q0, theta)).</summary>
    static Dual Energy(int p, double alpha, double temperature, double[] v)
    {
        var x = new Dual[v.Length];
        for (int k = 0; k < v.Length; k++) x[k] = Dual.Variable(v[k], k);
        if (temperature == 0)
            return p == 2 ? ClassicalGroundEnergy(alpha, x[0], x[1], x[2], x[3]) : DenseGroundEnergy(p, alpha, x[0], x[1], x[2]);
        return p == 2 ? ClassicalFreeEnergy(alpha, temperature, x[0], x[1], x[2], x[3]) : DenseFreeEnergy(p, alpha, temperature, x[0], x[1], x[2], x[3]);
    }

    /// <summary>Whether v lies where the free energy is defined (q0 &lt; q1 &lt;= 1, positive D's and Parisi parameter).</summary>
    static bool Admissible(int p, double temperature, double[] v)
    {
        if (v.Any(double.IsNaN) || !(v[0] > 0 && v[0] <= 1)) return false;
        if (temperature == 0)
        {
            if (p == 2) { double c = v[1], q0 = v[2], mu = v[3]; return c > 0 && c < 1 && q0 > 0 && q0 < 1 && mu > 0 && 1 - c - mu * (1 - q0) > 0; }
            return v[1] > 0 && v[1] < 1 && v[2] > 0;
        }
        double q1 = v[1], q0b = v[2], theta = v[3], beta = 1 / temperature;
        if (!(q0b > 0 && q1 > q0b && q1 < 1 && theta > 0 && theta <= 1.5)) return false;
        if (p > 2) return true;
        double d1 = 1 - beta * (1 - q1);
        return d1 > 0 && d1 - beta * theta * (q1 - q0b) > 0;
    }

    /// <summary>The free energy's gradient in the case's variables (NaN outside its domain).</summary>
    public static double[] Gradient(int p, double alpha, double temperature, double[] v)
    {
        if (!Admissible(p, temperature, v)) return Enumerable.Repeat(double.NaN, v.Length).ToArray();
        var f = Energy(p, alpha, temperature, v);
        return Enumerable.Range(0, v.Length).Select(f.Partial).ToArray();
    }

    public static double FreeEnergy(int p, double alpha, double temperature, double[] v) => Energy(p, alpha, temperature, v).Value;

    /// <summary>Damped Newton on F(x) = 0 with a central-difference Jacobian; null when it does not converge.</summary>
    static double[]? Newton(int p, Func<double[], double[]> f, double[] x, int maxIterations = 60)
    {
        // The gradients scale with the energies, 1/(P-1)! like the temperatures: an absolute 1e-12 was met by the
        // seed itself from P = 15 (energies of 1e-13), which then came back as the "capacity".
        double tolerance = 1e-12 * (p == 2 ? 1 : Dense.TemperatureScale(p));
        x = (double[])x.Clone();
        var fx = f(x);
        double Norm(double[] r) => r.Any(double.IsNaN) ? double.PositiveInfinity : r.Max(Math.Abs);
        double norm = Norm(fx);
        for (int it = 0; it < maxIterations && norm > tolerance; it++)
        {
            int n = x.Length;
            var j = Matrix<double>.Build.Dense(n, n);
            for (int k = 0; k < n; k++)
            {
                // Relative below 1e-4: from P = 11 the load itself is 3e-8, and an absolute step of 1e-7 left alpha > 0.
                double size = Math.Abs(x[k]), h = 1e-7 * (size < 1e-4 ? Math.Max(size, 1e-30) : Math.Max(1, size));
                var up = (double[])x.Clone(); up[k] += h;
                var down = (double[])x.Clone(); down[k] -= h;
                var fu = f(up); var fd = f(down);
                if (Norm(fu) == double.PositiveInfinity || Norm(fd) == double.PositiveInfinity) return null;
                for (int i = 0; i < n; i++) j[i, k] = (fu[i] - fd[i]) / (2 * h);
            }
            var step = j.Solve(Vector<double>.Build.DenseOfArray(fx));
            if (step.Any(s => double.IsNaN(s) || double.IsInfinity(s))) return null;
            double lambda = 1;
            for (int tries = 0; ; tries++)
            {
                var trial = x.Select((xi, k) => xi - lambda * step[k]).ToArray();
                var ft = f(trial);
                double tn = Norm(ft);
                if (tn < norm || tries > 30) { if (tn >= norm) return null; x = trial; fx = ft; norm = tn; break; }
                lambda /= 2;
            }
        }
        return norm <= tolerance ? x : null;
    }

    // ---------- T = 0: the retrieval branch and its fold ----------

    /// <summary>A point of the T = 0 retrieval branch: m fixed, the rest (and alpha, last) stationary.</summary>
    sealed record BranchPoint(double M, double[] Rest)
    {
        public double Alpha => Rest[^1];
    }

    /// <summary>The traced upper (retrieval) side of the T = 0 branch, from its fold towards m = 1.</summary>
    sealed record Branch(List<BranchPoint> Points, BranchPoint Fold);

    static readonly Dictionary<int, Branch> Branches = new();

    /// <summary>Residual at fixed m in the unknowns (rest of the variables..., alpha).</summary>
    static double[] FixedM(int p, double m, double[] u)
    {
        double alpha = u[^1];
        if (!(alpha > 0)) return Enumerable.Repeat(double.NaN, u.Length).ToArray();
        var v = new double[u.Length];
        v[0] = m;
        Array.Copy(u, 0, v, 1, u.Length - 1);
        return Gradient(p, alpha, 0, v);
    }

    static BranchPoint? SolveAt(int p, double m, double[] guess)
    {
        var u = Newton(p, x => FixedM(p, m, x), guess);
        return u is null ? null : new BranchPoint(m, u);
    }

    /// <summary>A first nontrivial 1RSB retrieval solution near the RS capacity, by Newton from a grid of (q0, mu).</summary>
    static BranchPoint Seed(int p)
    {
        var (alphaRs, mRs) = Dense.ZeroTemperatureCapacity(p);
        double alpha = 0.999 * alphaRs;
        double c = p == 2 ? Ags.ZeroTemperatureRetrievalAt(alpha)!.C : double.NaN;
        // mu multiplies fields of order m^(P-1)/(P-1)!: at the capacity mu/(P-1)! is 3 to 6 for P = 3 to 7. The grid
        // was laid out for P = 3; from P = 8 a grid that did not grow with (P-1)! converged to a degenerate point
        // (q0 -> 1, mu -> 0) and reported the RS capacity as the 1RSB one.
        double unit = Math.Max(1, Dense.Factorial(p - 1) / 2);
        foreach (double q0 in new[] { 0.995, 0.98, 0.99, 0.95, 0.9 })
            foreach (double mu in new[] { 10.0, 30, 60, 5, 120 })
            {
                double[] start = p == 2 ? [mRs, c, q0, unit * mu] : [mRs, q0, unit * mu];
                var v = Newton(p, x => Gradient(p, alpha, 0, x), start);
                if (v is null || !(v[0] > 0.5) || !(v[p == 2 ? 2 : 1] < 1 - 1e-6)) continue;
                return new BranchPoint(v[0], [.. v.Skip(1), alpha]);
            }
        throw new NonConvergenceException($"no 1RSB retrieval solution found near the RS capacity for P = {p}");
    }

    static Branch TraceBranch(int p)
    {
        lock (Branches)
        {
            if (Branches.TryGetValue(p, out var known)) return known;
            var seed = Seed(p);
            // Walk in m towards larger alpha until alpha turns, then refine the maximum by golden section.
            const double dm = 0.002;
            var up = SolveAt(p, seed.M + dm, seed.Rest);
            double dir = up is not null && up.Alpha > seed.Alpha ? 1 : -1;
            var path = new List<BranchPoint> { seed };
            // Steps shrink where Newton loses the branch (from P = 11 the seed lies near m = 0.99, where the state
            // moves fast: mu = 6e7 at P = 11) and grow back to dm.
            for (double step = dm; ;)
            {
                var next = SolveAt(p, path[^1].M + dir * step, path[^1].Rest);
                if (next is null)
                {
                    if ((step /= 4) < 1e-6) throw new NonConvergenceException($"1RSB retrieval branch lost at m = {path[^1].M} (P = {p})");
                    continue;
                }
                path.Add(next);
                step = Math.Min(dm, 2 * step);
                if (path.Count >= 3 && next.Alpha < path[^2].Alpha) break;
            }
            BranchPoint At(double m)
            {
                var near = path.MinBy(b => Math.Abs(b.M - m))!;
                return SolveAt(p, m, near.Rest) ?? throw new NonConvergenceException($"1RSB fold refinement failed at m = {m} (P = {p})");
            }
            double lo = Math.Min(path[^3].M, path[^1].M), hi = Math.Max(path[^3].M, path[^1].M);
            double g = (Math.Sqrt(5) - 1) / 2;
            double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
            BranchPoint b1 = At(x1), b2 = At(x2);
            while (hi - lo > 1e-7)
            {
                if (b1.Alpha > b2.Alpha) { hi = x2; x2 = x1; b2 = b1; x1 = hi - g * (hi - lo); b1 = At(x1); }
                else { lo = x1; x1 = x2; b1 = b2; x2 = lo + g * (hi - lo); b2 = At(x2); }
            }
            var fold = b1.Alpha > b2.Alpha ? b1 : b2;
            // The retrieval (upper, larger-m) side of the fold, for the solutions at given alpha.
            var upper = new List<BranchPoint> { fold };
            for (double m = fold.M + dm; m < 0.9995; m += dm)
            {
                var next = SolveAt(p, m, upper[^1].Rest);
                if (next is null) break;
                upper.Add(next);
            }
            var branch = new Branch(upper, fold);
            Branches[p] = branch;
            return branch;
        }
    }

    static RsbState ZeroTemperatureState(int p, BranchPoint b)
    {
        double[] v = [b.M, .. b.Rest[..^1]];
        double f = FreeEnergy(p, b.Alpha, 0, v);
        return p == 2
            ? new RsbState(p, b.Alpha, 0, b.M, v[2], 1, 0, f, true) { C = v[1], Mu = v[3] }
            : new RsbState(p, b.Alpha, 0, b.M, v[1], 1, 0, f, true) { Mu = v[2] };
    }

    /// <summary>The T = 0 1RSB capacity alpha_c(P): the fold of the retrieval branch (P = 2: the classical model).</summary>
    public static RsbState Capacity(int p)
    {
        if (p < 2) throw new ArgumentOutOfRangeException(nameof(p), "--p must be at least 2");
        return ZeroTemperatureState(p, TraceBranch(p).Fold);
    }

    /// <summary>
    /// The T = 0 1RSB retrieval state at load alpha, or null above the 1RSB capacity. Below the load where the traced
    /// branch reaches m = 0.9995 the breaking is below the solver's resolution (q0 -> 1, mu -> infinity) and the RS
    /// ground state is returned with Broken = false.
    /// </summary>
    public static RsbState? ZeroTemperature(int p, double alpha)
    {
        var branch = TraceBranch(p);
        if (alpha > branch.Fold.Alpha) return null;
        var pts = branch.Points;
        int k = pts.FindIndex(b => b.Alpha < alpha);
        if (k < 0) return ReplicaSymmetricGround(p, alpha);
        // alpha decreases along the upper branch: bisect in m between pts[k-1] and pts[k].
        double lo = pts[k - 1].M, hi = pts[k].M;
        var best = pts[k - 1];
        while (hi - lo > 1e-12)
        {
            double mid = 0.5 * (lo + hi);
            var b = SolveAt(p, mid, best.Rest);
            if (b is null) break;
            if (b.Alpha > alpha) { lo = mid; best = b; } else hi = mid;
            if (Math.Abs(b.Alpha - alpha) < 1e-14) { best = b; break; }
        }
        // Polish at fixed alpha in all variables.
        double[] start = [best.M, .. best.Rest[..^1]];
        var v = Newton(p, x => Gradient(p, alpha, 0, x), start) ?? start;
        return ZeroTemperatureState(p, new BranchPoint(v[0], [.. v.Skip(1), alpha]));
    }

    // ---------- T > 0: continuation from the ground state ----------

    /// <summary>
    /// The 1RSB retrieval state at (P, alpha, T &gt; 0), continued in T from the T = 0 solution at the same alpha.
    /// Where the breaking vanishes on the way (q1 - q0 -> 0) the RS state is returned with Broken = false;
    /// null where neither exists.
    /// </summary>
    public static RsbState? Solve(int p, double alpha, double temperature)
    {
        if (p < 2) throw new ArgumentOutOfRangeException(nameof(p), "--p must be at least 2");
        if (!(alpha > 0) || double.IsInfinity(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be a finite number > 0");
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a finite number >= 0");
        var ground = ZeroTemperature(p, alpha);
        if (temperature == 0) return ground;
        // Where the RS retrieval state is locally stable (replicon below 1) 1RSB collapses onto it.
        var rs = ReplicaSymmetric(p, alpha, temperature);
        if (rs is not null && Replicon(p, alpha, temperature, rs.M, rs.Q0) < 1) return rs;
        if (ground is null) return Reentrant(p, alpha, temperature) ?? rs;
        if (!ground.Broken) return rs;
        var (ending, _, v) = ContinueInTemperature(p, alpha, ground, temperature, 1e-4);
        // Collapsed: the breaking vanished on the way and the state is the RS one; Fold: retrieval ended below T.
        return ending == Ending.Reached ? new RsbState(p, alpha, temperature, v[0], v[2], v[1], v[3], FreeEnergy(p, alpha, temperature, v), true) : rs;
    }

    /// <summary>
    /// The retrieval state at the same load and a higher temperature, continued from <paramref name="from"/> (a state of
    /// <see cref="ZeroTemperature"/>, <see cref="Solve"/> or an earlier call): a broken state is followed in T as
    /// <see cref="Solve"/> follows the ground state, and becomes the RS state where its breaking collapses; an RS state
    /// stays RS. Following one branch up in T costs one Newton solve per step, where <see cref="Solve"/> starts from
    /// T = 0 at every call. Null where retrieval has ended.
    /// </summary>
    public static RsbState? Continue(RsbState from, double temperature)
    {
        ArgumentNullException.ThrowIfNull(from);
        if (!(temperature > from.Temperature) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be finite and above the state's T = {from.Temperature}");
        int p = from.Order;
        double alpha = from.Alpha;
        if (!from.Broken) return ReplicaSymmetric(p, alpha, temperature);
        var (ending, _, v) = ContinueInTemperature(p, alpha, from, temperature, 1e-4, maxStep: 0.01);
        return ending == Ending.Reached
            ? new RsbState(p, alpha, temperature, v[0], v[2], v[1], v[3], FreeEnergy(p, alpha, temperature, v), true)
            : ReplicaSymmetric(p, alpha, temperature);
    }

    enum Ending { Reached, Collapsed, Fold }

    /// <summary>
    /// Continues a broken state (the ground state, or one at T &gt; 0) in T towards <paramref name="target"/> (steps
    /// of at most <paramref name="maxStep"/>, halved down to <paramref name="minStep"/> where Newton fails; both in units
    /// of <see cref="Dense.TemperatureScale"/>, 1 for P &lt;= 4: at P = 8, where T_M(0) = 8e-5, a first step of 0.005
    /// put theta = mu T past 1 and the broken state was never followed). Returns how it ended, the last temperature
    /// reached and the state there (m, q1, q0, theta).
    /// </summary>
    static (Ending Ending, double T, double[] V) ContinueInTemperature(int p, double alpha, RsbState from, double target, double minStep, double maxStep = 0.005)
    {
        double scale = p == 2 ? 1 : Dense.TemperatureScale(p);
        (minStep, maxStep) = (minStep * scale, maxStep * scale);
        double t = from.Temperature, dt = Math.Min(target - t, maxStep);
        // C = beta (1 - q1) is of order 1/field, (P-1)!/2 in units of the temperature scale (0.5 for P = 3 and 4).
        double c0 = p == 2 ? from.C : 0.5 / scale;
        double[] v = t == 0 ? [from.M, 1, from.Q0, 0] : [from.M, from.Q1, from.Q0, from.Theta];
        while (t < target)
        {
            double next = Math.Min(target, t + dt);
            // From the T = 0 limit (q1 = 1 - C T, theta = mu T), then by scaling the last solution.
            double[] guess = t == 0 ? [from.M, 1 - c0 * next, from.Q0, from.Mu * next]
                : [v[0], 1 - (1 - v[1]) * next / t, v[2], v[3] * next / t];
            var solved = Newton(p, x => Gradient(p, alpha, next, x), guess);
            if (solved is null)
            {
                dt /= 2;
                if (dt >= minStep) continue;
                // Near a collapse (q1 -> q0, or theta -> 1) the broken state degenerates and Newton stalls too.
                return (t > 0 && (v[1] - v[2] < 1e-3 || v[3] > 0.95) ? Ending.Collapsed : Ending.Fold, t, v);
            }
            v = solved; t = next;
            // q1 -> q0, or theta -> 1 (the glassy states' weight vanishes): the breaking is gone.
            if (v[1] - v[2] < 1e-7 || v[3] >= 1 - 1e-6) return (Ending.Collapsed, t, v);
        }
        return (Ending.Reached, t, v);
    }

    // ---------- The fold at T > 0: the load limit of the broken retrieval state ----------

    /// <summary>Residual at fixed (m, T) in u = (q1, q0, theta, alpha): stationarity in every variable.</summary>
    static double[] FixedM(int p, double temperature, double m, double[] u)
    {
        double alpha = u[3];
        if (!(alpha > 0) || !(u[0] < 1) || !(u[2] > 0)) return [double.NaN, double.NaN, double.NaN, double.NaN];
        return Gradient(p, alpha, temperature, [m, u[0], u[1], u[2]]);
    }

    /// <summary>
    /// The largest load with a broken (1RSB) retrieval state at temperature T: the fold of the retrieval branch
    /// traced in m at fixed T (<see cref="FoldLine"/>). Null where the broken branch is lost on the way.
    /// </summary>
    public static RsbState? Fold(int p, double temperature)
    {
        if (!(temperature >= 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a finite number >= 0");
        var line = FoldLine(p, temperature);
        return line[^1].Temperature == temperature ? line[^1] : null;
    }

    /// <summary>
    /// The fold alpha_f(T) of the broken retrieval branch from the T = 0 capacity up to <paramref name="maxTemperature"/>
    /// in steps of <paramref name="step"/>, each continued from the last; it ends early where the breaking collapses
    /// (q1 -> q0, theta -> 1) or the branch is no longer found. Where alpha_f(T) exceeds the T = 0 capacity the
    /// broken retrieval state is re-entrant: at such a load it exists above the lower edge T_low(alpha), the
    /// inverse of alpha_f, and not at T = 0.
    /// </summary>
    public static IReadOnlyList<RsbState> FoldLine(int p, double maxTemperature, double step = 0.005)
    {
        if (p < 2) throw new ArgumentOutOfRangeException(nameof(p), "--p must be at least 2");
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), "step must be > 0");
        var capacity = Capacity(p);
        var line = new List<RsbState> { capacity };
        double c0 = p == 2 ? capacity.C : 0.5 / Dense.TemperatureScale(p); // C = beta (1 - q1), as in ContinueInTemperature
        double t = 0, m = capacity.M, previousM = double.NaN, previousT = double.NaN;
        double[]? u = null, previous = null;
        while (t < maxTemperature)
        {
            double next = Math.Min(maxTemperature, t + step);
            // From the T = 0 limit (q1 = 1 - C T, theta = mu T), then by linear extrapolation in T.
            double[] guess = u is null ? [1 - c0 * next, capacity.Q0, capacity.Mu * next, capacity.Alpha]
                : previous is null ? [1 - (1 - u[0]) * next / t, u[1], u[2] * next / t, u[3]]
                : u.Select((x, k) => x + (x - previous[k]) * (next - t) / (t - previousT)).ToArray();
            double mGuess = previous is null ? m : m + (m - previousM) * (next - t) / (t - previousT);
            var fold = FoldAtTemperature(p, next, mGuess, guess);
            if (fold is null) break;
            (previous, previousM, previousT) = (u, m, t);
            (m, u) = fold.Value;
            if (u[0] - u[1] < 1e-6 || u[2] >= 1 - 1e-6) break; // the breaking collapsed
            t = next;
            line.Add(new RsbState(p, u[3], t, m, u[1], u[0], u[2], FreeEnergy(p, u[3], t, [m, u[0], u[1], u[2]]), true));
        }
        return line;
    }

    /// <summary>
    /// Beyond the T = 0 capacity: the broken retrieval state at (alpha, T) if the load limit alpha_f(T) exceeds alpha,
    /// found on the retrieval (larger-m) side of the fold by walking m up from it until alpha(m) drops below the
    /// load, bisecting, and polishing at fixed alpha in every variable.
    /// </summary>
    static RsbState? Reentrant(int p, double alpha, double temperature)
    {
        var line = FoldLine(p, temperature, 0.01);
        var fold = line[^1];
        if (fold.Temperature != temperature || fold.Alpha < alpha) return null;
        double[] Start(RsbState s) => [s.Q1, s.Q0, s.Theta, s.Alpha];
        double lo = fold.M, hi = fold.M;
        double[] at = Start(fold), below = at;
        for (double dm = 0.002; ; dm *= 1.5)
        {
            hi = lo + dm;
            if (hi >= 1) return null;
            var u = Newton(p, x => FixedM(p, temperature, hi, x), at);
            if (u is null) return null;
            if (u[3] < alpha) { below = u; break; }
            lo = hi; at = u;
        }
        while (hi - lo > 1e-10)
        {
            double mid = 0.5 * (lo + hi);
            var u = Newton(p, x => FixedM(p, temperature, mid, x), at);
            if (u is null) break;
            if (u[3] > alpha) { lo = mid; at = u; } else { hi = mid; below = u; }
        }
        var v = Newton(p, x => Gradient(p, alpha, temperature, x), [lo, at[0], at[1], at[2]]);
        if (v is null || !(v[1] - v[2] > 1e-7)) return null;
        return new RsbState(p, alpha, temperature, v[0], v[2], v[1], v[3], FreeEnergy(p, alpha, temperature, v), true);
    }

    /// <summary>The maximum over m of alpha(m) on the branch at temperature T, from a start near the previous fold.</summary>
    static (double M, double[] U)? FoldAtTemperature(int p, double temperature, double m0, double[] guess)
    {
        var start = Newton(p, x => FixedM(p, temperature, m0, x), guess);
        if (start is null) return null;
        var known = new List<(double M, double[] U)> { (m0, start) };
        double[]? At(double m)
        {
            var near = known.MinBy(k => Math.Abs(k.M - m)).U;
            var u = Newton(p, x => FixedM(p, temperature, m, x), near);
            if (u is not null) known.Add((m, u));
            return u;
        }
        // Bracket the maximum: m0 itself (from the last temperature) or a walk towards larger alpha. The step
        // shrinks where Newton loses the branch: at P = 2 alpha(m) is sharply peaked (1e-6 over 1e-3 in m).
        double dm = 0.002;
        double[]? up = null, down = null;
        for (; dm >= 1e-6; dm /= 4)
        {
            up = At(m0 + dm); down = At(m0 - dm);
            if (up is not null && down is not null) break;
        }
        if (up is null || down is null) return null;
        List<(double M, double[] U)> points;
        if (up[3] <= start[3] && down[3] <= start[3]) points = [(m0 - dm, down), (m0, start), (m0 + dm, up)];
        else
        {
            double dir = up[3] > start[3] ? 1 : -1;
            (double M, double[] U) previous = (m0, start), best = (m0 + dir * dm, dir > 0 ? up : down);
            while (true)
            {
                double c = best.M + dir * dm;
                var uc = At(c);
                if (uc is null)
                {
                    if ((dm /= 4) < 1e-6) return null;
                    continue;
                }
                if (uc[3] < best.U[3]) { points = [previous, best, (c, uc)]; break; }
                (previous, best) = (best, (c, uc));
                if (Math.Abs(best.M - m0) > 0.3) return null;
            }
        }
        // alpha(m) is smooth with its maximum bracketed by the three points: parabolic steps (each replacing the
        // worst point) find m to 1e-6, i.e. alpha to about 1e-11 even at P = 2, in a few solves.
        for (int it = 0; it < 20; it++)
        {
            points.Sort((x, y) => x.M.CompareTo(y.M));
            var (m1, f1, m2, f2, m3, f3) = (points[0].M, points[0].U[3], points[1].M, points[1].U[3], points[2].M, points[2].U[3]);
            double denominator = (m2 - m1) * (f2 - f3) - (m2 - m3) * (f2 - f1);
            if (denominator == 0) break;
            double vertex = m2 - 0.5 * ((m2 - m1) * (m2 - m1) * (f2 - f3) - (m2 - m3) * (m2 - m3) * (f2 - f1)) / denominator;
            if (!(vertex > m1 && vertex < m3)) break;
            var uv = At(vertex);
            if (uv is null) return null;
            bool done = Math.Abs(vertex - m2) < 1e-6;
            // Keep the best three around the maximum.
            points.Add((vertex, uv));
            points.Sort((x, y) => y.U[3].CompareTo(x.U[3]));
            points.RemoveAt(3);
            if (done) break;
        }
        var top = points.MaxBy(x => x.U[3]);
        return (top.M, top.U);
    }

    /// <summary>
    /// The 1RSB retrieval spinodal T_M(alpha): the highest temperature with a retrieval state. Where the broken
    /// state collapses onto RS on the way up, the line is the RS spinodal (<see cref="Dense.Spinodal"/>); beyond the
    /// RS capacity it is the fold of the broken state, located to <paramref name="tolerance"/>. Null above the 1RSB capacity.
    /// </summary>
    public static double? Spinodal(int p, double alpha, double tolerance = 1e-3)
    {
        var ground = ZeroTemperature(p, alpha);
        if (ground is null) return null;
        if (!ground.Broken) return Dense.Spinodal(p, alpha, tolerance);
        var (ending, t, _) = ContinueInTemperature(p, alpha, ground, 3, tolerance);
        return ending == Ending.Collapsed ? Dense.Spinodal(p, alpha, tolerance) ?? t : t;
    }

    /// <summary>
    /// Replicon (de Almeida-Thouless) eigenvalue of an RS state: RS is locally stable below 1. P = 2: AGS's
    /// alpha beta^2 &lt;sech^4&gt; / (1 - beta(1-q))^2; P &gt; 2: beta^2 xi''(q) &lt;sech^4&gt;, xi''(q) = alpha q^(P-2)/(P-2)!.
    /// </summary>
    public static double Replicon(int p, double alpha, double temperature, double m, double q)
    {
        if (p == 2) return new AgsPoint(alpha, temperature).Replicon(m, (1 - q) / temperature);
        double beta = 1 / temperature;
        var mo = FieldMoments.Compute(Math.Pow(m, p - 1) / Dense.Factorial(p - 1), Math.Sqrt(alpha * Math.Pow(q, p - 1) / Dense.Factorial(p - 1)), temperature);
        return beta * beta * alpha * Math.Pow(q, p - 2) / Dense.Factorial(p - 2) * mo.Sech4;
    }

    static RsbState? ReplicaSymmetricGround(int p, double alpha)
    {
        if (p == 2)
        {
            var g = Ags.ZeroTemperatureRetrievalAt(alpha);
            return g is null ? null : new RsbState(2, alpha, 0, g.M, 1, 1, 0, g.Energy, false) { C = g.C };
        }
        if (Dense.ZeroTemperatureRetrieval(p, alpha) is not double m) return null;
        // e = (P-1) m^P/P! - E|a + s z|, a = m^(P-1)/(P-1)!, s^2 = xi'(1) = alpha/(P-1)!.
        double a = Math.Pow(m, p - 1) / Dense.Factorial(p - 1), sd = Math.Sqrt(alpha / Dense.Factorial(p - 1));
        double absField = a * MathNet.Numerics.SpecialFunctions.Erf(a / (sd * Math.Sqrt(2))) + sd * Math.Sqrt(2 / Math.PI) * Math.Exp(-a * a / (2 * sd * sd));
        return new RsbState(p, alpha, 0, m, 1, 1, 0, (p - 1) * Math.Pow(m, p) / Dense.Factorial(p) - absField, false);
    }

    static RsbState? ReplicaSymmetric(int p, double alpha, double temperature)
    {
        var rs = Dense.Retrieval(p, alpha, temperature);
        return rs is null ? null : new RsbState(p, alpha, temperature, rs.M, rs.Q, rs.Q, 1, rs.FreeEnergy, false);
    }
}
