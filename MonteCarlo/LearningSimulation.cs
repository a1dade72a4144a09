using System.Diagnostics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// A Markov chain on couplings learned from examples (<see cref="LearnedCouplings"/>), with integer overlap
/// bookkeeping: O(K) per attempt (O(K M) for the unsupervised rule). Sites and acceptance words come from the
/// same Philox counters as the classical chain; acceptance is min(1, exp(-beta Delta E)) (Metropolis) or
/// 1/(1 + exp(beta Delta E)) (heat bath) against a 32-bit word.
/// </summary>
public sealed class LearningChain
{
    readonly LearnedCouplings couplings;
    readonly Philox4x32 rng;
    readonly sbyte[] spins;
    readonly long[] sums;
    readonly uint sample, chain;
    readonly double beta;
    readonly Dynamics dynamics;
    uint sweepIndex;

    public LearningChain(LearnedCouplings couplings, sbyte[] start, double temperature, Dynamics dynamics, ulong seed, int sample, int chain)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive finite number");
        this.couplings = couplings; this.dynamics = dynamics;
        beta = 1 / temperature;
        rng = Philox4x32.FromSeed(seed);
        this.sample = (uint)sample; this.chain = (uint)chain;
        spins = (sbyte[])start.Clone();
        sums = couplings.OverlapSums(spins);
    }

    public ReadOnlySpan<sbyte> Spins => spins;
    public ReadOnlySpan<long> OverlapSums => sums;
    public long Attempts { get; private set; }

    public double Energy() => couplings.Energy(sums);

    public long Sweep()
    {
        int n = couplings.Neurons;
        uint sweep = sweepIndex++;
        long accepted = 0;
        for (int pair = 0; 2 * pair < n; pair++)
        {
            var (w0, w1, w2, w3) = rng.Next((uint)pair, sweep, sample, chain);
            accepted += Attempt(w0, w1);
            if (2 * pair + 1 < n) accepted += Attempt(w2, w3);
        }
        Attempts += n;
        return accepted;
    }

    int Attempt(uint siteWord, uint acceptWord)
    {
        int i = Philox4x32.Below(siteWord, couplings.Neurons), si = spins[i];
        double x = beta * 2 * couplings.Scale / couplings.Neurons * couplings.FlipNumerator(i, si, sums);
        double p = dynamics == Dynamics.Metropolis ? (x <= 0 ? 1 : Math.Exp(-x)) : 1 / (1 + Math.Exp(x));
        if (!(acceptWord < p * 4294967296.0)) return 0;
        couplings.Flip(i, si, sums);
        spins[i] = (sbyte)-si;
        return 1;
    }
}

/// <summary>A Monte Carlo run of a network learned from M examples per archetype by one rule, at temperature T.</summary>
public sealed record LearningRun
{
    public required int Neurons { get; init; }
    public required int Patterns { get; init; }
    public required double Quality { get; init; }
    public required int Examples { get; init; }
    public required bool Supervised { get; init; }
    public required double Temperature { get; init; }
    public double Dilution { get; init; }
    public int EquilibrationSweeps { get; init; } = 200;
    public int MeasurementSweeps { get; init; } = 300;
    public int Samples { get; init; } = 2;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;

    public void Validate()
    {
        new MultitaskRun { Neurons = Neurons, Patterns = Patterns, Dilution = Dilution, Temperature = Temperature,
            MeasurementSweeps = MeasurementSweeps, EquilibrationSweeps = EquilibrationSweeps, Samples = Samples }.Validate();
        if (!(Quality > 0 && Quality <= 1)) throw new ArgumentException("--quality must lie in (0, 1]");
        if (Examples < 1) throw new ArgumentException("--examples must be at least 1");
    }
}

