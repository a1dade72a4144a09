using System.Globalization;
using Physics.MonteCarlo;
using Physics.Theory;

namespace Physics.Simulation;

/// <summary>Settings of the multitasking (d, T) phase-diagram sweep at K patterns.</summary>
public sealed record MultitaskSettings
{
    public int Patterns { get; init; } = 3;
    public int Neurons { get; init; } = 2000;
    public IReadOnlyList<double> Dilutions { get; init; } = PhaseDiagramSettings.Grid(0.05, 0.95, 0.05);
    public IReadOnlyList<double> Temperatures { get; init; } = PhaseDiagramSettings.Grid(0.05, 1.0, 0.05);
    public int Samples { get; init; } = 2;
    public int EquilibrationSweeps { get; init; } = 300;
    public int MeasurementSweeps { get; init; } = 300;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;
    public int Threads { get; init; }
    public string Device { get; init; } = Devices.Cpu;

    public IReadOnlyDictionary<string, string> StoreKey()
        => StoreKeys.Of("multitask", Neurons, Samples, EquilibrationSweeps, MeasurementSweeps, Seed, Dynamics, Start, ("patterns", Patterns));

    public MultitaskRun RunAt(double dilution, double temperature) => new()
    {
        Neurons = Neurons, Patterns = Patterns, Dilution = dilution, Temperature = temperature,
        EquilibrationSweeps = EquilibrationSweeps, MeasurementSweeps = MeasurementSweeps, Samples = Samples,
        Seed = Seed, Dynamics = Dynamics, Start = Start,
    };

    public void Validate()
    {
        if (Patterns < 2 || Patterns > 6) throw new ArgumentException("--patterns must lie in 2..6 for the multitask phase diagram");
        if (Dilutions.Count == 0 || Dilutions.Any(d => !(d >= 0 && d < 1))) throw new ArgumentException("--dilutions must lie in [0, 1)");
        if (Temperatures.Count == 0 || Temperatures.Any(t => !(t > 0) || double.IsInfinity(t))) throw new ArgumentException("--temperatures must be positive finite numbers");
        RunAt(Dilutions[0], Temperatures[0]).Validate();
    }
}

/// <summary>The multitasking network's theory lines in the (d, T) plane.</summary>
public sealed record MultitaskLines(int Patterns, double HierarchicalLimit, IReadOnlyDictionary<string, IReadOnlyList<(double D, double T)>> Lines)
{
    public static MultitaskLines Compute(int patterns)
    {
        var grid = Enumerable.Range(0, 100).Select(j => j / 100.0).ToList();
        var lines = new SortedDictionary<string, IReadOnlyList<(double, double)>>
        {
            ["paramagnet_unstable"] = grid.Select(d => (d, Multitask.ParamagnetInstability(d))).ToList(),
            ["pure_unstable"] = grid.Where(d => d > 0).Select(d => (d, Multitask.PureInstability(d)!.Value)).ToList(),
            ["parallel_stable_boundary"] = Multitask.StabilityBoundary(patterns, Multitask.Parallel),
            ["hierarchical_stable_boundary"] = Multitask.StabilityBoundary(patterns, Multitask.Hierarchical),
        };
        return new MultitaskLines(patterns, Multitask.HierarchicalLimit(patterns), lines);
    }
}

/// <summary>The (d, T) sweep of the multitasking network: theory lines plus a stored, resumable Monte Carlo grid.</summary>
public static class MultitaskSweep
{
    public sealed record Outcome(MultitaskLines Lines, List<MultitaskPointResult> Points, int Computed, int Skipped);

    public static Outcome Run(MultitaskSettings settings, string outDirectory, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        settings.Validate();
        string storePath = Path.Combine(outDirectory, ResultStore.FileName);
        ResultStore.CheckCompatible(storePath, settings.StoreKey());
        var lines = MultitaskLines.Compute(settings.Patterns);
        Directory.CreateDirectory(outDirectory);
        using var store = ResultStore.Open(storePath, settings.StoreKey());
        var (computed, skipped) = GridSweep.Run(settings.Dilutions, settings.Temperatures,
            store.MultitaskPoints().Select(p => (p.Dilution, p.Temperature)).ToHashSet(), (d, t) =>
            {
                var run = settings.RunAt(d, t);
                var r = MultitaskSimulation.Run(run, settings.Device, cancel, threads: 1);
                store.Add(new MultitaskPointResult(d, t, run.Neurons, run.Patterns, run.Seed, run.Samples,
                    run.EquilibrationSweeps, run.MeasurementSweeps, Names.Of(run.Dynamics), Names.Of(run.Start),
                    r.Amplitudes.Select(x => x.Mean).ToArray(), r.Amplitudes.Select(x => x.Error).ToArray(),
                    r.Energy.Mean, r.Energy.Error, r.Acceptance, r.Seconds, r.AttemptsPerSecond, CodeVersion.Current));
            }, settings.Device, settings.Threads, progress, cancel);
        return new Outcome(lines, store.MultitaskPoints(), computed, skipped);
    }
}
