using System.Globalization;
using Physics.MonteCarlo;
using Physics.Theory;

namespace Physics.Simulation;

/// <summary>Settings of the classical (alpha, T) phase-diagram sweep.</summary>
public sealed record PhaseDiagramSettings
{
    public int Neurons { get; init; } = 2000;
    public IReadOnlyList<double> Loads { get; init; } = Grid(0.01, 0.18, 0.01);
    public IReadOnlyList<double> Temperatures { get; init; } = Grid(0.05, 1.2, 0.05);
    public int Samples { get; init; } = 4;
    public int EquilibrationSweeps { get; init; } = 400;
    public int MeasurementSweeps { get; init; } = 400;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;
    public int Threads { get; init; }
    /// <summary>Where the chains run; results do not depend on it (bitwise), so it is not part of the store key.</summary>
    public string Device { get; init; } = Physics.MonteCarlo.Devices.Cpu;

    /// <summary>first, first+step, ..., last (rounded to 1e-9 so the grid is exact in the store's keys).</summary>
    public static List<double> Grid(double first, double last, double step)
    {
        var list = new List<double>();
        for (int k = 0; first + k * step <= last + 1e-9; k++) list.Add(Math.Round(first + k * step, 9));
        return list;
    }

    /// <summary>The settings a stored result depends on: a store is reused only by a run that agrees on all of them.</summary>
    public IReadOnlyDictionary<string, string> StoreKey()
        => StoreKeys.Of("hopfield", Neurons, Samples, EquilibrationSweeps, MeasurementSweeps, Seed, Dynamics, Start);

    public HopfieldRun RunAt(double alpha, double temperature) => new()
    {
        Neurons = Neurons,
        Patterns = HopfieldRun.PatternsFor(Neurons, alpha),
        Temperature = temperature,
        EquilibrationSweeps = EquilibrationSweeps,
        MeasurementSweeps = MeasurementSweeps,
        Samples = Samples,
        Seed = Seed,
        Dynamics = Dynamics,
        Start = Start,
    };

    public void Validate()
    {
        if (Loads.Count == 0 || Loads.Any(a => !(a > 0) || double.IsInfinity(a))) throw new ArgumentException("--alphas must be positive finite numbers");
        if (Temperatures.Count == 0 || Temperatures.Any(t => !(t > 0) || double.IsInfinity(t))) throw new ArgumentException("--temperatures must be positive finite numbers");
        foreach (var a in Loads) RunAt(a, Temperatures[0]).Validate();
    }
}

/// <summary>The settings a stored grid depends on: a store is reused only by a run that agrees on all of them.</summary>
public static class StoreKeys
{
    public static IReadOnlyDictionary<string, string> Of(string model, int neurons, int samples, int equilibration, int sweeps, ulong seed,
        Dynamics dynamics, InitialState start, params (string Key, int Value)[] extra)
    {
        var key = new SortedDictionary<string, string>
        {
            ["model"] = model,
            ["neurons"] = neurons.ToString(CultureInfo.InvariantCulture),
            ["samples"] = samples.ToString(CultureInfo.InvariantCulture),
            ["equilibration"] = equilibration.ToString(CultureInfo.InvariantCulture),
            ["sweeps"] = sweeps.ToString(CultureInfo.InvariantCulture),
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["dynamics"] = Names.Of(dynamics),
            ["start"] = Names.Of(start),
        };
        foreach (var (k, v) in extra) key[k] = v.ToString(CultureInfo.InvariantCulture);
        return key;
    }
}

/// <summary>Command-line names of the enums.</summary>
public static class Names
{
    public static string Of(Dynamics d) => d == Dynamics.Metropolis ? "metropolis" : "heat-bath";
    public static string Of(InitialState s) => s == InitialState.Pattern ? "pattern" : "random";
}

/// <summary>
/// The classical phase diagram: the AGS lines and a Monte Carlo grid over (alpha, T), stored point by
/// point so that an interrupted sweep resumes where it stopped (<see cref="GridSweep"/>); each point's
/// numbers depend only on its settings and seed.
/// </summary>
public static class PhaseDiagramSweep
{
    public sealed record Outcome(AgsPhaseLines Lines, List<PointResult> Points, int Computed, int Skipped);

    public static Outcome Run(PhaseDiagramSettings settings, string outDirectory, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        settings.Validate();
        string storePath = Path.Combine(outDirectory, ResultStore.FileName);
        ResultStore.CheckCompatible(storePath, settings.StoreKey());
        var lines = AgsLines.Compute(alphaMax: Math.Max(0.2, settings.Loads.Max()));
        Directory.CreateDirectory(outDirectory);
        using var store = ResultStore.Open(storePath, settings.StoreKey());
        var (computed, skipped) = GridSweep.Run(settings.Loads, settings.Temperatures,
            store.Points().Select(p => (p.Alpha, p.Temperature)).ToHashSet(), (a, t) =>
            {
                var run = settings.RunAt(a, t);
                var r = HopfieldSimulation.Run(run, threads: 1, cancel: cancel, device: settings.Device);
                store.Add(new PointResult(a, t, run.Neurons, run.Patterns, run.Seed, run.Samples,
                    run.EquilibrationSweeps, run.MeasurementSweeps, Names.Of(run.Dynamics), Names.Of(run.Start),
                    r.Overlap.Mean, r.Overlap.Error, r.Energy.Mean, r.Energy.Error, r.Acceptance,
                    r.Seconds, r.AttemptsPerSecond, CodeVersion.Current));
            }, settings.Device, settings.Threads, progress, cancel);
        return new Outcome(lines, store.Points(), computed, skipped);
    }
}