/// <summary>
/// Overlaps of a learned network: with the archetypes (never shown to the network) and with the example means
/// xihat = (1/M) sum_a eta^a, for archetype 1 (pattern start) or the largest (random start), with blocking errors over samples.
/// </summary>
public sealed record LearningResult(Estimate ArchetypeOverlap, Estimate ExampleOverlap, Estimate Energy, double Acceptance,
    double AttemptsPerSecond, string FinalStateSha256, double Entropy)
{
    /// <summary>The largest |overlap| with the other archetypes (0 for K = 1): nonzero where several are retrieved at once.</summary>
    public Estimate OtherArchetypes { get; init; } = new(0, 0);
}

public static class LearningSimulation
{
    public static LearningResult Run(LearningRun run, int threads = 0, CancellationToken cancel = default)
    {
        run.Validate();
        int n = run.Neurons, k = run.Patterns;
        var archetypes = new Estimate[run.Samples]; var others = new Estimate[run.Samples]; var examples = new Estimate[run.Samples]; var energies = new Estimate[run.Samples];
        var accepted = new long[run.Samples]; var finals = new sbyte[run.Samples][];
        double entropy = ExampleSet.DatasetEntropy(run.Quality, run.Examples);
        var clock = Stopwatch.StartNew();
        Parallel.For(0, run.Samples, new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount, CancellationToken = cancel }, s =>
        {
            var xi = PatternSet.Random(n, k, run.Seed, s, run.Dilution);
            var set = ExampleSet.Generate(xi, run.Quality, run.Examples, run.Seed, s);
            var couplings = LearnedCouplings.Build(set, run.Supervised);
            // M xihat, for the example overlaps: the supervised couplings' own stored vectors, built apart only for the unsupervised rule.
            var means = run.Supervised ? null : LearnedCouplings.Build(set, supervised: true);
            var chain = new LearningChain(couplings, HebbianChain.InitialSpins(xi, run.Seed, s, 0, run.Start), run.Temperature, run.Dynamics, run.Seed, s, 0);
            for (int t = 0; t < run.EquilibrationSweeps; t++) { cancel.ThrowIfCancellationRequested(); chain.Sweep(); }
            var m = new double[run.MeasurementSweeps]; var e = new double[run.MeasurementSweeps]; var nu = new double[run.MeasurementSweeps];
            var other = new double[run.MeasurementSweeps];
            var overlaps = new short[xi.Stride];
            for (int t = 0; t < run.MeasurementSweeps; t++)
            {
                cancel.ThrowIfCancellationRequested();
                accepted[s] += chain.Sweep();
                xi.OverlapSums(chain.Spins, overlaps);
                var exampleSums = means is null ? chain.OverlapSums : means.OverlapSums(chain.Spins);
                int which = 0;
                if (run.Start == InitialState.Random)
                    for (int mu = 1; mu < k; mu++) if (Math.Abs(overlaps[mu]) > Math.Abs(overlaps[which])) which = mu;
                int sign = run.Start == InitialState.Random && overlaps[which] < 0 ? -1 : 1;
                m[t] = sign * overlaps[which] / (double)n;
                nu[t] = sign * exampleSums[which] / ((double)n * run.Examples);
                e[t] = chain.Energy() / n;
                for (int mu = 0; mu < k; mu++) if (mu != which) other[t] = Math.Max(other[t], Math.Abs(overlaps[mu]) / (double)n);
            }
            archetypes[s] = Binning.Analyse(m); others[s] = Binning.Analyse(other); examples[s] = Binning.Analyse(nu); energies[s] = Binning.Analyse(e);
            finals[s] = chain.Spins.ToArray();
        });
        double seconds = clock.Elapsed.TotalSeconds;
        long attempts = (long)(run.EquilibrationSweeps + run.MeasurementSweeps) * n * run.Samples;
        return new LearningResult(Binning.OverSamples(archetypes), Binning.OverSamples(examples), Binning.OverSamples(energies),
            accepted.Sum() / ((double)run.MeasurementSweeps * n * run.Samples), attempts / seconds, HopfieldSimulation.StateHash(finals), entropy)
            { OtherArchetypes = Binning.OverSamples(others) };
    }
}
