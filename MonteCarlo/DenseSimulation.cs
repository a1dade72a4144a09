using System.Diagnostics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>A Monte Carlo run of the dense (P-spin) network: K = round(alpha N^(P-1)) patterns at temperature T.</summary>
public sealed record DenseRun
{
    public required int Order { get; init; }
    public required int Neurons { get; init; }
    public required double Load { get; init; }
    public required double Temperature { get; init; }
    public int EquilibrationSweeps { get; init; } = 100;
    public int MeasurementSweeps { get; init; } = 300;
    public int Samples { get; init; } = 2;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;

    public int Patterns => Math.Max(1, (int)Math.Round(Load * Math.Pow(Neurons, Order - 1)));

    public void Validate()
    {
        if (Order < 2) throw new ArgumentException("--p must be at least 2");
        if (Neurons < Order) throw new ArgumentException("--neurons must be at least P");
        new HopfieldRun { Neurons = Neurons, Patterns = Patterns, Temperature = Temperature, MeasurementSweeps = MeasurementSweeps,
            EquilibrationSweeps = EquilibrationSweeps, Samples = Samples }.Validate();
    }
}

/// <summary>
/// Independent disorder samples of the dense network in parallel (native CPU), each a <see cref="DenseChain"/>;
/// the condensed overlap and the energy per spin with blocking errors, combined over samples.
/// </summary>
public static class DenseSimulation
{
    public static HopfieldResult Run(DenseRun run, int threads = 0, CancellationToken cancel = default)
    {
        run.Validate();
        var energy = new DenseEnergy(run.Order, run.Neurons);
        var clock = Stopwatch.StartNew();
        var chains = new ChainResult[run.Samples];
        Parallel.For(0, run.Samples, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount, CancellationToken = cancel }, sample =>
        {
            var x = PatternSet.Random(run.Neurons, run.Patterns, run.Seed, sample);
            var chain = new DenseChain(x, energy, run.Temperature, run.Dynamics, run.Seed, sample, 0, run.Start);
            for (int sw = 0; sw < run.EquilibrationSweeps; sw++) { cancel.ThrowIfCancellationRequested(); chain.Sweep(); }
            var m = new double[run.MeasurementSweeps];
            var e = new double[run.MeasurementSweeps];
            long taken = 0;
            for (int sw = 0; sw < run.MeasurementSweeps; sw++)
            {
                cancel.ThrowIfCancellationRequested();
                taken += chain.Sweep();
                m[sw] = HopfieldSimulation.CondensedOverlap(chain.OverlapSums, x, run.Start);
                e[sw] = chain.EnergyPerSpin();
            }
            chains[sample] = new ChainResult(sample, 0, Binning.Analyse(m), Binning.Analyse(e), taken / ((double)run.MeasurementSweeps * run.Neurons),
                chain.Attempts, chain.Spins.ToArray());
        });
        double seconds = clock.Elapsed.TotalSeconds;
        long attempts = chains.Sum(c => c.Attempts);
        return new HopfieldResult(Binning.OverSamples(chains.Select(c => c.Overlap).ToList()), Binning.OverSamples(chains.Select(c => c.Energy).ToList()),
            chains.Average(c => c.Acceptance), attempts / seconds, attempts, seconds, HopfieldSimulation.StateHash(chains.Select(c => c.FinalSpins)), chains);
    }
}
