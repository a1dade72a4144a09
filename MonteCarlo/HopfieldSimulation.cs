using System.Diagnostics;
using System.Security.Cryptography;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>What to simulate: the classical Hopfield model at load alpha = P/N and temperature T.</summary>
public sealed record HopfieldRun
{
    public required int Neurons { get; init; }
    public required int Patterns { get; init; }
    public required double Temperature { get; init; }
    public int EquilibrationSweeps { get; init; } = 200;
    public int MeasurementSweeps { get; init; } = 200;
    public int Samples { get; init; } = 1;
    public int ChainsPerSample { get; init; } = 1;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;

    /// <summary>P = round(alpha N), at least one pattern; a load past what one pattern set holds is refused.</summary>
    public static int PatternsFor(int neurons, double alpha) => PatternSet.Fits(Math.Max(neurons, 1), Math.Round(alpha * neurons))
        ? Math.Max(1, (int)Math.Round(alpha * neurons))
        : throw new ArgumentException($"--alpha {alpha}: {PatternSet.TooMany(neurons, Math.Round(alpha * neurons))}");

    public void Validate()
    {
        if (Neurons < 2) throw new ArgumentException("--neurons must be at least 2");
        if (Neurons > PatternSet.MaxNeurons) throw new ArgumentException($"--neurons must be at most {PatternSet.MaxNeurons}");
        if (Patterns < 1) throw new ArgumentException("--alpha must give at least one pattern (alpha N >= 0.5)");
        if (!PatternSet.Fits(Neurons, Patterns)) throw new ArgumentException($"--alpha: {PatternSet.TooMany(Neurons, Patterns)}");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentException("--temperature must be a positive finite number");
        if (MeasurementSweeps <= 0) throw new ArgumentException("--sweeps must be positive");
        if (EquilibrationSweeps < 0) throw new ArgumentException("--equilibration must be zero or positive");
        if (Samples <= 0) throw new ArgumentException("--samples must be positive");
        if (ChainsPerSample <= 0) throw new ArgumentException("--chains must be positive");
    }
}

/// <summary>One chain's measurements.</summary>
public sealed record ChainResult(int Sample, int Chain, Estimate Overlap, Estimate Energy, double Acceptance, long Attempts, sbyte[] FinalSpins);

/// <summary>Results combined over chains and disorder samples.</summary>
public sealed record HopfieldResult(
    Estimate Overlap, Estimate Energy, double Acceptance, double AttemptsPerSecond,
    long Attempts, double Seconds, string FinalStateSha256, IReadOnlyList<ChainResult> Chains)
{
    public string Device { get; init; } = Devices.Cpu;
}

