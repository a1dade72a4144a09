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
        string Device = "cpu", int Chains = 1, DenseKernelForm Kernel = DenseKernelForm.Auto);

    public sealed record Outcome(double DenseAttemptsPerSecond, double ClassicalAttemptsPerSecond)
    {
        public string Device { get; init; } = "cpu";
        /// <summary>On an accelerator, how the dense kernel found the flip parts: "polynomial" or "tables" (null on the native path).</summary>
        public string? Kernel { get; init; }
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
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        var energy = new DenseEnergy(s.Order, s.Neurons);
        if (device == Devices.Cpu)
        {
            HebbianChain Classical(double t) => new(patterns, t, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
            var dense = new DenseChain(patterns, energy, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
            return Compare(s with { Chains = 1 }, patterns, device, Native(dense.Sweep, () => dense.Accepted), t => { var c = Classical(t); return Native(c.Sweep, () => c.Accepted); });
        }
        // Many chains of one disorder sample on the accelerator, both ILGPU engines, aggregate attempts per second.
        bool cuda = device == Devices.Cuda;
        var specs = Enumerable.Range(0, s.Chains).Select(c => new ChainSpec(0, c, s.Temperature, InitialState.Pattern)).ToList();
        var engines = new List<IDisposable>();
        try
        {
            var dense = new IlgpuDenseEnsemble([patterns], energy, specs, Dynamics.Metropolis, s.Seed, cuda, s.Kernel);
            engines.Add(dense);
            var outcome = Compare(s, patterns, device, new Engine(dense.Sweep, () => dense.Snapshot().Accepted.Sum()), t =>
            {
                var e = new IlgpuEnsemble(new EnsembleSetup([patterns], specs.Select(c => c with { Temperature = t }).ToList(), Dynamics.Metropolis, s.Seed), cuda);
                engines.Add(e);
                return new Engine(e.Sweep, () => { var snap = e.Snapshot(); return Enumerable.Range(0, s.Chains).Sum(c => snap.Accepted(c)); });
            });
            return outcome with { Kernel = dense.PolynomialForm ? "polynomial" : "tables" };
        }
        finally { foreach (var e in engines) e.Dispose(); }
    }

    /// <summary>Sweeps n sweeps; the flips accepted so far (all chains).</summary>
    sealed record Engine(Action<int> Sweep, Func<long> Accepted);

    static Engine Native(Func<long> sweep, Func<long> accepted) => new(n => { for (int t = 0; t < n; t++) sweep(); }, accepted);

    /// <summary>
    /// The dense engine against a classical one at the same temperature and one at the temperature where it accepts
    /// the dense engine's fraction of flips, timed alternately (kernel compilation, JIT and warm-up outside the timing).
    /// </summary>
    static Outcome Compare(Settings s, PatternSet patterns, string device, Engine dense, Func<double, Engine> classicalAt)
    {
        var classical = classicalAt(s.Temperature);
        // After the dense warm-up (a chain started in a pattern may melt), the acceptance to match.
        dense.Sweep(s.Sweeps); classical.Sweep(1);
        int measured = Math.Max(s.Sweeps, (int)Math.Ceiling(20000.0 / ((double)s.Neurons * s.Chains))); // at least 20000 attempts
        long warm = dense.Accepted();
        dense.Sweep(measured);
        double matchedTemperature = MatchingTemperature(patterns, (dense.Accepted() - warm) / ((double)s.Chains * measured * s.Neurons), s.Seed);
        var matched = classicalAt(matchedTemperature);
        matched.Sweep(1);
        Engine[] engines = [dense, classical, matched];
        var from = engines.Select(e => e.Accepted()).ToArray();
        var rates = engines.Select(_ => new List<double>()).ToArray();
        // Each timing spans at least 50000 attempts: 20 sweeps of a small network took well under a millisecond, and
        // single runs of one case scattered by 0.5 classical attempts on a loaded machine.
        int timed = Math.Max(s.Sweeps, (int)Math.Ceiling(50000.0 / ((double)s.Neurons * s.Chains)));
        for (int r = 0; r < s.Repeats; r++)
            for (int e = 0; e < engines.Length; e++)
            {
                var clock = Stopwatch.StartNew();
                engines[e].Sweep(timed);
                rates[e].Add((double)s.Chains * timed * s.Neurons / clock.Elapsed.TotalSeconds);
            }
        double attempts = (double)s.Repeats * s.Chains * timed * s.Neurons;
        double Acceptance(int e) => (engines[e].Accepted() - from[e]) / attempts;
        return new Outcome(Median(rates[0]), Median(rates[1]))
        {
            Device = device, DenseAcceptance = Acceptance(0), ClassicalAcceptance = Acceptance(1),
            MatchedTemperature = matchedTemperature, MatchedAcceptance = Acceptance(2), MatchedAttemptsPerSecond = Median(rates[2]),
        };
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
}
