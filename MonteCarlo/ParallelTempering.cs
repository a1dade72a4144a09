using System.Diagnostics;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Parallel tempering (replica exchange) for the classical model: for every disorder sample, R real
/// replicas each own one walker per temperature of the ladder. After every sweep, neighbouring
/// temperatures of each replica try to exchange their walkers (even pairs, then odd pairs, in turn)
/// with probability min(1, exp((beta_k - beta_k+1)(H_a - H_b))). Walkers keep their random streams,
/// so only temperatures move; energies are exact integers and the decision words come from Philox
/// under their own counter domain, so tempering is as reproducible as a single chain on every device.
/// With one temperature it is a plain multi-replica run.
/// </summary>
public sealed record TemperingRun
{
    public required int Neurons { get; init; }
    public required int Patterns { get; init; }
    public required IReadOnlyList<double> Temperatures { get; init; }
    public int EquilibrationSweeps { get; init; } = 200;
    public int MeasurementSweeps { get; init; } = 200;
    public int Samples { get; init; } = 1;
    public int Replicas { get; init; } = 2;
    public ulong Seed { get; init; } = 1;
    public Dynamics Dynamics { get; init; } = Dynamics.Metropolis;
    public InitialState Start { get; init; } = InitialState.Pattern;
    /// <summary>Bins of the q histogram over [-1, 1].</summary>
    public int HistogramBins { get; init; } = 40;

    public void Validate()
    {
        new HopfieldRun { Neurons = Neurons, Patterns = Patterns, Temperature = 1, MeasurementSweeps = MeasurementSweeps,
            EquilibrationSweeps = EquilibrationSweeps, Samples = Samples }.Validate();
        if (Temperatures.Count == 0) throw new ArgumentException("--temperatures needs at least one temperature");
        if (Temperatures.Any(t => !(t > 0) || double.IsInfinity(t))) throw new ArgumentException("--temperatures must be positive finite numbers");
        if (Temperatures.Distinct().Count() != Temperatures.Count) throw new ArgumentException("--temperatures must be distinct");
        if (Replicas < 1) throw new ArgumentException("--replicas must be at least 1");
    }
}

/// <summary>Measurements at one temperature of the ladder.</summary>
public sealed record TemperatureResult(double Temperature, Estimate Overlap, Estimate Energy, Estimate Binder, Estimate? Qab, double[]? QHistogram);

public sealed record TemperingResult(
    IReadOnlyList<TemperatureResult> Temperatures, double[] SwapAcceptance, double Acceptance,
    double AttemptsPerSecond, string Device, string FinalStateSha256);

public static class ParallelTempering
{
    /// <summary>Counter domain of the swap decisions (sweeps stay far below it).</summary>
    const uint SwapDomain = 0x80000000;

