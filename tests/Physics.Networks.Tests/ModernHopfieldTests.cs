using FsCheck;
using FsCheck.Xunit;
using Physics.Networks;

namespace Physics.Networks.Tests;

public class ModernHopfieldTests
{
    static (ModernHopfield Net, double[] Query) Random(int seed, byte nRaw, byte dRaw, byte betaRaw)
    {
        int n = 2 + nRaw % 30, d = 2 + dRaw % 16;
        double beta = 0.05 + betaRaw / 16.0;
        var rng = new System.Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 4 - 2).ToArray()).ToArray();
        var q = Enumerable.Range(0, d).Select(_ => rng.NextDouble() * 6 - 3).ToArray();
        return (new ModernHopfield(x, beta), q);
    }

    [Property(MaxTest = 300)]
    public bool Energy_never_increases_under_the_update(int seed, byte n, byte d, byte beta)
    {
        var (net, q) = Random(seed, n, d, beta);
        var trace = net.Iterate(q, maxSteps: 20);
        return trace.Zip(trace.Skip(1), (a, b) => b.Energy <= a.Energy + 1e-10 * Math.Max(1, Math.Abs(a.Energy))).All(x => x);
    }

    [Property(MaxTest = 300)]
    public bool Energy_of_updated_states_lies_between_zero_and_twice_M_squared(int seed, byte n, byte d, byte beta)
    {
        var (net, q) = Random(seed, n, d, beta);
        var (state, _) = net.Update(q); // in the convex hull of the patterns
        double e = net.Energy(state);
        return e >= -1e-12 && e <= 2 * net.Radius * net.Radius + 1e-12;
    }

    [Property(MaxTest = 200)]
    public bool Converged_states_are_fixed_points(int seed, byte n, byte d, byte beta)
    {
        var (net, q) = Random(seed, n, d, beta);
        var last = net.Iterate(q, maxSteps: 5000, tolerance: 1e-13)[^1].State;
        var (again, _) = net.Update(last);
        return again.Zip(last, (a, b) => Math.Abs(a - b)).Max() < 1e-9;
    }

    [Fact]
    public void One_update_is_scaled_dot_product_attention()
    {
        // Independent attention: Z = softmax(Q K^T / sqrt(d_k)) V with V = K, computed here row by row.
        const int n = 7, d = 5;
        var keys = ModernHopfield.RandomSphere(n, d, 2.0, 3);
        var queries = ModernHopfield.RandomSphere(4, d, 1.5, 3, stream: 1);
        double scale = 1 / Math.Sqrt(d);
        var net = new ModernHopfield(keys, scale);
        foreach (var q in queries)
        {
            var logits = keys.Select(k => k.Zip(q, (a, b) => a * b).Sum() * scale).ToArray();
            double max = logits.Max();
            var e = logits.Select(l => Math.Exp(l - max)).ToArray();
            var p = e.Select(v => v / e.Sum()).ToArray();
            var z = Enumerable.Range(0, d).Select(k => Enumerable.Range(0, n).Sum(i => p[i] * keys[i][k])).ToArray();
            var (state, weights) = net.Update(q);
            for (int k = 0; k < d; k++) Assert.Equal(z[k], state[k], 12);
            for (int i = 0; i < n; i++) Assert.Equal(p[i], weights[i], 12);
        }
    }

    [Fact]
    public void Lse_and_softmax_are_stable_at_extreme_arguments()
    {
        double[] z = [1000, 999, -1000];
        Assert.Equal(1000 + Math.Log(1 + Math.Exp(-1)), ModernHopfield.LogSumExp(1, z), 12);
        var w = ModernHopfield.Softmax(1, z);
        Assert.Equal(1 / (1 + Math.Exp(-1)), w[0], 12);
        Assert.Equal(1.0, w.Sum(), 14);
    }

    [Fact]
    public void Fixed_points_of_each_kind_are_recognised()
    {
        // Well separated patterns, large beta: a single pattern is retrieved.
        var x = ModernHopfield.RandomSphere(20, 64, 8, 1);
        var single = new ModernHopfield(x, 1.0).Iterate(x[3].Select(v => v + 0.3).ToArray())[^1];
        Assert.Equal(FixedPointKind.SinglePattern, ModernHopfield.Classify(single.Weights));
        Assert.True(single.State.Zip(x[3], (a, b) => Math.Abs(a - b)).Max() < 1e-6);
        // Tiny beta: the global average.
        var global = new ModernHopfield(x, 1e-4).Iterate(x[3])[^1];
        Assert.Equal(FixedPointKind.GlobalAverage, ModernHopfield.Classify(global.Weights));
        // Three near-copies of one pattern: a metastable state averaging the subset.
        var cluster = x.Take(17).Concat(Enumerable.Range(0, 3).Select(j => x[0].Select((v, k) => v + 0.01 * (j + 1) * (k % 2 == 0 ? 1 : -1)).ToArray())).ToArray();
        var meta = new ModernHopfield(cluster, 0.5).Iterate(x[0])[^1];
        Assert.Equal(FixedPointKind.Metastable, ModernHopfield.Classify(meta.Weights));
    }
}