/// <summary>
/// Runs independent chains (disorder samples x chains) in parallel; every chain's numbers depend
/// only on (seed, sample, chain), and results are combined in a fixed order, so the output is
/// bitwise the same whatever the number of threads.
/// </summary>
public static class HopfieldSimulation
{
    public static HopfieldResult Run(HopfieldRun run, int threads = 0, IProgress<int>? progress = null, CancellationToken cancel = default, string device = Devices.Cpu)
    {
        run.Validate();
        string resolved = Devices.Resolve(device);
        if (resolved != Devices.Cpu) return RunOnEnsemble(run, resolved, cancel);
        int jobs = run.Samples * run.ChainsPerSample;
        var results = new ChainResult[jobs];
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount,
            CancellationToken = cancel,
        };
        var clock = Stopwatch.StartNew();
        int done = 0;
        var patternCache = new Lazy<PatternSet>[run.Samples];
        for (int k = 0; k < run.Samples; k++)
        {
            int sample = k;
            patternCache[k] = new Lazy<PatternSet>(() => PatternSet.Random(run.Neurons, run.Patterns, run.Seed, sample));
        }
        Parallel.For(0, jobs, options, job =>
        {
            int sample = job / run.ChainsPerSample, chain = job % run.ChainsPerSample;
            results[job] = RunChain(run, patternCache[sample].Value, sample, chain, cancel);
            progress?.Report(Interlocked.Increment(ref done));
        });
        double seconds = clock.Elapsed.TotalSeconds;
        return Combine(run, results, seconds);
    }

    /// <summary>Equilibrate, then record the condensed overlap and energy per spin after every sweep.</summary>
    public static ChainResult RunChain(HopfieldRun run, PatternSet patterns, int sample, int chain, CancellationToken cancel = default)
    {
        var mc = new HebbianChain(patterns, run.Temperature, run.Dynamics, run.Seed, sample, chain, run.Start);
        for (int t = 0; t < run.EquilibrationSweeps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            mc.Sweep();
        }
        var overlap = new double[run.MeasurementSweeps];
        var energy = new double[run.MeasurementSweeps];
        long accepted = 0;
        for (int t = 0; t < run.MeasurementSweeps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            accepted += mc.Sweep();
            overlap[t] = CondensedOverlap(mc.OverlapSums, patterns, run.Start);
            energy[t] = mc.EnergyPerSpin();
        }
        long attempts = (long)run.MeasurementSweeps * patterns.Neurons;
        return new ChainResult(sample, chain, Binning.Analyse(overlap), Binning.Analyse(energy),
            (double)accepted / attempts, mc.Attempts, mc.Spins.ToArray());
    }

    /// <summary>
    /// The same run on an ensemble device (ILGPU): all chains advance a sweep at a time and are
    /// measured from host snapshots with the same code, so every number equals the native path's.
    /// </summary>
    static HopfieldResult RunOnEnsemble(HopfieldRun run, string device, CancellationToken cancel)
    {
        var samples = Enumerable.Range(0, run.Samples).Select(s => PatternSet.Random(run.Neurons, run.Patterns, run.Seed, s)).ToList();
        var specs = new List<ChainSpec>();
        for (int s = 0; s < run.Samples; s++)
            for (int c = 0; c < run.ChainsPerSample; c++) specs.Add(new ChainSpec(s, c, run.Temperature, run.Start));
        var clock = Stopwatch.StartNew();
        using var ensemble = Devices.Create(device, new EnsembleSetup(samples, specs, run.Dynamics, run.Seed));
        for (int t = 0; t < run.EquilibrationSweeps; t++) { cancel.ThrowIfCancellationRequested(); ensemble.Sweep(1); }
        var before = ensemble.Snapshot();
        var overlap = new double[specs.Count, run.MeasurementSweeps];
        var energy = new double[specs.Count, run.MeasurementSweeps];
        EnsembleSnapshot snap = before;
        for (int t = 0; t < run.MeasurementSweeps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            ensemble.Sweep(1);
            snap = ensemble.Snapshot();
            for (int c = 0; c < specs.Count; c++)
            {
                var sums = snap.OverlapSums(c);
                overlap[c, t] = CondensedOverlap(sums, samples[specs[c].Sample], run.Start);
                energy[c, t] = HebbianChain.EnergyPerSpin(sums, samples[specs[c].Sample]);
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        long attempts = (long)run.MeasurementSweeps * run.Neurons;
        var chains = specs.Select((spec, c) => new ChainResult(spec.Sample, spec.Chain,
            Binning.Analyse(Row(overlap, c)), Binning.Analyse(Row(energy, c)),
            (snap.Accepted(c) - before.Accepted(c)) / (double)attempts,
            (long)(run.EquilibrationSweeps + run.MeasurementSweeps) * run.Neurons, snap.Spins(c).ToArray())).ToArray();
        return Combine(run, chains, seconds) with { Device = device };
    }

    static double[] Row(double[,] series, int row) => Enumerable.Range(0, series.GetLength(1)).Select(t => series[row, t]).ToArray();

    /// <summary>m_1 for a retrieval start; max_mu |m_mu| for a random start.</summary>
    public static double CondensedOverlap(ReadOnlySpan<short> sums, PatternSet patterns, InitialState start)
    {
        if (start == InitialState.Pattern) return sums[0] / (double)patterns.Neurons;
        int best = 0;
        for (int mu = 0; mu < patterns.Count; mu++) best = Math.Max(best, Math.Abs((int)sums[mu]));
        return best / (double)patterns.Neurons;
    }

    static HopfieldResult Combine(HopfieldRun run, ChainResult[] chains, double seconds)
    {
        var overlaps = new List<Estimate>();
        var energies = new List<Estimate>();
        foreach (var group in chains.GroupBy(c => c.Sample).OrderBy(g => g.Key))
        {
            overlaps.Add(MeanOfChains(group.Select(c => c.Overlap).ToList()));
            energies.Add(MeanOfChains(group.Select(c => c.Energy).ToList()));
        }
        long attempts = chains.Sum(c => c.Attempts);
        return new HopfieldResult(
            Binning.OverSamples(overlaps), Binning.OverSamples(energies),
            chains.Average(c => c.Acceptance), attempts / Math.Max(seconds, 1e-9), attempts, seconds,
            StateHash(chains.OrderBy(c => c.Sample).ThenBy(c => c.Chain).Select(c => c.FinalSpins)), chains);
    }

    static Estimate MeanOfChains(IReadOnlyList<Estimate> chains)
        => new(chains.Average(e => e.Mean), Math.Sqrt(chains.Sum(e => e.Error * e.Error)) / chains.Count);

    /// <summary>SHA-256 of the final spins of every chain, in the given order (one byte per spin: 1 for +1, 0 for -1).</summary>
    public static string StateHash(IEnumerable<sbyte[]> chainsInOrder)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var spins in chainsInOrder)
        {
            var bytes = new byte[spins.Length];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(spins[i] > 0 ? 1 : 0);
            sha.AppendData(bytes);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