    public static TemperingResult Run(TemperingRun run, string device = Devices.Cpu, int threads = 0, CancellationToken cancel = default)
    {
        run.Validate();
        var ladder = run.Temperatures.OrderBy(t => t).ToArray();
        int k = ladder.Length, r = run.Replicas, n = run.Neurons, p = run.Patterns;
        var samples = Enumerable.Range(0, run.Samples).Select(s => PatternSet.Random(n, p, run.Seed, s)).ToList();
        // Chain (sample, replica, walker) has index (s R + a) K + w and random-stream id a K + w.
        var specs = new List<ChainSpec>();
        for (int s = 0; s < run.Samples; s++)
            for (int a = 0; a < r; a++)
                for (int w = 0; w < k; w++)
                    specs.Add(new ChainSpec(s, a * k + w, ladder[w], run.Start));
        using var ensemble = Devices.Create(device, new EnsembleSetup(samples, specs, run.Dynamics, run.Seed), threads);
        // at[s, a, t]: the chain now at temperature t.
        var at = new int[run.Samples, r, k];
        for (int s = 0; s < run.Samples; s++) for (int a = 0; a < r; a++) for (int t = 0; t < k; t++) at[s, a, t] = (s * r + a) * k + t;
        var rng = Philox4x32.FromSeed(run.Seed);
        var swapTried = new long[Math.Max(k - 1, 0)];
        var swapTaken = new long[Math.Max(k - 1, 0)];
        int round = 0;
        var clock = Stopwatch.StartNew();

        void Step(bool measure, Action<EnsembleSnapshot>? record)
        {
            cancel.ThrowIfCancellationRequested();
            ensemble.Sweep(1);
            if (k == 1 && !measure) return;
            var snap = ensemble.Snapshot();
            if (k > 1)
            {
                for (int s = 0; s < run.Samples; s++)
                    for (int a = 0; a < r; a++)
                        for (int t = round % 2; t + 1 < k; t += 2)
                        {
                            int lo = at[s, a, t], hi = at[s, a, t + 1];
                            // (beta_t - beta_t+1)(H_lo - H_hi), H = E2 / (2N) with E2 an exact integer.
                            double delta = (1 / ladder[t] - 1 / ladder[t + 1]) *
                                (HebbianChain.TwiceScaledEnergy(snap.OverlapSums(lo), samples[s]) - HebbianChain.TwiceScaledEnergy(snap.OverlapSums(hi), samples[s])) / (2.0 * n);
                            var (word, _, _, _) = rng.Next((uint)t, SwapDomain | (uint)round, (uint)s, (uint)a);
                            swapTried[t]++;
                            if (delta >= 0 || word < Math.Exp(delta) * 4294967296.0)
                            {
                                swapTaken[t]++;
                                (at[s, a, t], at[s, a, t + 1]) = (hi, lo);
                                ensemble.SetTemperature(hi, ladder[t]);
                                ensemble.SetTemperature(lo, ladder[t + 1]);
                            }
                        }
                round++;
            }
            record?.Invoke(snap);
        }

        for (int sw = 0; sw < run.EquilibrationSweeps; sw++) Step(false, null);
        var before = ensemble.Snapshot();

        // Series per (sample, temperature): overlaps and energies of every replica, q_ab of replicas 0 and 1.
        int steps = run.MeasurementSweeps;
        var overlap = new double[run.Samples, k, r, steps];
        var energy = new double[run.Samples, k, r, steps];
        var qab = new double[run.Samples, k, steps];
        var histogram = new long[k, run.HistogramBins];
        int step = 0;
        for (int sw = 0; sw < steps; sw++)
            Step(true, snap =>
            {
                for (int s = 0; s < run.Samples; s++)
                    for (int t = 0; t < k; t++)
                    {
                        for (int a = 0; a < r; a++)
                        {
                            var sums = snap.OverlapSums(at[s, a, t]);
                            overlap[s, t, a, step] = HopfieldSimulation.CondensedOverlap(sums, samples[s], run.Start);
                            energy[s, t, a, step] = HebbianChain.EnergyPerSpin(sums, samples[s]);
                        }
                        if (r >= 2)
                        {
                            double q = Overlap(snap.Spins(at[s, 0, t]), snap.Spins(at[s, 1, t]));
                            qab[s, t, step] = q;
                            int bin = Math.Min(run.HistogramBins - 1, (int)((q + 1) / 2 * run.HistogramBins));
                            histogram[t, bin]++;
                        }
                    }
                step++;
            });
        double seconds = clock.Elapsed.TotalSeconds;
        var after = ensemble.Snapshot();

        var results = new List<TemperatureResult>();
        for (int t = 0; t < k; t++)
        {
            var m = new List<Estimate>(); var e = new List<Estimate>(); var b = new List<Estimate>(); var q = new List<Estimate>();
            for (int s = 0; s < run.Samples; s++)
            {
                var ms = Pooled(overlap, s, t, r, steps);
                m.Add(Binning.Analyse(ms));
                e.Add(Binning.Analyse(Pooled(energy, s, t, r, steps)));
                b.Add(Binder(ms));
                if (r >= 2) q.Add(Binning.Analyse(Enumerable.Range(0, steps).Select(x => qab[s, t, x]).ToArray()));
            }
            double[]? hist = null;
            if (r >= 2)
            {
                long total = Enumerable.Range(0, run.HistogramBins).Sum(x => histogram[t, x]);
                hist = Enumerable.Range(0, run.HistogramBins).Select(x => histogram[t, x] / (double)total * run.HistogramBins / 2).ToArray(); // density on [-1, 1]
            }
            results.Add(new TemperatureResult(ladder[t], Binning.OverSamples(m), Binning.OverSamples(e), Binning.OverSamples(b),
                r >= 2 ? Binning.OverSamples(q) : null, hist));
        }
        long attempts = (long)(run.EquilibrationSweeps + steps) * n * specs.Count;
        long taken = Enumerable.Range(0, specs.Count).Sum(c => after.Accepted(c) - before.Accepted(c));
        return new TemperingResult(results,
            swapTried.Select((x, i) => x == 0 ? double.NaN : swapTaken[i] / (double)x).ToArray(),
            taken / ((double)steps * n * specs.Count), attempts / seconds, ensemble.Device, HopfieldSimulation.StateHash(Enumerable.Range(0, specs.Count).Select(c => after.Spins(c).ToArray())));
    }

    /// <summary>(1/N) sum_i s_i^a s_i^b.</summary>
    public static double Overlap(ReadOnlySpan<sbyte> a, ReadOnlySpan<sbyte> b)
    {
        long sum = 0;
        for (int i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum / (double)a.Length;
    }

    static double[] Pooled(double[,,,] series, int s, int t, int replicas, int steps)
    {
        // Interleaved by time so that blocking sees each replica's correlations at the same scale.
        var x = new double[replicas * steps];
        for (int step = 0; step < steps; step++)
            for (int a = 0; a < replicas; a++) x[step * replicas + a] = series[s, t, a, step];
        return x;
    }

    /// <summary>Binder cumulant 1 - m4 / (3 m2^2) with a jackknife error over 16 blocks of the series.</summary>
    public static Estimate Binder(ReadOnlySpan<double> m)
    {
        static double Cumulant(double m2, double m4) => 1 - m4 / (3 * m2 * m2);
        int blocks = Math.Min(16, m.Length), size = m.Length / blocks;
        var m2 = new double[blocks]; var m4 = new double[blocks];
        for (int b = 0; b < blocks; b++)
            for (int j = b * size; j < (b + 1) * size; j++) { double x2 = m[j] * m[j]; m2[b] += x2; m4[b] += x2 * x2; }
        double s2 = m2.Sum(), s4 = m4.Sum(), total = blocks * size;
        double full = Cumulant(s2 / total, s4 / total);
        if (blocks < 2) return new Estimate(full, double.NaN);
        var jack = Enumerable.Range(0, blocks).Select(b => Cumulant((s2 - m2[b]) / (total - size), (s4 - m4[b]) / (total - size))).ToArray();
        double mean = jack.Average();
        return new Estimate(full, Math.Sqrt((blocks - 1.0) / blocks * jack.Sum(x => (x - mean) * (x - mean))));
    }
}
