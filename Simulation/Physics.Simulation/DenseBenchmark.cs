using System.Diagnostics;
using Physics.MonteCarlo;
using Physics.Networks;

namespace Physics.Simulation;

/// <summary>
/// Cost of one dense (P-spin) attempt against one classical attempt with the same N and number of patterns K:
/// single native chains started in pattern 1 at the same temperature, timed alternately, medians reported.
/// An accepted attempt costs more than a rejected one in both models (it moves the overlaps), and at one temperature
/// the two models can sit in different phases (a P = 3 chain at T = 0.5 is paramagnetic and accepts nearly every
/// flip; a classical one at alpha = 0.1 retrieves and rejects most), so a third chain, classical at the temperature
/// where it accepts the same fraction of flips as the dense one, is timed alongside: the cost of the dense model's
/// own arithmetic, like for like.
/// </summary>
public static class DenseBenchmark
{
    public sealed record Settings(int Order = 3, int Neurons = 4000, int Patterns = 400, double Temperature = 0.1, int Sweeps = 20, int Repeats = 7, ulong Seed = 1,
        string Device = "cpu", int Chains = 1);

    public sealed record Outcome(double DenseAttemptsPerSecond, double ClassicalAttemptsPerSecond)
    {
        public string Device { get; init; } = "cpu";
        /// <summary>Cost of a dense attempt in classical attempts at the same temperature (target: at most about 1.2).</summary>
        public double CostRatio => ClassicalAttemptsPerSecond / DenseAttemptsPerSecond;
        /// <summary>Fractions of attempts accepted during the timed sweeps.</summary>
        public double DenseAcceptance { get; init; }
        public double ClassicalAcceptance { get; init; }
        /// <summary>The classical chain accepting the dense chain's fraction of flips: its temperature, acceptance and rate.</summary>
        public double MatchedTemperature { get; init; }
        public double MatchedAcceptance { get; init; }
        public double MatchedAttemptsPerSecond { get; init; }
        /// <summary>Cost of a dense attempt in attempts of the classical chain with the same acceptance.</summary>
        public double MatchedCostRatio => MatchedAttemptsPerSecond / DenseAttemptsPerSecond;
    }

