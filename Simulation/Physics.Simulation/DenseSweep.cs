using System.Globalization;
using Physics.MonteCarlo;
using Physics.Networks;
using Physics.Theory;

namespace Physics.Simulation;

/// <summary>Settings of the dense network's (alpha, T) phase-diagram sweep at order P (K = alpha N^(P-1)).</summary>
public sealed record DenseSettings
{
    public int Order { get; init; } = 3;
    /// <summary>0: <see cref="DefaultNeurons"/> for the grid's largest load.</summary>
    public int Neurons { get; init; }
    /// <summary>Empty: 12 loads up to 1.25 alpha_c(P).</summary>
    public IReadOnlyList<double> Loads { get; init; } = [];
    /// <summary>Empty: 14 temperatures up to 1.4 times the alpha = 0 spinodal.</summary>
    public IReadOnlyList<double> Temperatures { get; init; } = [];
    public int Samples { get; init; } = 2;
    public int EquilibrationSweeps { get; init; } = 100;
    public int MeasurementSweeps { get; init; } = 100;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;
    public int Threads { get; init; }

    /// <summary>
    /// The default network size: N = 120, or fewer where K = alpha N^(P-1) at the largest load would pass 5000 patterns
    /// (at least P). With the default loads (up to 1.25 alpha_c) that is N = 120 for P = 3, 49 for P = 4, 27 for P = 5,
    /// 19 for P = 6: the sizes at which the model is simulated at these loads, where N = 120 would need 7e4 to 4e7 patterns.
    /// </summary>
    public static int DefaultNeurons(int order, double largestLoad)
    {
        const int Largest = 120;
        const double MostPatterns = 5000;
        double n = Math.Floor(Math.Pow(MostPatterns / largestLoad, 1.0 / (order - 1)));
        return (int)Math.Clamp(double.IsNaN(n) ? Largest : n, order, Largest);
    }

