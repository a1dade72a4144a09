using System.Diagnostics;
using Physics.MonteCarlo;
using Physics.Networks;

namespace Physics.Simulation;

/// <summary>
/// Cost of one dense (P-spin) attempt against one classical attempt with the same N and number of patterns K:
/// single native chains started in pattern 1 at the same temperature, timed alternately, medians reported.
/// </summary>
public static class DenseBenchmark
{
    public sealed record Settings(int Order = 3, int Neurons = 4000, int Patterns = 400, double Temperature = 0.1, int Sweeps = 20, int Repeats = 7, ulong Seed = 1,
        string Device = "cpu", int Chains = 1);

    public sealed record Outcome(double DenseAttemptsPerSecond, double ClassicalAttemptsPerSecond)
    {
        public string Device { get; init; } = "cpu";
        /// <summary>Cost of a dense attempt in classical attempts (target: at most about 1.2).</summary>
        public double CostRatio => ClassicalAttemptsPerSecond / DenseAttemptsPerSecond;
    }

    public static Outcome Run(Settings s)
    {
        string device = Devices.Resolve(s.Device);
        if (device != Devices.Cpu) return OnDevice(s, device);
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        var energy = new DenseEnergy(s.Order, s.Neurons);
        var dense = new DenseChain(patterns, energy, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
        var classical = new HebbianChain(patterns, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
        dense.Sweep(); classical.Sweep(); // JIT and first touch outside the timing
        var denseRates = new List<double>(); var classicalRates = new List<double>();
        for (int r = 0; r < s.Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int t = 0; t < s.Sweeps; t++) dense.Sweep();
            denseRates.Add((double)s.Sweeps * s.Neurons / clock.Elapsed.TotalSeconds);
            clock.Restart();
            for (int t = 0; t < s.Sweeps; t++) classical.Sweep();
            classicalRates.Add((double)s.Sweeps * s.Neurons / clock.Elapsed.TotalSeconds);
        }
        return new Outcome(Median(denseRates), Median(classicalRates));
    }

    static double Median(List<double> x) { x.Sort(); return x[x.Count / 2]; }

    /// <summary>
    /// Many chains of one disorder sample on an accelerator, dense against classical (both ILGPU engines, same N, K,
    /// chains and sweeps), kernel compilation outside the timing: aggregate attempts per second.
    /// </summary>
    static Outcome OnDevice(Settings s, string device)
    {
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        var specs = Enumerable.Range(0, s.Chains).Select(c => new ChainSpec(0, c, s.Temperature, InitialState.Pattern)).ToList();
        bool cuda = device == Devices.Cuda;
        using var dense = new IlgpuDenseEnsemble([patterns], new DenseEnergy(s.Order, s.Neurons), specs, Dynamics.Metropolis, s.Seed, cuda);
        using var classical = new IlgpuEnsemble(new EnsembleSetup([patterns], specs, Dynamics.Metropolis, s.Seed), cuda);
        dense.Sweep(1); classical.Sweep(1);
        var denseRates = new List<double>(); var classicalRates = new List<double>();
        for (int r = 0; r < s.Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            dense.Sweep(s.Sweeps);
            denseRates.Add((double)s.Chains * s.Sweeps * s.Neurons / clock.Elapsed.TotalSeconds);
            clock.Restart();
            classical.Sweep(s.Sweeps);
            classicalRates.Add((double)s.Chains * s.Sweeps * s.Neurons / clock.Elapsed.TotalSeconds);
        }
        return new Outcome(Median(denseRates), Median(classicalRates)) { Device = device };
    }
}
