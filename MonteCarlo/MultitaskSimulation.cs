using System.Diagnostics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>A Monte Carlo run of the multitasking network: K diluted patterns (P(xi = 0) = d) at temperature T.</summary>
public sealed record MultitaskRun
{
    public required int Neurons { get; init; }
    public required int Patterns { get; init; }
    public required double Dilution { get; init; }
    public required double Temperature { get; init; }
    public int EquilibrationSweeps { get; init; } = 300;
    public int MeasurementSweeps { get; init; } = 500;
    public int Samples { get; init; } = 2;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;

    public void Validate()
    {
        new HopfieldRun { Neurons = Neurons, Patterns = Patterns, Temperature = Temperature, MeasurementSweeps = MeasurementSweeps,
            EquilibrationSweeps = EquilibrationSweeps, Samples = Samples }.Validate();
        if (!(Dilution >= 0 && Dilution < 1)) throw new ArgumentException("--dilution must lie in [0, 1)");
    }
}

/// <summary>Amplitudes ranked like the theory's canonical form: |m| in decreasing order, each with its error.</summary>
public sealed record MultitaskResult(Estimate[] Amplitudes, Estimate Energy, double Acceptance, double AttemptsPerSecond, string Device, string FinalStateSha256)
{
    public double Seconds { get; init; }
}

/// <summary>
/// Runs the multitasking network with the shared samplers (any device): after every measurement sweep the
/// overlaps with all K patterns are ranked by magnitude, which is the canonical form of the mean-field
/// states (sign flips and permutations of patterns are symmetries), so the two compare directly.
/// </summary>
public static class MultitaskSimulation
{
    public static MultitaskResult Run(MultitaskRun run, string device = Devices.Cpu, CancellationToken cancel = default, int threads = 0)
    {
        run.Validate();
        int k = run.Patterns, n = run.Neurons;
        var samples = Enumerable.Range(0, run.Samples).Select(s => PatternSet.Random(n, k, run.Seed, s, run.Dilution)).ToList();
        var specs = Enumerable.Range(0, run.Samples).Select(s => new ChainSpec(s, 0, run.Temperature, run.Start)).ToList();
        var clock = Stopwatch.StartNew();
        using var ensemble = Devices.Create(device, new EnsembleSetup(samples, specs, run.Dynamics, run.Seed), threads);
        ensemble.Sweep(run.EquilibrationSweeps);
        var before = ensemble.Snapshot();
        var ranked = new double[run.Samples, k, run.MeasurementSweeps];
        var energy = new double[run.Samples, run.MeasurementSweeps];
        var snap = before;
        var m = new double[k];
        for (int t = 0; t < run.MeasurementSweeps; t++)
        {
            cancel.ThrowIfCancellationRequested();
            ensemble.Sweep(1);
            snap = ensemble.Snapshot();
            for (int s = 0; s < run.Samples; s++)
            {
                var sums = snap.OverlapSums(s);
                for (int mu = 0; mu < k; mu++) m[mu] = Math.Abs(sums[mu]) / (double)n;
                Array.Sort(m, (a, b) => b.CompareTo(a));
                for (int r = 0; r < k; r++) ranked[s, r, t] = m[r];
                energy[s, t] = HebbianChain.EnergyPerSpin(sums, samples[s]);
            }
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var amplitudes = Enumerable.Range(0, k).Select(r => Binning.OverSamples(Enumerable.Range(0, run.Samples)
            .Select(s => Binning.Analyse(Enumerable.Range(0, run.MeasurementSweeps).Select(t => ranked[s, r, t]).ToArray())).ToList())).ToArray();
        var e = Binning.OverSamples(Enumerable.Range(0, run.Samples)
            .Select(s => Binning.Analyse(Enumerable.Range(0, run.MeasurementSweeps).Select(t => energy[s, t]).ToArray())).ToList());
        long attempts = (long)run.MeasurementSweeps * n * run.Samples;
        double acceptance = Enumerable.Range(0, run.Samples).Sum(c => snap.Accepted(c) - before.Accepted(c)) / (double)attempts;
        return new MultitaskResult(amplitudes, e, acceptance, (double)(run.EquilibrationSweeps + run.MeasurementSweeps) * n * run.Samples / seconds,
            ensemble.Device, HopfieldSimulation.StateHash(Enumerable.Range(0, run.Samples).Select(c => snap.Spins(c).ToArray()))) { Seconds = seconds };
    }
}
