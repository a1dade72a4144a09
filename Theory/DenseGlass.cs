using MathNet.Numerics.RootFinding;

namespace Physics.Theory;

/// <summary>
/// The glass transitions of a P-spin glass with covariance xi(q) = q^P/2 (J = 1), at one step of RSB: below the
/// dynamical temperature a state with q1 &gt; 0 exists at Parisi parameter theta = 1 (its free energy is the
/// paramagnet's), and at the static temperature its complexity vanishes (the stationary theta reaches 1).
/// Q1 is the overlap inside a state at each.
/// </summary>
public sealed record GlassTransitions(int Order, double Dynamical, double Static, double Q1Dynamical, double Q1Static);

/// <summary>The glass phase at (P, alpha, T): the 1RSB state (q0 = 0, no condensed pattern) below the static temperature, else the paramagnet (Q1 = 0, Theta = 1).</summary>
public sealed record GlassState(double Q1, double Theta, double FreeEnergy, bool Frozen);

/// <summary>
/// The non-retrieval phases of the dense (P &gt; 2) network. Without a condensed pattern the uncondensed patterns are a
/// Gaussian P-spin glass with covariance N xi(q), xi(q) = (alpha/P!) q^P (REFERENCE.md section 3; the RS and 1RSB
/// functionals of <see cref="Dense"/> and <see cref="OneStepRsb"/> at m = 0, q0 = 0), that is the Ising P-spin glass
/// with J^2 = c = 2 alpha/P!. Its free energy at one step is
///   f(q, theta) = -(beta/2)[xi(1) - xi(q) - (1-q) xi'(q)] + (beta theta/2)[q xi'(q) - xi(q)] - (T/theta) ln E_z (2cosh beta s z)^theta,
/// s^2 = xi'(q). At theta = 1 it equals the paramagnet's, f_para = -T ln 2 - beta xi(1)/2, whatever q (tested), and
/// stationarity in q reads q = &lt;tanh^2 beta s z&gt; in the measure tilted by (2cosh)^theta. Temperatures scale as
/// sqrt(c) and free energies with them, so the transitions are T(alpha) = T(J = 1) sqrt(2 alpha/P!): the glass lines
/// of the phase diagram are parabolas in T. For large P they tend to the random energy model's
/// T = 1/(2 sqrt(ln 2)) (Derrida; Gross and Mezard), with q1 -> 1.
/// </summary>
public static class DenseGlass
{
    /// <summary>The random energy model's transition, the large-P limit of the static temperature at J = 1.</summary>
    public static readonly double RandomEnergyLimit = 1 / (2 * Math.Sqrt(Math.Log(2)));

    /// <summary>J = sqrt(2 alpha/P!): the scale of temperatures and free energies of the glass at load alpha.</summary>
    public static double Scale(int p, double alpha) => Math.Sqrt(2 * alpha / Dense.Factorial(p));

    /// <summary>-T ln 2 - xi(1)/(2T), xi(1) = alpha/P!: the annealed (paramagnetic) free energy.</summary>
    public static double ParamagnetFreeEnergy(int p, double alpha, double temperature) =>
        -temperature * Math.Log(2) - alpha / Dense.Factorial(p) / (2 * temperature);

    // ---------- the tilted averages ----------

    /// <summary>ln E_z (2cosh b z)^theta, and in the tilted measure &lt;tanh^2 b z&gt; and &lt;ln 2cosh b z&gt;.</summary>
    internal readonly record struct Tilted(double LogZ, double TanhSquared, double LogCosh);