    /// <summary>
    /// A default grid value rounded to six decimals (readable keys in the store), or to four significant digits where
    /// six decimals would keep fewer: the loads and temperatures fall like 1/P!, and from P = 9 six decimals gave 0.
    /// </summary>
    static double GridValue(double x) => x >= 1e-3 ? Math.Round(x, 6)
        : double.Parse(x.ToString("G4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The settings with default grids (and, where not given, the network size) filled in for this P.</summary>
    public DenseSettings Resolved()
    {
        double alphaC = Dense.ZeroTemperatureCapacity(Order).Alpha, scale = Dense.TemperatureScale(Order), top = 1.4 * (Dense.Spinodal(Order, 0, 1e-3 * scale) ?? scale);
        var loads = Loads.Count > 0 ? Loads : Enumerable.Range(1, 12).Select(k => GridValue(1.25 * alphaC * k / 12)).ToList();
        return this with
        {
            Neurons = Neurons > 0 ? Neurons : DefaultNeurons(Order, loads.Max()),
            Loads = loads,
            Temperatures = Temperatures.Count > 0 ? Temperatures : Enumerable.Range(1, 14).Select(k => GridValue(top * k / 14)).ToList(),
        };
    }

    public IReadOnlyDictionary<string, string> StoreKey()
    {
        var resolved = Neurons > 0 ? this : Resolved();
        return StoreKeys.Of("dense", resolved.Neurons, Samples, EquilibrationSweeps, MeasurementSweeps, Seed, Dynamics, Start, ("p", Order));
    }

    public DenseRun RunAt(double alpha, double temperature) => new()
    {
        Order = Order, Neurons = Neurons, Load = alpha, Temperature = temperature, EquilibrationSweeps = EquilibrationSweeps,
        MeasurementSweeps = MeasurementSweeps, Samples = Samples, Seed = Seed, Dynamics = Dynamics, Start = Start,
    };

    public void Validate()
    {
        if (Order < 3) throw new ArgumentException("--p must be at least 3 (P = 2 is phase-diagram hopfield)");
        if (Order > Dense.MaxOrder) throw new ArgumentException($"--p must be at most {Dense.MaxOrder} (the theory's fields, 1/(P-1)!, approach the smallest doubles)");
        if (Neurons < 0) throw new ArgumentException($"--neurons must be at least P = {Order}, not {Neurons}");
        if (Loads.Any(a => !(a > 0) || double.IsInfinity(a))) throw new ArgumentException("--alphas must be positive finite numbers");
        if (Temperatures.Any(t => !(t > 0) || double.IsInfinity(t))) throw new ArgumentException("--temperatures must be positive finite numbers");
        var resolved = Resolved();
        double largest = resolved.Loads.Max(), count = Math.Round(largest * Math.Pow(resolved.Neurons, Order - 1));
        if (!PatternSet.Fits(resolved.Neurons, count))
            throw new ArgumentException($"--alphas: alpha = {largest} at --neurons {resolved.Neurons} (K = alpha N^{Order - 1}): {PatternSet.TooMany(resolved.Neurons, count)}; {(resolved.Neurons > Order ? "use fewer --neurons" : "N cannot be below P, so use smaller --alphas")}");
        resolved.RunAt(largest, resolved.Temperatures[0]).Validate();
    }
}

/// <summary>
/// The dense network's lines: the RS retrieval spinodal T_M(alpha), which is re-entrant (beyond the T = 0 capacity
/// alpha_c the retrieval state exists between a lower edge T_low(alpha) and T_M(alpha), up to the tip where they
/// meet), the thermodynamic transition T_c(alpha) below which retrieval is the global minimum (down to T = 0 below
/// alpha_t, down to a lower edge between alpha_t and the tip of T_c), the static and
/// dynamical glass transitions T_s and T_d of the uncondensed patterns' P-spin glass, and the T = 0 capacities in RS
/// and one-step RSB. Along T_M the 1RSB state has collapsed onto RS; below T_low it fills the RS gap at low T up to its
/// own capacity, and it is re-entrant too: its load limit alpha_f(T) grows with T from the 1RSB capacity until the
/// breaking collapses onto RS.
/// </summary>
public sealed record DenseLines(int Order, double AlphaC, double MC, IReadOnlyList<(double Alpha, double T)> Spinodal)
{
    /// <summary>T_low(alpha) for alpha beyond alpha_c (RS re-entrance).</summary>
    public IReadOnlyList<(double Alpha, double T)> LowerEdge { get; init; } = [];
    /// <summary>The T = 0 capacity in one-step RSB (NaN if not computed).</summary>
    public double AlphaCOneStep { get; init; } = double.NaN;
    /// <summary>The 1RSB load limit alpha_f(T) from T = 0 until the breaking collapses (its lower edge T_low beyond the 1RSB capacity).</summary>
    public IReadOnlyList<(double Alpha, double T)> LowerEdgeOneStep { get; init; } = [];
    /// <summary>The static glass transition T_s(alpha) (1RSB, the paramagnet freezes), a parabola: T_s(J = 1) sqrt(2 alpha/P!).</summary>
    public IReadOnlyList<(double Alpha, double T)> GlassStatic { get; init; } = [];
    /// <summary>The dynamical glass transition T_d(alpha), above T_s (metastable states appear).</summary>
    public IReadOnlyList<(double Alpha, double T)> GlassDynamical { get; init; } = [];
    /// <summary>The thermodynamic retrieval transition T_c(alpha): below it RS retrieval is the global minimum (the highest such T; up to the line's tip).</summary>
    public IReadOnlyList<(double Alpha, double T)> Thermodynamic { get; init; } = [];
    /// <summary>The load below which retrieval is the ground state at T = 0 (1RSB retrieval against the 1RSB glass; NaN if none).</summary>
    public double GroundStateTransition { get; init; } = double.NaN;
    /// <summary>
    /// The lower edge of the region where retrieval is the global minimum, from (alpha_t, 0) towards the tip of T_c: beyond
    /// alpha_t the glass is the ground state and retrieval wins only on warming (<see cref="DenseGlass.RetrievalLowerTransition"/>).
    /// With <see cref="Thermodynamic"/> it closes the region.
    /// </summary>
    public IReadOnlyList<(double Alpha, double T)> ThermodynamicLower { get; init; } = [];

    public static DenseLines Compute(int order, int points = 24)
    {
        var (alphaC, mC) = Dense.ZeroTemperatureCapacity(order);
        // Temperatures fall like 1/(P-1)!: the lines are located to 1e-3 of their scale (1e-4 for T_c).
        double scale = Dense.TemperatureScale(order), tolerance = 1e-3 * scale;
        var line = new List<(double, double)>();
        for (int k = 0; k < points; k++)
        {
            double alpha = alphaC * k / points;
            if (Dense.Spinodal(order, alpha, tolerance) is { } t) line.Add((alpha, t));
        }
        // Beyond alpha_c: the re-entrant part, up to the last load with a retrieval state.
        var lower = new List<(double, double)> { (alphaC, 0) };
        for (int k = points; k < 3 * points; k++)
        {
            double alpha = alphaC * (k + 0.5) / points;
            if (Dense.Spinodal(order, alpha, tolerance) is not { } t || Dense.LowerSpinodal(order, alpha, tolerance) is not { } low) break;
            line.Add((alpha, t));
            lower.Add((alpha, low));
        }
        // The glass lines and T_c over the loads of the spinodal (T_c ends where retrieval stops being the global minimum).
        var transitions = DenseGlass.Transitions(order);
        var glassStatic = new List<(double, double)>();
        var glassDynamical = new List<(double, double)>();
        var thermodynamic = new List<(double, double)>();
        double? endsBefore = null;
        foreach (var (alpha, tm) in line)
        {
            double j = DenseGlass.Scale(order, alpha);
            glassStatic.Add((alpha, transitions.Static * j));
            glassDynamical.Add((alpha, transitions.Dynamical * j));
            if (endsBefore is not null) continue;
            if (DenseGlass.RetrievalTransition(order, alpha, tm, transitions, 0.1 * tolerance) is { } tc) thermodynamic.Add((alpha, tc));
            else endsBefore = alpha;
        }
        // The line's tip lies between its last load and the first without T_c: bisected in alpha (six steps).
        if (endsBefore is { } outside && thermodynamic.Count > 0)
        {
            double inside = thermodynamic[^1].Item1;
            for (int k = 0; k < 6; k++)
            {
                double alpha = 0.5 * (inside + outside);
                if (Dense.Spinodal(order, alpha, tolerance) is { } tm && DenseGlass.RetrievalTransition(order, alpha, tm, transitions, 0.1 * tolerance) is { } tc)
                {
                    thermodynamic.Add((alpha, tc));
                    inside = alpha;
                }
                else outside = alpha;
            }
        }
        double groundState = double.NaN;
        double oneStep = double.NaN;
        var oneStepEdge = new List<(double, double)>();
        try
        {
            oneStep = OneStepRsb.Capacity(order).Alpha;
            // From P = 5 mu/(P-1)! grows (4.8 to 6.7) and a first step of 0.02 of the scale put theta = mu T out of
            // Newton's reach (P = 8: 0.73): the line stopped at T = 0.
            oneStepEdge.AddRange(OneStepRsb.FoldLine(order, scale, (order <= 4 ? 0.02 : 0.005) * scale).Select(s => (s.Alpha, s.Temperature)));
            groundState = DenseGlass.GroundStateTransition(order, 1e-6) ?? double.NaN;
        }
        catch (NonConvergenceException) { }
        return new DenseLines(order, alphaC, mC, line)
        {
            LowerEdge = lower, AlphaCOneStep = oneStep, LowerEdgeOneStep = oneStepEdge,
            GlassStatic = glassStatic, GlassDynamical = glassDynamical, Thermodynamic = thermodynamic,
            GroundStateTransition = groundState, ThermodynamicLower = ThermodynamicLowerEdge(order, groundState, thermodynamic, transitions, tolerance),
        };
    }

    /// <summary>
    /// The lower edge of T_c's region between alpha_t and the line's tip, at fractions 0.2, 0.5, 0.8 and 1 of the way
    /// (the edge rises steeply from alpha_t). Each point follows the retrieval state up from T = 0 at 1RSB (one to five
    /// seconds), so the loads run in parallel; each is deterministic, so the line is too.
    /// </summary>
    static List<(double Alpha, double T)> ThermodynamicLowerEdge(int order, double alphaT, IReadOnlyList<(double Alpha, double T)> thermodynamic, GlassTransitions transitions, double tolerance)
    {
        if (double.IsNaN(alphaT) || thermodynamic.Count == 0) return [];
        var tip = thermodynamic.MaxBy(c => c.Alpha);
        if (!(tip.Alpha > alphaT)) return [];
        double[] fractions = [0.2, 0.5, 0.8, 1];
        var edge = new double?[fractions.Length];
        Parallel.For(0, fractions.Length, k =>
        {
            double alpha = alphaT + fractions[k] * (tip.Alpha - alphaT);
            double? tc = k == fractions.Length - 1 ? tip.T
                : Dense.Spinodal(order, alpha, tolerance) is { } tm ? DenseGlass.RetrievalTransition(order, alpha, tm, transitions, 0.1 * tolerance) : null;
            try { if (tc is { } upper) edge[k] = DenseGlass.RetrievalLowerTransition(order, alpha, upper, transitions, 0.1 * tolerance); }
            catch (NonConvergenceException) { }
        });
        var result = new List<(double Alpha, double T)> { (alphaT, 0) };
        for (int k = 0; k < fractions.Length; k++)
            if (edge[k] is { } t) result.Add((alphaT + fractions[k] * (tip.Alpha - alphaT), t));
        return result;
    }
}

/// <summary>The dense (alpha, T) sweep: RS lines plus a stored, resumable Monte Carlo grid.</summary>
public static class DenseSweep
{
    public sealed record Outcome(DenseLines Lines, List<PointResult> Points, int Computed, int Skipped);

    public static Outcome Run(DenseSettings settings, string outDirectory, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        settings.Validate();
        settings = settings.Resolved();
        string storePath = Path.Combine(outDirectory, ResultStore.FileName);
        ResultStore.CheckCompatible(storePath, settings.StoreKey());
        var lines = DenseLines.Compute(settings.Order);
        Directory.CreateDirectory(outDirectory);
        using var store = ResultStore.Open(storePath, settings.StoreKey());
        var (computed, skipped) = GridSweep.Run(settings.Loads, settings.Temperatures,
            store.Points().Select(p => (p.Alpha, p.Temperature)).ToHashSet(), (a, t) =>
            {
                var run = settings.RunAt(a, t);
                var r = DenseSimulation.Run(run, threads: 1, cancel);
                store.Add(new PointResult(a, t, run.Neurons, run.Patterns, run.Seed, run.Samples,
                    run.EquilibrationSweeps, run.MeasurementSweeps, Names.Of(run.Dynamics), Names.Of(run.Start),
                    r.Overlap.Mean, r.Overlap.Error, r.Energy.Mean, r.Energy.Error, r.Acceptance, r.Seconds, r.AttemptsPerSecond, CodeVersion.Current));
            }, Devices.Cpu, settings.Threads, progress, cancel);
        return new Outcome(lines, store.Points(), computed, skipped);
    }
}
