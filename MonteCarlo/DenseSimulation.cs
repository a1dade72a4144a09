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
        if (!(Load >= 0) || double.IsInfinity(Load)) throw new ArgumentException($"--alpha must be a finite number >= 0, not {Load}");
        // K = alpha N^(P-1) grows fast with N: refuse a load whose patterns would not fit before K is rounded to an int.
        double count = Math.Round(Load * Math.Pow(Neurons, Order - 1));
        if (!PatternSet.Fits(Neurons, count))
            throw new ArgumentException($"--alpha {Load} at --neurons {Neurons} (K = alpha N^{Order - 1}): {PatternSet.TooMany(Neurons, count)}; lower --alpha or --neurons");
        new HopfieldRun { Neurons = Neurons, Patterns = Patterns, Temperature = Temperature, MeasurementSweeps = MeasurementSweeps,
            EquilibrationSweeps = EquilibrationSweeps, Samples = Samples }.Validate();
    }
}

/// <summary>
/// Independent disorder samples of the dense network, each one chain: in parallel on the native CPU
/// (<see cref="DenseChain"/>), or on an ILGPU accelerator (<see cref="IlgpuDenseEnsemble"/>), which reaches the
/// same states bit for bit. The condensed overlap and the energy per spin with blocking errors, combined over samples.
/// </summary>
public static class DenseSimulation
{
    public static HopfieldResult Run(DenseRun run, int threads = 0, CancellationToken cancel = default, string device = Devices.Cpu)
    {
        run.Validate();
        var energy = new DenseEnergy(run.Order, run.Neurons);
        string resolved = Devices.Resolve(device);
        var clock = Stopwatch.StartNew();
        var chains = resolved == Devices.Cpu ? RunNative(run, energy, threads, cancel) : RunOnDevice(run, energy, resolved == Devices.Cuda, cancel);
        double seconds = clock.Elapsed.TotalSeconds;
        long attempts = chains.Sum(c => c.Attempts);
        return new HopfieldResult(Binning.OverSamples(chains.Select(c => c.Overlap).ToList()), Binning.OverSamples(chains.Select(c => c.Energy).ToList()),
            chains.Average(c => c.Acceptance), attempts / seconds, attempts, seconds, HopfieldSimulation.StateHash(chains.Select(c => c.FinalSpins)), chains)
            { Device = resolved };
    }

    static ChainResult[] RunNative(DenseRun run, DenseEnergy energy, int threads, CancellationToken cancel)
    {
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
        return chains;
    }

    static ChainResult[] RunOnDevice(DenseRun run, DenseEnergy energy, bool cuda, CancellationToken cancel)
    {
        var samples = Enumerable.Range(0, run.Samples).Select(s => PatternSet.Random(run.Neurons, run.Patterns, run.Seed, s)).ToList();
        var specs = Enumerable.Range(0, run.Samples).Select(s => new ChainSpec(s, 0, run.Temperature, run.Start)).ToList();
        using var ensemble = new IlgpuDenseEnsemble(samples, energy, specs, run.Dynamics, run.Seed, cuda);
        ensemble.Sweep(run.EquilibrationSweeps);
        var snap = ensemble.Snapshot();
        var before = snap.Accepted;
        var m = new double[run.Samples, run.MeasurementSweeps];
        var e = new double[run.Samples, run.MeasurementSweeps];
        int stride = samples[0].Stride;
        var sums = new short[stride];
        for (int sw = 0; sw < run.MeasurementSweeps; sw++)
        {
            cancel.ThrowIfCancellationRequested();
            ensemble.Sweep(1);
            snap = ensemble.Snapshot();
            for (int s = 0; s < run.Samples; s++)
            {
                for (int mu = 0; mu < stride; mu++) sums[mu] = (short)snap.Sums[s * stride + mu];
                m[s, sw] = HopfieldSimulation.CondensedOverlap(sums, samples[s], run.Start);
                e[s, sw] = energy.Energy(samples[s], sums) / run.Neurons;
            }
        }
        long perChain = (long)(run.EquilibrationSweeps + run.MeasurementSweeps) * run.Neurons;
        return Enumerable.Range(0, run.Samples).Select(s => new ChainResult(s, 0,
            Binning.Analyse(Enumerable.Range(0, run.MeasurementSweeps).Select(t => m[s, t]).ToArray()),
            Binning.Analyse(Enumerable.Range(0, run.MeasurementSweeps).Select(t => e[s, t]).ToArray()),
            (snap.Accepted[s] - before[s]) / ((double)run.MeasurementSweeps * run.Neurons), perChain,
            snap.Spins.AsSpan(s * run.Neurons, run.Neurons).ToArray())).ToArray();
    }
}