    /// <summary>
    /// The averages of <see cref="Tilted"/> with b = beta s &gt;= 0. The weight phi(z) (2cosh b z)^theta is even in z and, for
    /// z &gt; 0, equals e^{a^2/2} phi(z - a) (1 + e^{-2bz})^theta with a = theta b: integrated in u = z - a on [-a, 12], so
    /// that the peak of the tilted measure is resolved at any temperature, by composite Simpson in two pieces: z up to
    /// 10/b, where the factor (1 + e^{-2bz}) and tanh bz vary on the scale 1/b (200 intervals), and the rest (1200). (One
    /// grid of step 0.01 put the glass at T = 1e-7, alpha = 0.1, P = 3 at f = -0.184 instead of -0.1485.)
    /// </summary>
    internal static Tilted Average(double b, double theta)
    {
        double a = theta * b, start = Math.Max(-a, -12), split = b > 0 ? Math.Clamp(10 / b - a, start, 12) : start;
        double weight = 0, tanh2 = 0, logCosh = 0;
        void Add(double lo, double hi, int intervals)
        {
            if (hi <= lo) return;
            double h = (hi - lo) / intervals;
            for (int k = 0; k <= intervals; k++)
            {
                double u = lo + k * h, x = b * (u + a), tail = Math.Exp(-2 * x);
                double w = h / 3 * Math.Exp(-u * u / 2 + theta * Dual.Log1p(tail)) * (k == 0 || k == intervals ? 1 : k % 2 == 1 ? 4 : 2);
                double t = Math.Tanh(x);
                weight += w; tanh2 += w * t * t; logCosh += w * (x + Dual.Log1p(tail));
            }
        }
        Add(start, split, 200);
        Add(split, 12, 1200);
        // 2 (both signs of z) e^{a^2/2} weight / sqrt(2 pi); 2cosh x = e^x (1 + e^{-2x}) for x >= 0.
        double logZ = Math.Log(2 * weight / Math.Sqrt(2 * Math.PI)) + a * a / 2;
        return new Tilted(logZ, tanh2 / weight, logCosh / weight);
    }

    // ---------- the J = 1 glass: xi(q) = q^P/2 ----------

    static double Xi(int p, double q) => Math.Pow(q, p) / 2;
    static double XiSlope(int p, double q) => p * Math.Pow(q, p - 1) / 2;

    /// <summary>The one-step free energy f(q, theta) of the J = 1 glass (class summary).</summary>
    public static double FreeEnergy(int p, double temperature, double q, double theta)
    {
        double beta = 1 / temperature, slope = XiSlope(p, q);
        var t = Average(beta * Math.Sqrt(slope), theta);
        return -beta / 2 * (Xi(p, 1) - Xi(p, q) - (1 - q) * slope) + beta * theta / 2 * (q * slope - Xi(p, q)) - temperature / theta * t.LogZ;
    }

    /// <summary>df/dtheta at (q, theta): (beta/2)[q xi' - xi] + (T/theta^2) ln Z - (T/theta) &lt;ln 2cosh&gt;.</summary>
    static double ThetaSlope(int p, double temperature, double q, double theta)
    {
        double beta = 1 / temperature, slope = XiSlope(p, q);
        var t = Average(beta * Math.Sqrt(slope), theta);
        return beta / 2 * (q * slope - Xi(p, q)) + temperature / (theta * theta) * t.LogZ - temperature / theta * t.LogCosh;
    }

    /// <summary>
    /// The largest q with q = &lt;tanh^2 beta s(q) z&gt;_theta: scanned down from q = 1 (the right side is below q there) to
    /// the first point where it is above, then Brent; 0 when only the paramagnet's q = 0 is left. (Iterating the map
    /// from q = 1 slows down critically near the dynamical temperature.)
    /// </summary>
    static double Overlap(int p, double temperature, double theta, double floor = 0)
    {
        double Gap(double q) => Average(Math.Sqrt(XiSlope(p, q)) / temperature, theta).TanhSquared - q;
        double above = 1;
        foreach (double q in Candidates.Where(q => q > floor).Append(floor))
        {
            if (q > 0 && Gap(q) > 0) return above == 1 ? q : Brent.FindRoot(Gap, q, above, 1e-14, 200);
            above = q;
        }
        return 0;
    }

    static readonly double[] Candidates =
        [.. Enumerable.Range(2, 8).Reverse().Select(k => 1 - Math.Pow(10, -k)), .. Enumerable.Range(1, 19).Select(k => 1 - 0.05 * k)];