public class SeparationEnergyTests
{
    [Property(MaxTest = 200)]
    public bool Polynomial_and_exponential_flip_deltas_equal_recomputed_differences(int seed, byte n, byte p, int siteRaw, byte degreeRaw)
    {
        var (x, s) = EnergyProperties.System(seed, n, p);
        int site = (int)((uint)siteRaw % (uint)x.Neurons);
        var sums = new short[x.Stride];
        x.OverlapSums(s, sums);
        OverlapEnergy[] energies = [new PolynomialEnergy(2 + degreeRaw % 4, x.Neurons), new ExponentialEnergy(x.Neurons)];
        var before = energies.Select(e => e.Energy(x, s)).ToArray();
        var deltas = energies.Select(e => e.FlipDelta(x, sums, site, s[site])).ToArray();
        s[site] = (sbyte)-s[site];
        return energies.Select((e, k) => Math.Abs(e.Energy(x, s) - before[k] - deltas[k]) <= 1e-9 * Math.Max(1, Math.Abs(before[k]))).All(ok => ok);
    }

    [Property(MaxTest = 100)]
    public bool Separation_functions_give_the_direct_energies_in_the_shared_form(int seed, byte n, byte p, byte degreeRaw)
    {
        var (x, s) = EnergyProperties.System(seed, n, p);
        var m = x.Overlaps(s);
        OverlapEnergy[] energies = [new PolynomialEnergy(2 + degreeRaw % 4, x.Neurons), new ExponentialEnergy(x.Neurons)];
        return energies.All(e =>
        {
            double shared = -x.Neurons * m.Sum(e.Separation) + e.SelfCouplingCorrection(x);
            double direct = e.Energy(x, s);
            return Math.Abs(shared - direct) <= 1e-9 * Math.Max(1, Math.Abs(direct));
        });
    }

    [Property(MaxTest = 100)]
    public bool Asynchronous_updates_never_raise_the_energy_and_end_in_a_fixed_point(int seed, byte n, byte p, bool exponential)
    {
        var (x, s) = EnergyProperties.System(seed, n, p);
        OverlapEnergy energy = exponential ? new ExponentialEnergy(x.Neurons) : new PolynomialEnergy(3, x.Neurons);
        double before = energy.Energy(x, s);
        AsynchronousUpdate.Relax(energy, x, s, maxSweeps: 1000);
        var sums = new short[x.Stride];
        x.OverlapSums(s, sums);
        bool fixedPoint = Enumerable.Range(0, x.Neurons).All(i => energy.FlipDeltaScaled(x, sums, i, s[i]) >= 0);
        return energy.Energy(x, s) <= before + 1e-9 * Math.Abs(before) && fixedPoint;
    }

    [Fact]
    public void Dense_memories_retrieve_far_beyond_the_classical_capacity()
    {
        // N = 100 and P = 60 (alpha = 0.6, far above 0.138): n = 4 and the exponential rule still retrieve.
        var x = PatternSet.Random(100, 60, 9, 0);
        foreach (OverlapEnergy energy in new OverlapEnergy[] { new PolynomialEnergy(4, 100), new ExponentialEnergy(100) })
        {
            var s = x.State(0);
            for (int i = 0; i < 10; i++) s[i] = (sbyte)-s[i]; // 10% noise
            AsynchronousUpdate.Relax(energy, x, s);
            Assert.Equal(1.0, x.Overlaps(s)[0], 12);
        }
        var classical = x.State(0);
        for (int i = 0; i < 10; i++) classical[i] = (sbyte)-classical[i];
        AsynchronousUpdate.Relax(HebbianEnergy.Instance, x, classical);
        Assert.True(x.Overlaps(classical)[0] < 0.9); // the pairwise network has lost the pattern
    }
}
