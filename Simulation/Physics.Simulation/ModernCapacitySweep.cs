using System.Globalization;
using Physics.Networks;

namespace Physics.Simulation;

/// <summary>Settings of the modern network's capacity sweep over dimensions d and numbers of patterns N.</summary>
public sealed record CapacitySettings
{
    public IReadOnlyList<int> Dimensions { get; init; } = [8, 12, 16, 24, 32, 64, 96];
    public IReadOnlyList<int> Patterns { get; init; } = [4, 16, 64, 256, 1024, 4096];
    public double Beta { get; init; } = 1;
    /// <summary>Patterns lie on the sphere of radius M = K sqrt(d - 1).</summary>
    public double RadiusFactor { get; init; } = 1;
    /// <summary>The query is displaced by Noise M in a random direction.</summary>
    public double Noise { get; init; } = 0.1;
    /// <summary>Retrieval succeeds when ||f(xi) - x_i|| &lt;= Tolerance M.</summary>
    public double Tolerance { get; init; } = 0.05;
    public int Trials { get; init; } = 4;
    public double FailureProbability { get; init; } = 0.001;
    public ulong Seed { get; init; } = 1;
    public int Threads { get; init; }

    public IReadOnlyDictionary<string, string> StoreKey() => new SortedDictionary<string, string>
    {
        ["model"] = "modern-capacity",
        ["beta"] = Beta.ToString("R", CultureInfo.InvariantCulture),
        ["radius_factor"] = RadiusFactor.ToString("R", CultureInfo.InvariantCulture),
        ["noise"] = Noise.ToString("R", CultureInfo.InvariantCulture),
        ["tolerance"] = Tolerance.ToString("R", CultureInfo.InvariantCulture),
        ["trials"] = Trials.ToString(CultureInfo.InvariantCulture),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
    };

    public void Validate()
    {
        if (Dimensions.Count == 0 || Dimensions.Any(d => d < 2)) throw new ArgumentException("--dimensions must be integers >= 2");
        if (Patterns.Count == 0 || Patterns.Any(n => n < 2)) throw new ArgumentException("--patterns must be integers >= 2");
        if (!(Beta > 0) || double.IsInfinity(Beta)) throw new ArgumentException("--beta must be a positive finite number");
        if (!(RadiusFactor > 0) || double.IsInfinity(RadiusFactor)) throw new ArgumentException("--radius-factor must be a positive finite number");
        if (!(Noise >= 0) || double.IsInfinity(Noise)) throw new ArgumentException("--noise must be a finite number >= 0");
        if (!(Tolerance > 0) || double.IsInfinity(Tolerance)) throw new ArgumentException("--tolerance must be a positive finite number");
        if (Trials < 1) throw new ArgumentException("--trials must be at least 1");
    }
}

/// <summary>The capacity sweep: a stored, resumable (d, N) grid of retrieval success rates beside Theorem 3's bound.</summary>
public static class ModernCapacitySweep
{
    public sealed record Outcome(List<CapacityPointResult> Points, IReadOnlyList<(int Dimension, double? Bound)> Bounds, int Computed, int Skipped);

    public static Outcome Run(CapacitySettings s, string outDirectory, IProgress<(int Done, int Total)>? progress = null, CancellationToken cancel = default)
    {
        s.Validate();
        string storePath = Path.Combine(outDirectory, ResultStore.FileName);
        ResultStore.CheckCompatible(storePath, s.StoreKey());
        Directory.CreateDirectory(outDirectory);
        using var store = ResultStore.Open(storePath, s.StoreKey());
        var (computed, skipped) = GridSweep.Run(s.Dimensions.Select(d => (double)d).ToList(), s.Patterns.Select(n => (double)n).ToList(),
            store.CapacityPoints().Select(p => ((double)p.Dimension, (double)p.Patterns)).ToHashSet(), (d, n) =>
            {
                cancel.ThrowIfCancellationRequested();
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var t = ModernHopfieldBounds.Measure((int)d, (int)n, s.Beta, s.RadiusFactor, s.Noise, s.Tolerance, s.Trials, s.Seed, s.FailureProbability);
                store.Add(new CapacityPointResult((int)d, (int)n, s.Beta, s.RadiusFactor, s.Noise, s.Tolerance, s.Trials, s.Seed,
                    t.SuccessRate, t.MeanError, t.MaxError, t.BoundPatterns, clock.Elapsed.TotalSeconds, CodeVersion.Current));
            }, Physics.MonteCarlo.Devices.Cpu, s.Threads, progress, cancel);
        var bounds = s.Dimensions.Select(d => (d, ModernHopfieldBounds.CapacityBound(d, s.Beta, s.RadiusFactor, s.FailureProbability))).ToList();
        return new Outcome(store.CapacityPoints(), bounds, computed, skipped);
    }
}