    /// <summary>The temperature at which q solves q = &lt;tanh^2 beta s(q) z&gt;_1 (the right side falls as T grows; Brent).</summary>
    static double TemperatureAt(int p, double q)
    {
        double Gap(double t) => Average(Math.Sqrt(XiSlope(p, q)) / t, 1).TanhSquared - q;
        double lo = 0.05, hi = 0.2;
        for (int k = 0; k < 60 && Gap(lo) < 0; k++) { hi = lo; lo /= 2; }
        for (int k = 0; k < 60 && Gap(hi) > 0; k++) { lo = hi; hi *= 2; }
        return Brent.FindRoot(Gap, lo, hi, 1e-13, 200);
    }

    /// <summary>
    /// Golden-section search for the maximum of a unimodal f on [a, b], never leaving the bounds (Ags.GoldenMaximum stops
    /// at the first positive value, an existence test; Math.NET's GoldenSectionMinimizer widens the bracket, here past
    /// q = 1, where T(q) has no root).
    /// </summary>
    static (double X, double Value) Maximum(Func<double, double> f, double a, double b, double tolerance)
    {
        double g = (Math.Sqrt(5) - 1) / 2, x1 = b - g * (b - a), x2 = a + g * (b - a), f1 = f(x1), f2 = f(x2);
        while (b - a > tolerance)
        {
            if (f1 > f2) { b = x2; x2 = x1; f2 = f1; x1 = b - g * (b - a); f1 = f(x1); }
            else { a = x1; x1 = x2; f1 = f2; x2 = a + g * (b - a); f2 = f(x2); }
        }
        return f1 > f2 ? (x1, f1) : (x2, f2);
    }

    /// <summary>
    /// The dynamical temperature (the highest T with a q &gt; 0 state at theta = 1: the largest T(q) over q, by golden
    /// section) and the static one (df/dtheta = 0 at theta = 1 on that state, by Brent) of the J = 1 glass, P &gt;= 3.
    /// </summary>
    public static GlassTransitions Transitions(int p)
    {
        if (p < 3) throw new ArgumentOutOfRangeException(nameof(p), "--p must be at least 3 for a discontinuous glass transition (P = 2: T_g = 1 + sqrt(alpha))");
        // T(q) has one maximum in (0, 1): T -> 0 at both ends (q^(P-1) small, or q -> 1 needing beta -> infinity).
        var (qd, dynamical) = Maximum(q => TemperatureAt(p, q), 0.02, 0.9999, 1e-10);
        // Below T_d the state's q lies above q_d, where the map is above the diagonal.
        double Complexity(double t) => ThetaSlope(p, t, Overlap(p, t, 1, qd), 1);
        double top = dynamical * (1 - 1e-7), bottom = 0.95 * dynamical;
        while (Complexity(bottom) * Complexity(top) > 0 && bottom > 0.05) { top = bottom; bottom *= 0.95; }
        double stat = Brent.FindRoot(Complexity, bottom, top, 1e-11, 200);
        return new GlassTransitions(p, dynamical, stat, qd, Overlap(p, stat, 1, qd));
    }

