using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>One chain of an ensemble: its disorder sample, its identity in the random stream, its temperature and start.</summary>
public readonly record struct ChainSpec(int Sample, int Chain, double Temperature, InitialState Start);

/// <summary>Host copy of every chain's state, in chain order.</summary>
public sealed class EnsembleSnapshot(int neurons, int stride, short[] sums, sbyte[] spins, long[] accepted)
{
    public ReadOnlySpan<short> OverlapSums(int chain) => sums.AsSpan(chain * stride, stride);
    public ReadOnlySpan<sbyte> Spins(int chain) => spins.AsSpan(chain * neurons, neurons);
    public long Accepted(int chain) => accepted[chain];
}

/// <summary>
/// Many chains of the classical model advanced together, on some device. Every chain's trajectory
/// is fixed by (seed, sample, chain) and its temperature history: the native CPU path and the ILGPU
/// kernels produce bitwise the same states.
/// </summary>
public interface IChainEnsemble : IDisposable
{
    /// <summary>"cpu", "ilgpu-cpu" or "cuda".</summary>
    string Device { get; }
    int Count { get; }
    /// <summary>Advance every chain by this many sweeps.</summary>
    void Sweep(int sweeps);
    /// <summary>Move a chain to another temperature (one of the ensemble's ladder).</summary>
    void SetTemperature(int chain, double temperature);
    EnsembleSnapshot Snapshot();
}

/// <summary>What every ensemble is built from.</summary>
public sealed record EnsembleSetup(IReadOnlyList<PatternSet> Samples, IReadOnlyList<ChainSpec> Chains, Dynamics Dynamics, ulong Seed)
{
    /// <summary>One table per distinct temperature, shared by the chains at it.</summary>
    public Dictionary<double, AcceptanceTable> Tables()
    {
        var p = Samples[0];
        return Chains.Select(c => c.Temperature).Distinct()
            .ToDictionary(t => t, t => new AcceptanceTable(p.Neurons, p.Count, t, Dynamics));
    }

    public void Validate()
    {
        if (Samples.Count == 0 || Chains.Count == 0) throw new ArgumentException("an ensemble needs samples and chains");
        if (Samples.Any(s => s.Neurons != Samples[0].Neurons || s.Count != Samples[0].Count))
            throw new ArgumentException("every disorder sample must have the same N and P");
        if (Chains.Any(c => c.Sample < 0 || c.Sample >= Samples.Count)) throw new ArgumentException("a chain names a missing sample");
    }
}

/// <summary>The native CPU path: one <see cref="HebbianChain"/> per chain (SIMD), chains in parallel on every core.</summary>
public sealed class CpuEnsemble : IChainEnsemble
{
    readonly HebbianChain[] chains;
    readonly Dictionary<double, AcceptanceTable> tables;
    readonly ParallelOptions options;

    public CpuEnsemble(EnsembleSetup setup, int threads = 0)
    {
        setup.Validate();
        tables = setup.Tables();
        chains = setup.Chains.Select(c => new HebbianChain(setup.Samples[c.Sample], tables[c.Temperature], setup.Seed, c.Sample, c.Chain, c.Start)).ToArray();
        options = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
    }

    public string Device => "cpu";
    public int Count => chains.Length;

    public void Sweep(int sweeps) => Parallel.For(0, chains.Length, options, c =>
    {
        for (int k = 0; k < sweeps; k++) chains[c].Sweep();
    });

    public void SetTemperature(int chain, double temperature)
        => chains[chain].Table = tables.TryGetValue(temperature, out var t) ? t : throw new ArgumentException($"temperature {temperature} is not on the ensemble's ladder");

    public EnsembleSnapshot Snapshot()
    {
        var p = chains[0].Patterns;
        var sums = new short[chains.Length * p.Stride];
        var spins = new sbyte[chains.Length * p.Neurons];
        for (int c = 0; c < chains.Length; c++)
        {
            chains[c].OverlapSums.CopyTo(sums.AsSpan(c * p.Stride));
            chains[c].Spins.CopyTo(spins.AsSpan(c * p.Neurons));
        }
        return new EnsembleSnapshot(p.Neurons, p.Stride, sums, spins, chains.Select(c => c.Accepted).ToArray());
    }

    public void Dispose() { }
}
