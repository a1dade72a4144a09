using FsCheck;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;
using Physics.Networks;

namespace Physics.MonteCarlo.Tests;

public class BookkeepingProperties
{
    [Property(MaxTest = 60)]
    public bool Overlaps_and_energy_stay_equal_to_a_recomputation(int seed, byte n, byte p, byte sweepsRaw, bool heatBath, bool diluted)
    {
        int neurons = 2 + n % 60, count = 1 + p % 40, sweeps = 1 + sweepsRaw % 20;
        var x = PatternSet.Random(neurons, count, (ulong)(uint)seed, 0, diluted ? 0.5 : 0);
        double t = 0.2 + (uint)seed % 20 * 0.1;
        var chain = new HebbianChain(x, t, heatBath ? Dynamics.HeatBath : Dynamics.Metropolis, (ulong)(uint)seed, 1, 2, InitialState.Random);
        for (int k = 0; k < sweeps; k++) chain.Sweep();
        var fresh = new short[x.Stride];
        x.OverlapSums(chain.Spins, fresh);
        bool same = fresh.AsSpan().SequenceEqual(chain.OverlapSums);
        double e = HebbianEnergy.Instance.Energy(x, chain.Spins) / neurons;
        return same && Math.Abs(e - chain.EnergyPerSpin()) < 1e-12;
    }

    [Property(MaxTest = 200)]
    public bool Acceptance_table_satisfies_detailed_balance(byte n, byte p, byte tRaw, short kRaw, bool heatBath)
    {
        // P(k) / P(-k) = exp(-beta Delta H) with Delta H = 2k/N, to the table's 2^-32 resolution.
        int neurons = 2 + n, patterns = 1 + p % 50;
        double t = 0.05 + tRaw / 50.0, beta = 1 / t;
        var table = new AcceptanceTable(neurons, patterns, t, heatBath ? Dynamics.HeatBath : Dynamics.Metropolis);
        long k = Math.Abs((long)kRaw) % (neurons * patterns + patterns);
        double forward = table.Probability(k), backward = table.Probability(-k);
        double expected = Math.Exp(-beta * 2.0 * k / neurons);
        return Math.Abs(forward - expected * backward) < 3e-9;
    }
}

public class BoltzmannTests
{
    /// <summary>
    /// For N = 8 the chain's histogram of visited states matches exp(-H/T)/Z from exact enumeration of
    /// all 256 states (chi-square at p = 0.001, fixed seed). States are recorded every 4 sweeps so
    /// that successive records are nearly independent.
    /// </summary>
    [Theory]
    [InlineData(Dynamics.Metropolis, 0.8)]
    [InlineData(Dynamics.HeatBath, 0.8)]
    [InlineData(Dynamics.Metropolis, 2.0)]
    [InlineData(Dynamics.HeatBath, 0.4)]
    [InlineData(Dynamics.Metropolis, 0.5, 0.5)]
    [InlineData(Dynamics.HeatBath, 0.3, 0.3, 12)]
    public void Histogram_matches_exact_enumeration(Dynamics dynamics, double temperature, double dilution = 0, int thin = 4)
    {
        const int n = 8, p = 3, records = 120_000;
        var x = PatternSet.Random(n, p, 11, 0, dilution);
        var weights = new double[1 << n];
        for (int state = 0; state < weights.Length; state++)
            weights[state] = Math.Exp(-HebbianEnergy.Instance.Energy(x, Spins(state, n)) / temperature);
        double z = weights.Sum();
        var chain = new HebbianChain(x, temperature, dynamics, 2024, 0, 0, InitialState.Random);
        var counts = new long[1 << n];
        for (int r = 0; r < records; r++)
        {
            for (int k = 0; k < thin; k++) chain.Sweep();
            counts[Index(chain.Spins)]++;
        }
        double chi2 = 0;
        int bins = 0;
        for (int s = 0; s < counts.Length; s++)
        {
            double expected = records * weights[s] / z;
            if (expected < 5) continue; // pooled below
            chi2 += (counts[s] - expected) * (counts[s] - expected) / expected;
            bins++;
        }
        double critical = ChiSquared.InvCDF(bins - 1, 0.999);
        Assert.True(chi2 < critical, $"chi2 = {chi2:F1} over {bins} bins, critical {critical:F1}");
    }

    static sbyte[] Spins(int state, int n) => Enumerable.Range(0, n).Select(i => (sbyte)(((state >> i) & 1) == 1 ? 1 : -1)).ToArray();

    static int Index(ReadOnlySpan<sbyte> s)
    {
        int index = 0;
        for (int i = 0; i < s.Length; i++) if (s[i] > 0) index |= 1 << i;
        return index;
    }
}

public class ReproducibilityTests
{
    static HopfieldRun Run(ulong seed) => new()
    {
        Neurons = 300, Patterns = 15, Temperature = 0.4, EquilibrationSweeps = 20, MeasurementSweeps = 40,
        Samples = 3, ChainsPerSample = 2, Seed = seed,
    };