    /// <summary>
    /// The glass phase of the dense network at (P, alpha, T), P &gt;= 3: above the static temperature the paramagnet,
    /// below it the 1RSB state stationary in q (its largest root) and theta (Brent below 1), rescaled from J = 1.
    /// Throws <see cref="NonConvergenceException"/> where theta would fall below 1e-8 (T/J below about 1e-8).
    /// </summary>
    public static GlassState State(int p, double alpha, double temperature, GlassTransitions? transitions = null)
    {
        if (!(alpha >= 0) || !(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be >= 0 and T > 0");
        var tr = transitions ?? Transitions(p);
        double j = Scale(p, alpha), t = temperature / j;
        if (alpha == 0 || t >= tr.Static) return new GlassState(0, 1, ParamagnetFreeEnergy(p, alpha, temperature), Frozen: false);
        // theta falls with T (about mu T/J): below T/J = 1e-10 it is far under the 1e-8 the search below reaches, and
        // beta^2 overflows before T/J = 1e-154.
        if (t < 1e-10) throw new NonConvergenceException($"T/J = {t:G3} is below the glass solver's range (1e-10) at P={p}, alpha={alpha}, T={temperature}");
        // The state exists at theta = 1 (t < T_s < T_d) and df/dtheta changes sign below it; at q = 0 the slope vanishes
        // identically, so the bracket is searched down from theta = 1 on states with q > 0.
        double Slope(double theta) => ThetaSlope(p, t, Overlap(p, t, theta), theta);
        double hi = 1, lo = 1, atHi = Slope(1);
        do
        {
            hi = lo; lo *= 0.9;
            if (lo < 1e-8 || Overlap(p, t, lo) == 0) throw new NonConvergenceException($"no frozen glass state found at P={p}, alpha={alpha}, T={temperature}");
        } while (Slope(lo) * atHi > 0);
        double theta = Brent.FindRoot(Slope, lo, hi, 1e-12, 200);
        double q = Overlap(p, t, theta);
        return new GlassState(q, theta, j * FreeEnergy(p, t, q, theta), Frozen: true);
    }

    /// <summary>
    /// The thermodynamic retrieval transition T_c(alpha), P &gt;= 3: the highest temperature at which the RS retrieval
    /// state's free energy (<see cref="Dense.Retrieval"/>) falls below the glass phase's (<see cref="State"/>: the
    /// paramagnet above the static temperature, the 1RSB glass below), found by a scan down from the spinodal T_M in
    /// steps of T_M/40, then bisection to <paramref name="tolerance"/>. Between T_c and T_M retrieval is metastable.
    /// Null where retrieval is nowhere the global minimum above T_M/40. (Near the tip of the line, P = 3 at alpha =
    /// 0.1414, T_c falls steeply with alpha but the window below it stays wider than the scan's step: refining the
    /// smallest gap by golden section found no T_c the scan missed.)
    /// </summary>
    public static double? RetrievalTransition(int p, double alpha, double spinodal, GlassTransitions? transitions = null, double tolerance = 1e-6)
    {
        var tr = transitions ?? Transitions(p);
        double Gap(double t) => Dense.Retrieval(p, alpha, t) is { } r ? r.FreeEnergy - State(p, alpha, t, tr).FreeEnergy : double.PositiveInfinity;
        double above = spinodal, step = spinodal / 40;
        for (double t = spinodal - step; t > 0.5 * step; t -= step)
        {
            if (Gap(t) >= 0) { above = t; continue; }
            double lo = t, hi = above;
            while (hi - lo > tolerance)
            {
                double mid = 0.5 * (lo + hi);
                if (Gap(mid) < 0) lo = mid; else hi = mid;
            }
            return 0.5 * (lo + hi);
        }
        return null;
    }

    /// <summary>
    /// The lower edge of the region where retrieval is the global minimum, for loads between alpha_t
    /// (<see cref="GroundStateTransition"/>) and the tip of T_c: there the glass is the ground state, and retrieval
    /// overtakes it only on warming. The retrieval state is followed up in T from its T = 0 1RSB solution
    /// (<see cref="OneStepRsb.Continue"/>: broken at low T, RS once the breaking collapses) in steps of at most 0.01 up
    /// to <paramref name="upper"/> (T_c or the spinodal), against the glass phase of <see cref="State"/> (at T = 0 the
    /// ground state, J <see cref="GroundStateEnergy"/>); the first crossing is located by regula falsi to <paramref name="tolerance"/>.
    /// Null where retrieval is the global minimum down to T = 0 (alpha below alpha_t) or nowhere below
    /// <paramref name="upper"/> (beyond the tip), or where there is no retrieval ground state.
    /// </summary>
    public static double? RetrievalLowerTransition(int p, double alpha, double upper, GlassTransitions? transitions = null, double tolerance = 1e-5)
    {
        var tr = transitions ?? Transitions(p);
        if (OneStepRsb.ZeroTemperature(p, alpha) is not { } ground) return null;
        double Gap(RsbState r) => r.FreeEnergy - (r.Temperature == 0 ? GroundStateEnergy(p) * Scale(p, alpha) : State(p, alpha, r.Temperature, tr).FreeEnergy);
        double gapLo = Gap(ground);
        if (gapLo < 0) return null;
        int steps = Math.Max(10, (int)Math.Ceiling(upper / 0.01));
        var below = ground;
        for (int k = 1; k <= steps; k++)
        {
            if (OneStepRsb.Continue(below, upper * k / steps) is not { } state) return null;
            double gapHi = Gap(state);
            if (gapHi >= 0) { below = state; gapLo = gapHi; continue; }
            // The crossing, by regula falsi (Illinois) on states continued from the last one above it, one Newton
            // solve each. (Brent here stops on |gap| below its accuracy, and the gap is itself of order 1e-5.)
            double lo = below.Temperature, hi = state.Temperature;
            int side = 0;
            while (hi - lo > tolerance)
            {
                double t = hi - gapHi * (hi - lo) / (gapHi - gapLo);
                if (!(t - lo > 0.1 * tolerance && hi - t > 0.1 * tolerance)) t = 0.5 * (lo + hi);
                if (OneStepRsb.Continue(below, t) is not { } at) return null;
                double g = Gap(at);
                if (g < 0) { hi = t; gapHi = g; if (side == -1) gapLo /= 2; side = -1; }
                else { lo = t; gapLo = g; below = at; if (side == 1) gapHi /= 2; side = 1; }
                if (Math.Abs(g) < 1e-13) return t;
            }
            return 0.5 * (lo + hi);
        }
        return null;
    }

    /// <summary>
    /// The ground-state energy per spin of the J = 1 glass at one step (q1 = 1, theta -> 0 with beta theta = mu): the T = 0
    /// functional of <see cref="OneStepRsb"/> at m = 0, q0 = 0 (J = 1 is alpha = P!/2), maximised over mu (the n -> 0
    /// extremum; golden section). P = 3: -0.8135 (Gardner: about -0.813).
    /// </summary>
    public static double GroundStateEnergy(int p)
    {
        double unit = Dense.Factorial(p) / 2;
        return Maximum(mu => OneStepRsb.DenseGroundEnergy(p, unit, 1e-9, 1e-9, mu).Value, 0.05, 10, 1e-9).Value;
    }

    /// <summary>
    /// The load alpha_t below which retrieval is the ground state at T = 0: the 1RSB retrieval ground-state energy
    /// (<see cref="OneStepRsb.ZeroTemperature"/>, RS where the breaking vanishes) equals the glass's,
    /// J(alpha) <see cref="GroundStateEnergy"/>; bisection in alpha up to the 1RSB capacity, to <paramref name="tolerance"/>
    /// relative to it (the loads fall like 1/(P-1)!: an absolute 1e-7 left P = 9 at 3 % and returned half the capacity
    /// from P = 10). Null if retrieval is the ground state wherever it exists.
    /// </summary>
    public static double? GroundStateTransition(int p, double tolerance = 1e-7)
    {
        double e0 = GroundStateEnergy(p), hi = OneStepRsb.Capacity(p).Alpha * (1 - 1e-6), lo = 0, width = tolerance * hi;
        double? Gap(double alpha) => OneStepRsb.ZeroTemperature(p, alpha) is { } r ? r.FreeEnergy - e0 * Scale(p, alpha) : null;
        if (Gap(hi) is not { } top || top < 0) return null;
        while (hi - lo > width)
        {
            double mid = 0.5 * (lo + hi);
            if (Gap(mid) is { } g && g < 0) lo = mid; else hi = mid;
        }
        return 0.5 * (lo + hi);
    }
}