    public static Outcome Run(Settings s)
    {
        string device = Devices.Resolve(s.Device);
        if (device != Devices.Cpu) return OnDevice(s, device);
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        var energy = new DenseEnergy(s.Order, s.Neurons);
        var dense = new DenseChain(patterns, energy, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
        var classical = new HebbianChain(patterns, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
        // JIT and first touch outside the timing; after the dense chain's warm-up (a chain started in a pattern may
        // melt), the acceptance to match.
        for (int t = 0; t < s.Sweeps; t++) dense.Sweep();
        classical.Sweep();
        int measured = AcceptanceSweeps(s);
        long warm = 0;
        for (int t = 0; t < measured; t++) warm += dense.Sweep();
        double matchedTemperature = MatchingTemperature(patterns, (double)warm / ((long)measured * s.Neurons), s.Seed);
        var matched = new HebbianChain(patterns, matchedTemperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
        matched.Sweep();
        var denseRates = new List<double>(); var classicalRates = new List<double>(); var matchedRates = new List<double>();
        long denseFrom = dense.Accepted, classicalFrom = classical.Accepted, matchedFrom = matched.Accepted;
        for (int r = 0; r < s.Repeats; r++)
        {
            denseRates.Add(Rate(s, 1, () => { for (int t = 0; t < s.Sweeps; t++) dense.Sweep(); }));
            classicalRates.Add(Rate(s, 1, () => { for (int t = 0; t < s.Sweeps; t++) classical.Sweep(); }));
            matchedRates.Add(Rate(s, 1, () => { for (int t = 0; t < s.Sweeps; t++) matched.Sweep(); }));
        }
        double attempts = (double)s.Repeats * s.Sweeps * s.Neurons;
        return new Outcome(Median(denseRates), Median(classicalRates))
        {
            DenseAcceptance = (dense.Accepted - denseFrom) / attempts, ClassicalAcceptance = (classical.Accepted - classicalFrom) / attempts,
            MatchedTemperature = matchedTemperature, MatchedAcceptance = (matched.Accepted - matchedFrom) / attempts, MatchedAttemptsPerSecond = Median(matchedRates),
        };
    }

    /// <summary>Sweeps after the warm-up over which the dense acceptance to match is counted: at least 20000 attempts.</summary>
    static int AcceptanceSweeps(Settings s) => Math.Max(s.Sweeps, (int)Math.Ceiling(20000.0 / ((double)s.Neurons * s.Chains)));

    static double Rate(Settings s, int chains, Action sweeps)
    {
        var clock = Stopwatch.StartNew();
        sweeps();
        return (double)chains * s.Sweeps * s.Neurons / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// The temperature at which a classical chain on these patterns (started in pattern 1) accepts the given fraction
    /// of Metropolis attempts: bisection in ln T over [1e-3, 1e4], each point from a short run of its own chain
    /// (acceptance grows with T) of at least 3 sweeps and 20000 attempts (a standard error below 0.4 %).
    /// </summary>
    public static double MatchingTemperature(PatternSet patterns, double acceptance, ulong seed)
    {
        int sweeps = Math.Max(3, (20000 + patterns.Neurons - 1) / patterns.Neurons);
        double low = Math.Log(1e-3), high = Math.Log(1e4);
        for (int step = 0; step < 24; step++)
        {
            double middle = 0.5 * (low + high);
            var chain = new HebbianChain(patterns, Math.Exp(middle), Dynamics.Metropolis, seed, 0, 1, InitialState.Pattern);
            chain.Sweep(); chain.Sweep();
            long accepted = 0;
            for (int t = 0; t < sweeps; t++) accepted += chain.Sweep();
            if (accepted < acceptance * sweeps * patterns.Neurons) low = middle; else high = middle;
        }
        return Math.Exp(0.5 * (low + high));
    }

    static double Median(List<double> x) { x.Sort(); return x[x.Count / 2]; }

    /// <summary>
    /// Many chains of one disorder sample on an accelerator, dense against classical (both ILGPU engines, same N, K,
    /// chains and sweeps, and the classical ensemble at the matching temperature), kernel compilation outside the timing:
    /// aggregate attempts per second.
    /// </summary>
    static Outcome OnDevice(Settings s, string device)
    {
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        var specs = Enumerable.Range(0, s.Chains).Select(c => new ChainSpec(0, c, s.Temperature, InitialState.Pattern)).ToList();
        bool cuda = device == Devices.Cuda;
        using var dense = new IlgpuDenseEnsemble([patterns], new DenseEnergy(s.Order, s.Neurons), specs, Dynamics.Metropolis, s.Seed, cuda);
        using var classical = new IlgpuEnsemble(new EnsembleSetup([patterns], specs, Dynamics.Metropolis, s.Seed), cuda);
        dense.Sweep(s.Sweeps); classical.Sweep(1); // kernel compilation and warm-up outside the timing
        long Total(long[] accepted) => accepted.Sum();
        long Classical(IlgpuEnsemble e) { var snap = e.Snapshot(); long a = 0; for (int c = 0; c < s.Chains; c++) a += snap.Accepted(c); return a; }
        double chainAttempts = (double)s.Chains * s.Sweeps * s.Neurons;
        long warm = Total(dense.Snapshot().Accepted);
        int measured = AcceptanceSweeps(s);
        dense.Sweep(measured);
        double matchedTemperature = MatchingTemperature(patterns, (Total(dense.Snapshot().Accepted) - warm) / ((double)s.Chains * measured * s.Neurons), s.Seed);
        var matchedSpecs = specs.Select(c => c with { Temperature = matchedTemperature }).ToList();
        using var matched = new IlgpuEnsemble(new EnsembleSetup([patterns], matchedSpecs, Dynamics.Metropolis, s.Seed), cuda);
        matched.Sweep(1);
        long denseFrom = Total(dense.Snapshot().Accepted), classicalFrom = Classical(classical), matchedFrom = Classical(matched);
        var denseRates = new List<double>(); var classicalRates = new List<double>(); var matchedRates = new List<double>();
        for (int r = 0; r < s.Repeats; r++)
        {
            denseRates.Add(Rate(s, s.Chains, () => dense.Sweep(s.Sweeps)));
            classicalRates.Add(Rate(s, s.Chains, () => classical.Sweep(s.Sweeps)));
            matchedRates.Add(Rate(s, s.Chains, () => matched.Sweep(s.Sweeps)));
        }
        double attempts = s.Repeats * chainAttempts;
        return new Outcome(Median(denseRates), Median(classicalRates))
        {
            Device = device,
            DenseAcceptance = (Total(dense.Snapshot().Accepted) - denseFrom) / attempts, ClassicalAcceptance = (Classical(classical) - classicalFrom) / attempts,
            MatchedTemperature = matchedTemperature, MatchedAcceptance = (Classical(matched) - matchedFrom) / attempts, MatchedAttemptsPerSecond = Median(matchedRates),
        };
    }
}