    [Fact]
    public void Same_seed_gives_bitwise_the_same_results_whatever_the_thread_count()
    {
        var one = HopfieldSimulation.Run(Run(5), threads: 1);
        var two = HopfieldSimulation.Run(Run(5), threads: 2);
        var four = HopfieldSimulation.Run(Run(5), threads: 4);
        Assert.Equal(one.FinalStateSha256, two.FinalStateSha256);
        Assert.Equal(one.FinalStateSha256, four.FinalStateSha256);
        Assert.Equal(one.Overlap, two.Overlap);
        Assert.Equal(one.Energy, four.Energy);
        Assert.NotEqual(one.FinalStateSha256, HopfieldSimulation.Run(Run(6), threads: 2).FinalStateSha256);
    }

    [Fact]
    public void Chains_and_samples_are_distinct_streams()
    {
        var r = HopfieldSimulation.Run(Run(5) with { Start = InitialState.Random }, threads: 2);
        var finals = r.Chains.Select(c => string.Join("", c.FinalSpins)).ToList();
        Assert.Equal(finals.Count, finals.Distinct().Count());
    }
}

public class BinningTests
{
    [Fact]
    public void Independent_data_give_the_naive_error()
    {
        var rng = new Random(3);
        var x = Enumerable.Range(0, 1 << 14).Select(_ => Normal.Sample(rng, 0, 1)).ToArray();
        var e = Binning.Analyse(x);
        Assert.InRange(e.Error, 0.8 / 128, 1.3 / 128); // sigma / sqrt(n) = 1/128
    }

    [Fact]
    public void Correlated_data_give_the_larger_integrated_error()
    {
        // AR(1) with rho = 0.9: the error of the mean is sqrt((1 + rho)/(1 - rho)) = 4.36 times the naive one.
        var rng = new Random(4);
        int n = 1 << 16;
        var x = new double[n];
        for (int k = 1; k < n; k++) x[k] = 0.9 * x[k - 1] + Normal.Sample(rng, 0, 1);
        double sigma = 1 / Math.Sqrt(1 - 0.81), naive = sigma / Math.Sqrt(n);
        Assert.InRange(Binning.Analyse(x).Error / naive, 3.5, 5.2);
    }

    [Fact]
    public void Spread_over_samples_dominates_when_larger_than_thermal_noise()
    {
        var e = Binning.OverSamples([new(1.0, 0.001), new(2.0, 0.001), new(3.0, 0.001)]);
        Assert.Equal(2.0, e.Mean, 12);
        Assert.Equal(1 / Math.Sqrt(3), e.Error, 12);
        Assert.Equal(0.5, Binning.OverSamples([new(1.0, 0.5)]).Error, 12);
    }
}

public class DenseSamplerTests
{
    /// <summary>N = 8: the dense chain's histogram matches exp(-H/T)/Z with the exact distinct-index energy.</summary>
    [Theory]
    [InlineData(3, Dynamics.Metropolis, 0.3)]
    [InlineData(4, Dynamics.HeatBath, 0.2)]
    [InlineData(3, Dynamics.HeatBath, 0.15, 12)]
    public void Histogram_matches_exact_enumeration(int p, Dynamics dynamics, double temperature, int thin = 4)
    {
        const int n = 8, k = 3, records = 100_000;
        var x = PatternSet.Random(n, k, 21, 0);
        var energy = new DenseEnergy(p, n);
        var weights = new double[1 << n];
        for (int st = 0; st < weights.Length; st++)
            weights[st] = Math.Exp(-energy.Energy(x, Enumerable.Range(0, n).Select(i => (sbyte)(((st >> i) & 1) == 1 ? 1 : -1)).ToArray()) / temperature);
        double z = weights.Sum();
        var chain = new DenseChain(x, energy, temperature, dynamics, 31, 0, 0, InitialState.Random);
        var counts = new long[1 << n];
        for (int r = 0; r < records; r++)
        {
            for (int s = 0; s < thin; s++) chain.Sweep();
            int index = 0;
            for (int i = 0; i < n; i++) if (chain.Spins[i] > 0) index |= 1 << i;
            counts[index]++;
        }
        double chi2 = 0;
        int bins = 0;
        for (int st = 0; st < counts.Length; st++)
        {
            double expected = records * weights[st] / z;
            if (expected < 5) continue;
            chi2 += (counts[st] - expected) * (counts[st] - expected) / expected;
            bins++;
        }
        double critical = ChiSquared.InvCDF(Math.Max(bins - 1, 1), 0.999);
        Assert.True(chi2 < critical, $"chi2 = {chi2:F1} over {bins} bins, critical {critical:F1}");
    }

    [Fact]
    public void Bookkept_energy_equals_a_recomputation()
    {
        var x = PatternSet.Random(90, 12, 4, 0);
        var energy = new DenseEnergy(4, 90);
        var chain = new DenseChain(x, energy, 0.1, Dynamics.Metropolis, 5, 0, 0, InitialState.Random);
        for (int s = 0; s < 30; s++) chain.Sweep();
        Assert.Equal(energy.Energy(x, chain.Spins) / 90, chain.EnergyPerSpin(), 12);
        var fresh = new short[x.Stride];
        x.OverlapSums(chain.Spins, fresh);
        Assert.True(fresh.AsSpan().SequenceEqual(chain.OverlapSums));
    }
}
