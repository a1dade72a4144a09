using FsCheck;
using FsCheck.Fluent;
using Physics.MonteCarlo;
using Physics.Networks;
using Xunit;

namespace Physics.MonteCarlo.Tests;

public class FixedPointAcceptanceTests
{
    [Fact]
    public void Fixed_point_exponential_is_within_1e_8_of_exp()
    {
        Prop.ForAll(Gen.Choose(0, 1_000_000).ToArbitrary(), k =>
        {
            double x = 32.0 * k / 1_000_000;
            double exact = 4294967296.0 * Math.Exp(-x);
            return Math.Abs(FixedPointAcceptance.Exp(x) - exact) <= 1e-8 * exact + 40;
        }).QuickCheckThrowOnFailure();
        Assert.Equal(1UL << 32, FixedPointAcceptance.Exp(0));
        Assert.Equal(0UL, FixedPointAcceptance.Exp(40));
    }

    [Fact]
    public void Heat_bath_thresholds_are_complementary_and_Metropolis_accepts_downhill()
    {
        foreach (double x in new[] { 0.0, 0.3, 2.5, 17.0 })
        {
            Assert.Equal(1UL << 32, FixedPointAcceptance.Threshold(-x, Dynamics.HeatBath) + FixedPointAcceptance.Threshold(x, Dynamics.HeatBath));
            Assert.True(Math.Abs(FixedPointAcceptance.Threshold(x, Dynamics.HeatBath) / 4294967296.0 - 1 / (1 + Math.Exp(x))) < 1e-8);
            Assert.Equal(1UL << 32, FixedPointAcceptance.Threshold(-x - 1e-3, Dynamics.Metropolis));
        }
    }
}

[Collection("ilgpu")]
public class DenseDeviceTests
{
    /// <summary>
    /// The kernel's polynomial form (the lanes evaluate G and H at their own overlaps) and its table form (P = 6 at
    /// N = 1000, where K-fold polynomial sums could pass 64 bits, and the rows that ask for it) against the native chain.
    /// </summary>
    [Theory]
    [InlineData(3, Dynamics.Metropolis, 0.1, InitialState.Pattern, 40, 70, DenseKernelForm.Auto)]
    [InlineData(4, Dynamics.HeatBath, 0.05, InitialState.Random, 40, 70, DenseKernelForm.Auto)]
    [InlineData(4, Dynamics.Metropolis, 0.05, InitialState.Random, 900, 10, DenseKernelForm.Auto)] // level 1 (xi M^3) not narrow: 64-bit products
    [InlineData(3, Dynamics.HeatBath, 0.3, InitialState.Random, 40, 70, DenseKernelForm.Auto)]
    [InlineData(2, Dynamics.Metropolis, 0.4, InitialState.Pattern, 40, 70, DenseKernelForm.Auto)]
    [InlineData(5, Dynamics.Metropolis, 0.02, InitialState.Random, 40, 70, DenseKernelForm.Auto)]
    [InlineData(8, Dynamics.Metropolis, 0.01, InitialState.Random, 12, 300, DenseKernelForm.Auto)]
    [InlineData(6, Dynamics.HeatBath, 0.02, InitialState.Random, 1000, 10, DenseKernelForm.Auto)]
    [InlineData(3, Dynamics.Metropolis, 0.1, InitialState.Pattern, 40, 70, DenseKernelForm.Tables)]
    [InlineData(4, Dynamics.HeatBath, 0.05, InitialState.Random, 40, 70, DenseKernelForm.Tables)]
    public void ILGPU_dense_chains_equal_the_native_sampler_bit_for_bit(int p, Dynamics dynamics, double temperature, InitialState start, int n, int k, DenseKernelForm form)
    {
        var energy = new DenseEnergy(p, n);
        var samples = Enumerable.Range(0, 2).Select(s => PatternSet.Random(n, k, 13, s)).ToList();
        var specs = new List<ChainSpec>();
        for (int s = 0; s < 2; s++)
            for (int c = 0; c < 2; c++) specs.Add(new ChainSpec(s, c, temperature * (1 + c), start));
        using var device = new IlgpuDenseEnsemble(samples, energy, specs, dynamics, 7, cuda: false, form);
        Assert.Equal(form == DenseKernelForm.Auto && n < 1000, device.PolynomialForm);
        device.Sweep(3);
        device.Sweep(4);
        var (spins, sums, accepted) = device.Snapshot();
        for (int c = 0; c < specs.Count; c++)
        {
            var spec = specs[c];
            var chain = new DenseChain(samples[spec.Sample], energy, spec.Temperature, dynamics, 7, spec.Sample, spec.Chain, spec.Start);
            long taken = 0;
            for (int s = 0; s < 7; s++) taken += chain.Sweep();
            Assert.Equal(chain.Spins.ToArray(), spins.AsSpan(c * n, n).ToArray());
            for (int mu = 0; mu < k; mu++) Assert.Equal(chain.OverlapSums[mu], sums[c * samples[0].Stride + mu]);
            Assert.Equal(taken, accepted[c]);
            Assert.True(taken > 0);
        }
    }
}

public class KernelPolynomialTests
{
    /// <summary>A GPU group holds up to four chains whose overlap sums fit 48 KB of shared memory; one that cannot fit is refused by name.</summary>
    [Fact]
    public void Chains_per_group_follow_the_shared_memory()
    {
        Assert.Equal(1, DeviceContext.ChainsPerGroup(cuda: false, 12352));
        Assert.Equal(4, DeviceContext.ChainsPerGroup(cuda: true, 448));
        Assert.Equal(3, DeviceContext.ChainsPerGroup(cuda: true, 4032));
        Assert.Equal(1, DeviceContext.ChainsPerGroup(cuda: true, 8128));
        var e = Assert.Throws<ArgumentException>(() => DeviceContext.ChainsPerGroup(cuda: true, 12352));
        Assert.Contains("shared memory", e.Message);
    }

    /// <summary>
    /// The kernel's level sums, combined with the coefficients, equal sum_mu xi_mu G(M_mu) (and the same for H), and
    /// its flip levels the change of sum_mu G(M_mu) under M -> M - 2 xi, for every P it takes, at the largest overlaps
    /// too: K patterns at |M| &lt;= N, 64-bit wrapping included.
    /// </summary>
    [Fact]
    public void Level_sums_combine_to_the_flip_polynomials_sums()
    {
        var rng = new Random(5);
        foreach (var (p, n, k) in new[] { (2, 500, 300), (3, 4000, 400), (4, 4000, 400), (5, 1000, 400), (6, 20, 3200), (7, 14, 2000), (8, 12, 2000), (9, 10, 1000) })
        {
            var poly = new DenseEnergy(p, n).Polynomials!;
            foreach (var part in new[] { poly.Odd, poly.Even })
            {
                var (c, odd) = FlipPolynomials.InSquares(part);
                var kernel = KernelPolynomial.From(c!);
                foreach (bool narrow in Levels.Narrow(odd, n) ? new[] { true, false } : new[] { false })
                {
                    Levels levels = new(), moves = new();
                    long expected = 0, moved = 0;
                    for (int word = 0; word < k / 4; word++)
                    {
                        var x = new int[4]; var m = new int[4]; var now = new int[4];
                        for (int j = 0; j < 4; j++)
                        {
                            int mu = 4 * word + j;
                            m[j] = mu < 4 ? (mu % 2 == 0 ? n : -n) : 2 * rng.Next(n + 1) - n;
                            x[j] = rng.Next(3) - 1;
                            now[j] = m[j] - 2 * x[j];
                            expected += x[j] * FlipPolynomials.Evaluate(part, m[j]);
                            moved += FlipPolynomials.Evaluate(part, now[j]) - FlipPolynomials.Evaluate(part, m[j]);
                        }
                        int packed = (byte)x[0] | (byte)x[1] << 8 | (byte)x[2] << 16 | (sbyte)x[3] << 24;
                        levels = Levels.AddWord(levels, c!.Length, odd, narrow, packed, m[0], m[1], m[2], m[3]);
                        moves = Levels.AddWord(moves, c.Length, odd, narrow, Levels.Plus, now[0], now[1], now[2], now[3]);
                        moves = Levels.AddWord(moves, c.Length, odd, narrow, Levels.Minus, m[0], m[1], m[2], m[3]);
                    }
                    Assert.Equal(expected, kernel.Combine(levels));
                    Assert.Equal(moved, kernel.Combine(moves));
                }
            }
        }
        Assert.Throws<ArgumentException>(() => KernelPolynomial.From(new long[6]));
    }
}

[Collection("ilgpu")]
public class DenseSimulationDeviceTests
{
    [Fact]
    public void A_dense_run_on_the_ILGPU_CPU_accelerator_equals_the_native_run()
    {
        var run = new DenseRun { Order = 3, Neurons = 60, Load = 0.02, Temperature = 0.15, EquilibrationSweeps = 5, MeasurementSweeps = 12, Samples = 2, Seed = 3 };
        var native = DenseSimulation.Run(run, threads: 2);
        var ilgpu = DenseSimulation.Run(run, device: Devices.IlgpuCpu);
        Assert.Equal(native.FinalStateSha256, ilgpu.FinalStateSha256);
        Assert.Equal(native.Overlap.Mean, ilgpu.Overlap.Mean);
        Assert.Equal(native.Energy.Mean, ilgpu.Energy.Mean);
        Assert.Equal(native.Acceptance, ilgpu.Acceptance);
        Assert.Equal("ilgpu-cpu", ilgpu.Device);
    }
}

[Collection("ilgpu")]
public class IlgpuRetrievalTests
{
    [Fact]
    public void Device_retrieval_equals_the_BLAS_update_to_1e_12()
    {
        int n = 37, d = 21, b = 5;
        var x = ModernHopfield.RandomSphere(n, d, Math.Sqrt(d - 1), 4);
        var q = ModernHopfield.RandomSphere(b, d, Math.Sqrt(d - 1), 4, 1).SelectMany(r => r).ToArray();
        var net = new ModernHopfield(x, 0.7);
        var expected = net.UpdateBatch(q, b);
        using var device = new IlgpuRetrieval(x.SelectMany(r => r).ToArray(), n, d, cuda: false);
        var got = device.Retrieve(q, b, 0.7);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) < 1e-12, $"entry {i}: {got[i]} vs {expected[i]}");
    }
}

[Collection("ilgpu")]
public class DenseFastPathTests
{
    /// <summary>
    /// The P = 3 chain with large overlaps (|M| > 255, summed exactly from a list) and the integer shortcuts, against
    /// the ILGPU kernel: patterns close to one another make every overlap large; random ones leave only the condensed
    /// pattern large.
    /// </summary>
    [Theory]
    [InlineData(true, Dynamics.Metropolis, 0.02)]
    [InlineData(false, Dynamics.HeatBath, 0.2)]
    public void Large_overlaps_take_the_same_decisions_as_the_table_path(bool correlated, Dynamics dynamics, double temperature)
    {
        const int n = 600, k = 40;
        var rng = new Random(8);
        var first = Enumerable.Range(0, n).Select(_ => rng.Next(2) * 2 - 1).ToArray();
        var rows = Enumerable.Range(0, k).Select(mu => (IReadOnlyList<int>)first.Select(x => correlated && rng.NextDouble() > 0.1 ? x : rng.Next(2) * 2 - 1).ToArray()).ToList();
        var patterns = PatternSet.FromRows(rows);
        var energy = new DenseEnergy(3, n);
        var specs = new List<ChainSpec> { new(0, 0, temperature, InitialState.Pattern) };
        using var device = new IlgpuDenseEnsemble([patterns], energy, specs, dynamics, 3, cuda: false);
        device.Sweep(3);
        var chain = new DenseChain(patterns, energy, temperature, dynamics, 3, 0, 0, InitialState.Pattern);
        long taken = 0;
        for (int s = 0; s < 3; s++) taken += chain.Sweep();
        var (spins, _, accepted) = device.Snapshot();
        Assert.Equal(chain.Spins.ToArray(), spins);
        Assert.Equal(taken, accepted[0]);
        Assert.True(taken > 0);
    }
}

public class DenseCoarsePathTests
{
    /// <summary>
    /// The coarse estimate only decides where its error bound leaves no doubt, and the power sums on the fly are
    /// exact, so a chain on them must take exactly the exact chain's decisions: random P, N, K, temperature (from
    /// frozen to paramagnetic), dynamics, start, and patterns from independent to strongly correlated (every overlap
    /// large, several kept exactly). Small P >= 5 networks run on the power sums at every temperature (P = 5 always
    /// here, P = 6 for N &lt;= 31, P = 7 for N &lt;= 13); the others on the coarse copy and, when hot, on the power sums
    /// (P = 4 to 8).
    /// </summary>
    [Fact]
    public void The_coarse_path_takes_the_exact_decisions()
    {
        var cases =
            from p in Gen.Choose(2, 8)
            from n in Gen.Choose(p + 2, 70)
            from k in Gen.Choose(1, 90)
            from t in Gen.Elements(0.003, 0.03, 0.1, 0.3, 1.0, 30.0)
            from heatBath in Gen.Elements(false, true)
            from random in Gen.Elements(false, true)
            from correlation in Gen.Elements(0.0, 0.5, 0.9)
            from seed in Gen.Choose(0, 1000)
            select (p, n, k, t, heatBath, random, correlation, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            var first = Enumerable.Range(0, c.n).Select(_ => rng.Next(2) * 2 - 1).ToArray();
            var rows = Enumerable.Range(0, c.k)
                .Select(_ => (IReadOnlyList<int>)first.Select(x => rng.NextDouble() < c.correlation ? x : rng.Next(2) * 2 - 1).ToArray()).ToList();
            return SameTrajectory(PatternSet.FromRows(rows), c.p, c.t, c.heatBath, c.random, c.seed, 6);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    /// <summary>
    /// Larger networks: overlaps grow from random starts past |M| = 255 (where the P = 3 squares leave int16 and the
    /// coarse copy must choose a new shift and new large overlaps) and shrink again when the chain melts (hot P = 4 and
    /// 5 chains moving between the power sums and the coarse copy as an overlap passes 255 or 127).
    /// </summary>
    [Fact]
    public void The_fast_paths_take_the_exact_decisions_as_overlaps_grow_and_melt()
    {
        var cases =
            from p in Gen.Choose(3, 5)
            from n in Gen.Choose(300, 700)
            from k in Gen.Choose(2, 30)
            from t in Gen.Elements(0.02, 0.1, 0.25, 0.6)
            from heatBath in Gen.Elements(false, true)
            from random in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 1000)
            select (p, n, k, t, heatBath, random, seed);
        Prop.ForAll(cases.ToArbitrary(), c => SameTrajectory(PatternSet.Random(c.n, c.k, (ulong)c.seed, 0), c.p, c.t, c.heatBath, c.random, c.seed, 8))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    /// <summary>
    /// Networks past the 64-bit flip polynomials (P = 6 at N = 500, P = 7 at N = 200, P = 8 from N = 100, P = 9 from
    /// N = 60), which run on the tables: cold chains on the coarse copy of Odd(M), hot ones on the wide power sums
    /// (exact in double lanes, combined modulo 2^128), P = 8 above N = 156 and P = 9 above N = 83 leaving them while
    /// an overlap passes the limit (the pattern start, and while it melts).
    /// </summary>
    [Fact]
    public void The_table_paths_take_the_exact_decisions()
    {
        var cases =
            from p in Gen.Choose(6, 9)
            from n in p == 6 ? Gen.Choose(500, 540) : p == 7 ? Gen.Choose(200, 240) : p == 8 ? Gen.Choose(100, 200) : Gen.Choose(60, 110)
            from k in p == 6 ? Gen.Choose(190, 230) : p == 7 ? Gen.Choose(40, 80) : p == 8 ? Gen.Choose(10, 60) : Gen.Choose(3, 40)
            from t in Gen.Elements(1e-6, 1e-4, 1e-3, 0.01, 0.1)
            from heatBath in Gen.Elements(false, true)
            from random in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 1000)
            select (p, n, k, t, heatBath, random, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var patterns = PatternSet.Random(c.n, c.k, (ulong)c.seed, 0);
            var energy = new DenseEnergy(c.p, c.n);
            Assert.False(energy.Polynomials is { } poly && poly.Reach < (1L << 62) / patterns.Stride); // the tables
            return SameTrajectory(patterns, c.p, c.t, c.heatBath, c.random, c.seed, 6);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    /// <summary>
    /// P = 5 on the tables' paths (N = 2000 and 2001, K = 400: past the coarse copy's reach): hot chains on the wide sums, in int16 quarter squares while
    /// every overlap is within 362 and on the double lanes while the pattern they start in is condensed; every decision
    /// is the exact chain's.
    /// </summary>
    [Theory]
    [InlineData(2000, false)]
    [InlineData(2001, true)]
    public void P5_table_chains_take_the_exact_decisions(int n, bool random)
    {
        var patterns = PatternSet.Random(n, 400, 29, 0);
        var energy = new DenseEnergy(5, n);
        // The tables' paths: the polynomials pass the coarse copy's reach (DenseChain).
        Assert.False(energy.Polynomials is { } poly && poly.Reach < CoarseFlipParts.Useless / patterns.Stride);
        Assert.True(SameTrajectory(patterns, 5, 0.5, heatBath: false, random, 29, 6));
        var chain = new DenseChain(patterns, energy, 0.5, Dynamics.Metropolis, 29, 0, 0, random ? InitialState.Random : InitialState.Pattern);
        for (int s = 0; s < 3; s++) chain.Sweep();
        Assert.True(chain.OnPowerSums);
    }

    /// <summary>
    /// The tables' coarse copy: its estimate is within its bound of the exact Y = Even total + s sum xi Odd for every
    /// row and spin, whatever the spread of the values (a few large ones kept exactly), when taken (the bound no wider
    /// than the truncation allows, K 2^shift) and when renewed after the values move.
    /// </summary>
    [Fact]
    public unsafe void The_table_copy_estimate_is_within_its_bound()
    {
        var cases =
            from k in Gen.Choose(1, 200)
            from bits in Gen.Choose(4, 48)
            from spikes in Gen.Choose(0, 12)
            from seed in Gen.Choose(0, 100000)
            select (k, bits, spikes, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var rng = new Random(c.seed);
            var patterns = PatternSet.Random(40, c.k, (ulong)c.seed, 0);
            var odd = new long[patterns.Stride];
            for (int mu = 0; mu < c.k; mu++) odd[mu] = rng.NextInt64(-(1L << c.bits), 1L << c.bits);
            for (int j = 0; j < c.spikes; j++) odd[rng.Next(c.k)] = rng.NextInt64(-(1L << 52), 1L << 52);
            long even = rng.NextInt64(-(1L << 50), 1L << 50);
            var copy = new CoarseTableParts(c.k, patterns.Stride);
            copy.Take(odd, even);
            if (!copy.Usable) return true;
            if (copy.Bound >= (long)c.k << Math.Max(0, CoarseFlipParts.ChooseShift(odd, c.k))) return false;
            // Then renewals after changes of every value: small ones, and now and then one that outgrows int16 or
            // a large entry that shrinks.
            for (int round = 0; round < 4; round++)
            {
                if (round > 0)
                {
                    for (int mu = 0; mu < c.k; mu++) odd[mu] += rng.NextInt64(-(1L << Math.Max(0, c.bits - 6)), 1L << Math.Max(0, c.bits - 6));
                    if (rng.Next(2) == 0) odd[rng.Next(c.k)] = rng.NextInt64(-(1L << 52), 1L << 52);
                    if (rng.Next(2) == 0) odd[rng.Next(c.k)] = rng.Next(-5, 5);
                    copy.Renew(odd, even);
                    if (!copy.Usable) return true;
                }
                fixed (short* coarse = copy.Coarse)
                    for (int i = 0; i < patterns.Neurons; i++)
                    {
                        var row = patterns.Row(i);
                        long exact = 0;
                        for (int mu = 0; mu < c.k; mu++) exact += row[mu] * odd[mu];
                        fixed (sbyte* r = row)
                            foreach (int si in new[] { -1, 1 })
                                if (Math.Abs(copy.Estimate(r, coarse, patterns.Stride, si, even) - (even + si * exact)) > copy.Bound) return false;
                    }
            }
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    /// <summary>
    /// The reference chain's own tables (the exact path both sides of the properties above share): after hot sweeps
    /// of accepted flips, Odd(M_mu) and the Even total it keeps by vectorised gathers equal those recomputed from
    /// the overlaps, for both parities of N and K not a multiple of eight.
    /// </summary>
    [Theory]
    [InlineData(7, 201, 45)]
    [InlineData(8, 120, 30)]
    public void Table_updates_after_flips_equal_the_tables(int order, int n, int k)
    {
        var patterns = PatternSet.Random(n, k, 13, 0);
        var chain = new DenseChain(patterns, new DenseEnergy(order, n), 0.1, Dynamics.Metropolis, 13, 0, 0, InitialState.Pattern, exactOnly: true);
        for (int s = 0; s < 5; s++) chain.Sweep();
        Assert.True(chain.Accepted > chain.Attempts / 2);
        Assert.True(chain.TablesAreCurrent());
    }

    /// <summary>
    /// Small networks (N &lt; 64) on the register tables (P = 7 to 9, and P = 6 from N = 32, beyond the power sums'
    /// range; one register or a pair) or the power sums (P = 5, and 6 below N = 32), frozen ones moving to the coarse
    /// copy after 64 sweeps without a flip and back at the next flip: the exact chain's decisions over 80 sweeps.
    /// </summary>
    [Fact]
    public void The_register_paths_take_the_exact_decisions()
    {
        var cases =
            from p in Gen.Choose(5, 9)
            from n in Gen.Choose(14, 63)
            from k in Gen.Choose(5, 300)
            from t in Gen.Elements(1e-9, 1e-6, 1e-5, 1e-4, 1e-3, 1.0)
            from heatBath in Gen.Elements(false, true)
            from random in Gen.Elements(false, true)
            from seed in Gen.Choose(0, 1000)
            select (p, n, k, t, heatBath, random, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
            SameTrajectory(PatternSet.Random(c.n, c.k, (ulong)c.seed, 0), c.p, c.t, c.heatBath, c.random, c.seed, 80))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(60));
    }

    /// <summary>The table paths are the ones taken: the copy decides most cold attempts, a hot chain runs on the wide sums.</summary>
    [Fact]
    public void Table_chains_decide_from_the_copy_when_cold_and_run_on_power_sums_when_hot()
    {
        var patterns = PatternSet.Random(120, 30, 5, 0);
        var energy = new DenseEnergy(8, 120);
        var cold = new DenseChain(patterns, energy, 1e-7, Dynamics.Metropolis, 5, 0, 0, InitialState.Pattern);
        for (int s = 0; s < 20; s++) cold.Sweep();
        Assert.True(cold.ExactFallbacks < 0.01 * cold.Attempts, $"{cold.ExactFallbacks} of {cold.Attempts} attempts needed the exact sum");
        Assert.False(cold.OnPowerSums);
        var hot = new DenseChain(patterns, energy, 0.1, Dynamics.Metropolis, 5, 0, 0, InitialState.Random);
        for (int s = 0; s < 3; s++) hot.Sweep();
        Assert.True(hot.OnPowerSums);
        Assert.True(hot.Accepted > hot.Attempts / 2);
    }

    /// <summary>The default chain (fast path) and the exact one take the same acceptances every sweep and end equal.</summary>
    static bool SameTrajectory(PatternSet patterns, int p, double temperature, bool heatBath, bool random, int seed, int sweeps)
    {
        var energy = new DenseEnergy(p, patterns.Neurons);
        var dynamics = heatBath ? Dynamics.HeatBath : Dynamics.Metropolis;
        var start = random ? InitialState.Random : InitialState.Pattern;
        var fast = new DenseChain(patterns, energy, temperature, dynamics, (ulong)seed, 0, 0, start);
        var exact = new DenseChain(patterns, energy, temperature, dynamics, (ulong)seed, 0, 0, start, exactOnly: true);
        for (int s = 0; s < sweeps; s++)
            if (fast.Sweep() != exact.Sweep()) return false;
        return fast.Spins.SequenceEqual(exact.Spins) && fast.OverlapSums.SequenceEqual(exact.OverlapSums);
    }

    /// <summary>The coarse estimate must decide most attempts itself (not fall back to the exact parts every time), in retrieval and in the paramagnet.</summary>
    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    public void The_coarse_estimate_decides_most_attempts(double temperature)
    {
        var patterns = PatternSet.Random(500, 40, 3, 0);
        var chain = new DenseChain(patterns, new DenseEnergy(4, 500), temperature, Dynamics.Metropolis, 3, 0, 0, InitialState.Pattern);
        for (int s = 0; s < 40; s++) chain.Sweep();
        Assert.True(chain.ExactFallbacks < 0.1 * chain.Attempts, $"{chain.ExactFallbacks} of {chain.Attempts} attempts needed the exact parts");
        Assert.True(chain.Accepted > 0);
    }

    [Fact]
    public void Bucket_verdicts_agree_with_the_threshold()
    {
        var cases =
            from word in Gen.Choose(int.MinValue, int.MaxValue)
            from micro in Gen.Choose(-3_000_000, 40_000_000)
            from heatBath in Gen.Elements(false, true)
            select ((uint)word, micro / 1_000_000.0, heatBath);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var dynamics = c.heatBath ? Dynamics.HeatBath : Dynamics.Metropolis;
            int verdict = AcceptanceBuckets.For(dynamics).Decide(c.Item1, c.Item2, c.Item2);
            bool accepted = c.Item1 < FixedPointAcceptance.Threshold(c.Item2, dynamics);
            return (verdict < 0 || (verdict == 1) == accepted) && (!AcceptanceBuckets.SurelyAccepted(dynamics, c.Item1, c.Item2) || accepted);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200_000));
    }

    /// <summary>
    /// The on-the-fly power-sum parts for P = 4, 5, 6 and 8 and N of both parities: their total equals the exact 64-bit one,
    /// a flip (applied in the next pass) keeps the power totals and the overlaps exact, P = 4 crosses the narrow limit
    /// (362, beyond which its one level runs against w - 32768) both ways, and a flip that takes an overlap past the
    /// limit (511, 362, 362, 13; P = 7's 362 lies past its 64-bit polynomials) is reported by the next pass (the chain
    /// then returns to the coarse copy).
    /// </summary>
    [Theory]
    [InlineData(4, 45)]
    [InlineData(4, 46)]
    [InlineData(5, 45)]
    [InlineData(5, 46)]
    [InlineData(6, 45)]
    [InlineData(8, 30)]
    public unsafe void Power_parts_on_the_fly_are_exact_and_report_overlaps_leaving_their_range(int order, int beyond)
    {
        int limit = PowerFlipParts.LimitFor(order), n = limit + beyond, k = 5; // N of either parity (P = 4 uses it)
        var patterns = PatternSet.Random(n, k, 9, 0);
        var energy = new DenseEnergy(order, n);
        var poly = energy.Polynomials!;
        Assert.True(PowerFlipParts.Fits(poly, patterns, order));
        var parts = new PowerFlipParts(poly, patterns, order);
        Assert.False(parts.AlwaysInRange);
        var spins = patterns.State(0);
        int down = (n - 7 * limit / 10) / 2; // M_1 = n - 2 down, about 0.7 of the limit
        for (int i = 0; i < down; i++) spins[i] = (sbyte)-spins[i];
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        var truth = (short[])sums.Clone(); // the overlaps with every accepted flip applied
        bool TryTotal(sbyte* row, short* m, int i, int si, out long total) => PowerTotal(parts, order, n, row, m, i, si, out total);
        void Flip(sbyte* row, int si) => PowerFlip(parts, order, row, si);
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            Assert.True(parts.Begin(m));
            bool inside = true;
            // Sites down.. down+19 flipped and restored move M_1 down by 40 and back (the bound on max |M| passes the
            // limit and is renewed by a checked pass); restoring the first spins and flipping them again moves it up
            // by up to 80 and back (P = 4: past the narrow limit 362, from about 357, and below it again), then
            // restoring the first spins walks M_1 up past the limit.
            int up = Math.Min(40, down);
            int[] sites = [.. Enumerable.Range(down, 20), .. Enumerable.Range(down, 20), .. Enumerable.Range(0, up), .. Enumerable.Range(0, up), .. Enumerable.Range(0, down)];
            int step = 0;
            foreach (int i in sites)
            {
                sbyte* row = xi + (long)i * patterns.Stride;
                int si = spins[i];
                inside = TryTotal(row, m, i, si, out long total);
                Assert.Equal(truth, sums);
                Assert.Equal(truth.All(x => Math.Abs((int)x) <= limit), inside);
                if (!inside) break;
                // The exact total from the polynomials, pattern by pattern.
                long expected = 0;
                for (int mu = 0; mu < k; mu++)
                    expected += si * row[mu] * FlipPolynomials.Evaluate(poly.Odd, m[mu]) + FlipPolynomials.Evaluate(poly.Even, m[mu]);
                Assert.Equal(expected, total);
                Flip(row, si);
                spins[i] = (sbyte)-si;
                MoveOverlaps(truth, row, k, si);
                if (++step % 25 == 10) // settling at once gives the same overlaps (and measures max |M| anew)
                {
                    bool settled = parts.Settle(m);
                    Assert.Equal(truth, sums);
                    Assert.Equal(truth.All(x => Math.Abs((int)x) <= limit), settled);
                    if (!settled) { inside = false; break; }
                }
            }
            Assert.False(inside);
            Assert.False(parts.Begin(m));
        }
    }

    /// <summary>The power parts' total for P = 4 to 8, compiled for N's parity.</summary>
    /// <summary>Y = Even total + s_i sum_mu xi_mu Odd(M_mu) from the energy's tables: the exact value every form must give.</summary>
    static unsafe long TablesY(DenseEnergy energy, sbyte* row, short* m, int k, int si)
    {
        long y = 0;
        for (int mu = 0; mu < k; mu++) y += si * row[mu] * energy.Odd(m[mu]) + energy.Even(m[mu]);
        return y;
    }

    /// <summary>The overlaps after the flip of a spin that was si: M_mu -= 2 si xi_mu.</summary>
    static unsafe void MoveOverlaps(short[] overlaps, sbyte* row, int k, int si)
    {
        for (int mu = 0; mu < k; mu++) overlaps[mu] = (short)(overlaps[mu] - 2 * si * row[mu]);
    }

    /// <summary>The wide sums' Y for P = 5 to 9 (one compiled pass per P).</summary>
    static unsafe bool WideScaled(WideFlipParts parts, int order, sbyte* row, short* m, int i, int si, out long y) => order switch
    {
        5 => parts.TryScaled<Order5>(row, m, i, si, out y),
        6 => parts.TryScaled<Order6>(row, m, i, si, out y),
        7 => parts.TryScaled<Order7>(row, m, i, si, out y),
        8 => parts.TryScaled<Order8>(row, m, i, si, out y),
        _ => parts.TryScaled<Order9>(row, m, i, si, out y),
    };

    static unsafe bool PowerTotal(PowerFlipParts parts, int order, int n, sbyte* row, short* m, int i, int si, out long total) =>
        n % 2 == 1 ? PowerTotal<OddNeurons>(parts, order, row, m, i, si, out total) : PowerTotal<EvenNeurons>(parts, order, row, m, i, si, out total);

    static unsafe bool PowerTotal<TNeurons>(PowerFlipParts parts, int order, sbyte* row, short* m, int i, int si, out long total) where TNeurons : struct, INeuronParity => order switch
    {
        4 => parts.TryTotal<Order4, TNeurons>(row, m, i, si, out total),
        5 => parts.TryTotal<Order5, TNeurons>(row, m, i, si, out total),
        6 => parts.TryTotal<Order6, TNeurons>(row, m, i, si, out total),
        7 => parts.TryTotal<Order7, TNeurons>(row, m, i, si, out total),
        _ => parts.TryTotal<Order8, TNeurons>(row, m, i, si, out total),
    };

    static unsafe void PowerFlip(PowerFlipParts parts, int order, sbyte* row, int si)
    {
        switch (order)
        {
            case 4: parts.Flip<Order4>(row, si); break;
            case 5: parts.Flip<Order5>(row, si); break;
            case 6: parts.Flip<Order6>(row, si); break;
            case 7: parts.Flip<Order7>(row, si); break;
            default: parts.Flip<Order8>(row, si); break;
        }
    }

    /// <summary>
    /// K patterns, each one random base pattern with a fraction of its entries flipped (2 %), the state the base pattern and its
    /// overlaps, every one near N (so every product a lane sums has one sign).
    /// </summary>
    static (PatternSet Patterns, sbyte[] Spins, short[] Sums) NearlyOnePattern(int n, int k, Random random, double flipped = 0.02)
    {
        var basePattern = Enumerable.Range(0, n).Select(_ => random.Next(2) * 2 - 1).ToArray();
        var rows = Enumerable.Range(0, k)
            .Select(_ => (IReadOnlyList<int>)basePattern.Select(x => random.NextDouble() < flipped ? -x : x).ToArray()).ToList();
        var patterns = PatternSet.FromRows(rows);
        var spins = basePattern.Select(x => (sbyte)x).ToArray();
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        Assert.True(sums.Take(k).Average(x => Math.Abs((int)x)) > 0.9 * n);
        return (patterns, spins, sums);
    }

    /// <summary>
    /// The power sums' int32 lanes are flushed as often as the bound on max |M| requires, over enough blocks of 32
    /// patterns to overflow a lane left unflushed; the total equals the exact BigInteger sum through a walk of flips.
    /// P = 4 and 5: every pattern one base pattern with 2 % of its entries flipped, so that every overlap is near N (P = 4:
    /// 362 and 511, against w and w - 32768; P = 5: 362, lanes flushed every block) and every product in a lane has one
    /// sign. P = 6 and 7, whose last level is split: every pattern the base pattern itself, so that every overlap is the
    /// same and so is the remainder e in every lane (P = 6 at 362: e w fills a lane in two blocks; P = 7 at N = 100, as
    /// far as its 64-bit polynomials go, in 26).
    /// </summary>
    [Theory]
    [InlineData(4, 362, 4000)]
    [InlineData(4, 511, 3200)]
    [InlineData(5, 362, 320)]
    [InlineData(6, 362, 320)]
    [InlineData(7, 100, 3840)]
    public unsafe void Power_parts_flush_their_lanes_for_large_overlaps(int order, int n, int k)
    {
        var random = new Random(order * 1000 + n);
        var (patterns, spins, sums) = NearlyOnePattern(n, k, random, order <= 5 ? 0.02 : 0);
        var energy = new DenseEnergy(order, n);
        var poly = energy.Polynomials!;
        Assert.True(PowerFlipParts.Fits(poly, patterns, order));
        var parts = new PowerFlipParts(poly, patterns, order);
        Assert.True(parts.AlwaysInRange);
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            Assert.True(parts.Begin(m));
            for (int step = 0; step < 40; step++)
            {
                int i = random.Next(n), si = spins[i];
                sbyte* row = xi + (long)i * patterns.Stride;
                Assert.True(PowerTotal(parts, order, n, row, m, i, si, out long total));
                System.Numerics.BigInteger expected = 0;
                for (int mu = 0; mu < k; mu++)
                    expected += (System.Numerics.BigInteger)si * row[mu] * FlipPolynomials.Evaluate(poly.Odd, m[mu]) + FlipPolynomials.Evaluate(poly.Even, m[mu]);
                Assert.Equal(expected, (System.Numerics.BigInteger)total);
                PowerFlip(parts, order, row, si);
                spins[i] = (sbyte)-si;
            }
        }
    }

    /// <summary>The wide sums' 128 x 64-bit product modulo 2^128 equals UInt128's, for every sign of the 64-bit factor and the extremes.</summary>
    [Fact]
    public void Wide_products_modulo_2_to_128_match_uint128()
    {
        var word =
            from upper in Gen.Choose(int.MinValue, int.MaxValue)
            from lower in Gen.Choose(int.MinValue, int.MaxValue)
            select (ulong)(uint)upper << 32 | (uint)lower;
        var cases =
            from high in word
            from low in word
            from a in Gen.OneOf(word.Select(x => (long)x), Gen.Elements(long.MinValue, long.MaxValue, -1L, 0L, 1L))
            select (C: new UInt128(high, low), A: a);
        Prop.ForAll(cases.ToArbitrary(), c => WideFlipParts.Times(c.C, c.A) == c.C * (UInt128)(Int128)c.A)
            .Check(Config.QuickThrowOnFailure.WithMaxTest(20_000));
    }

    /// <summary>
    /// The wide power sums (tables, hot): Y equals the tables' sum Even total + s sum xi Odd at every site, through a
    /// walk of accepted flips (applied in the next pass, or settled), for P = 5 to 8, with a condensed pattern and
    /// enough patterns that the double lanes are flushed within a pass where the limit is large (P = 7, 8); the walk
    /// that takes an overlap past the limit (P = 8, N = 200) is reported. P = 5 and 6 at N = 480 and 481 start with
    /// every overlap within 362 (the int16 quarter-square pass, its lanes flushed every block or two where the bound
    /// nears 362) and walk M_1 past it (the double lanes).
    /// </summary>
    [Theory]
    [InlineData(5, 400, 300)]
    [InlineData(5, 480, 700)]
    [InlineData(5, 481, 700)]
    [InlineData(6, 300, 200)]
    [InlineData(6, 480, 300)]
    [InlineData(6, 481, 300)]
    [InlineData(7, 300, 200)]
    [InlineData(7, 301, 200)]
    [InlineData(8, 200, 300)]
    [InlineData(9, 100, 200)]
    public unsafe void Wide_parts_equal_the_tables(int order, int n, int k)
    {
        var patterns = PatternSet.Random(n, k, 11, 0);
        var energy = new DenseEnergy(order, n);
        Assert.True(WideFlipParts.Fits(patterns, order));
        var parts = new WideFlipParts(patterns, order);
        var spins = patterns.State(0);
        var rng = new Random(order);
        int down = n / 8 + (parts.Limit < n ? (n - parts.Limit) / 2 + 1 : 0); // M_1 just below the limit when it is below N
        for (int i = 0; i < down; i++) spins[i] = (sbyte)-spins[i];
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        var truth = (short[])sums.Clone();
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            Assert.True(parts.Begin(m));
            // Random sites first (accepted in turn), then restoring every spin to pattern 1 walks M_1 up to N.
            var sites = Enumerable.Range(0, 60).Select(_ => rng.Next(down, n)).Concat(Enumerable.Range(0, n)).ToArray();
            bool inside = true;
            for (int step = 0; step < sites.Length; step++)
            {
                int i = sites[step];
                if (step >= 60 && spins[i] == patterns.Row(i)[0]) continue;
                sbyte* row = xi + (long)i * patterns.Stride;
                int si = spins[i];
                inside = WideScaled(parts, order, row, m, i, si, out long y);
                Assert.Equal(truth, sums);
                Assert.Equal(truth.All(x => Math.Abs((int)x) <= parts.Limit), inside);
                if (!inside) break;
                Assert.Equal(TablesY(energy, row, m, k, si), y);
                parts.Flip(row, si);
                spins[i] = (sbyte)-si;
                MoveOverlaps(truth, row, k, si);
                if (step % 25 == 24)
                {
                    Assert.True(parts.Settle(m));
                    Assert.Equal(truth, sums);
                }
            }
            Assert.Equal(parts.Limit < n, !inside);
        }
    }

    /// <summary>
    /// The wide sums' int16 quarter-square pass (P = 5, 6 and 7, every |M| &lt;= 362) flushes its int32 lanes as often as
    /// the bound requires, over ten blocks of 32 patterns; Y equals the tables' sum through a walk of flips. P = 5: every
    /// pattern one base pattern with 2 % of its entries flipped, so that every overlap is near N (N = 362 and 361) and
    /// every product in a lane has one sign (a lane left unflushed overflows within two blocks). P = 6 and 7: every
    /// pattern the base pattern itself, so that every overlap is the same and so is the remainder e of the split
    /// products in every lane (e w, up to 2^14 w, fills a lane in two blocks where w nears 32761; P = 7's xi w^2 in one).
    /// </summary>
    [Theory]
    [InlineData(5, 362)]
    [InlineData(5, 361)]
    [InlineData(6, 362)]
    [InlineData(6, 361)]
    [InlineData(7, 362)]
    [InlineData(7, 361)]
    public unsafe void Wide_quarter_pass_flushes_its_lanes(int order, int n)
    {
        const int k = 320;
        var random = new Random(n);
        var (patterns, spins, sums) = NearlyOnePattern(n, k, random, order == 5 ? 0.02 : 0);
        Assert.True(WideFlipParts.Fits(patterns, order) && WideFlipParts.LimitFor(order, n, patterns.Stride) >= n);
        var energy = new DenseEnergy(order, n);
        var parts = new WideFlipParts(patterns, order);
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            Assert.True(parts.Begin(m));
            for (int step = 0; step < 40; step++)
            {
                int i = random.Next(n), si = spins[i];
                sbyte* row = xi + (long)i * patterns.Stride;
                Assert.True(WideScaled(parts, order, row, m, i, si, out long y));
                Assert.Equal(TablesY(energy, row, m, k, si), y);
                parts.Flip(row, si);
                spins[i] = (sbyte)-si;
            }
        }
    }

    /// <summary>
    /// The register tables of small networks: Y equals the tables' sum at every site through a walk of accepted flips
    /// (each applied, with its change of the Even total, in the next pass, or settled), for P = 4 to 9 at N of both
    /// parities below 64, in one register (N &lt; 32) and in pairs of registers, with tables of one int16 limb, of two
    /// (P = 7 at N = 24, P = 9 at N = 31, P = 8 at N = 63) and of three (P = 9 at N = 60 and 63); none for N = 64.
    /// </summary>
    [Theory]
    [InlineData(4, 31, 300)]
    [InlineData(5, 33, 300)]
    [InlineData(6, 40, 500)]
    [InlineData(7, 50, 300)]
    [InlineData(8, 63, 200)]
    [InlineData(9, 41, 100)]
    [InlineData(5, 30, 700)]
    [InlineData(6, 20, 500)]
    [InlineData(7, 21, 400)]
    [InlineData(8, 15, 300)]
    [InlineData(7, 24, 300)]
    [InlineData(9, 31, 200)]
    [InlineData(9, 60, 200, 3)]
    [InlineData(9, 63, 100, 3)]
    public unsafe void Lookup_parts_equal_the_tables(int order, int n, int k, int limbs = 0)
    {
        var patterns = PatternSet.Random(n, k, 17, 0);
        var energy = new DenseEnergy(order, n);
        var parts = LookupFlipParts.TryCreate(patterns, energy);
        Assert.NotNull(parts);
        if (limbs > 0) Assert.Equal(limbs, parts!.LimbCount);
        Assert.Null(LookupFlipParts.TryCreate(PatternSet.Random(64, k, 17, 0), new DenseEnergy(order, 64)));
        // A chain beyond the power sums' range (P = 7 above N = 13, P = 8 above 7) runs on them at any temperature;
        // P = 6 leads with the power sums (the tables only past them).
        var chain = new DenseChain(patterns, energy, 1e-6, Dynamics.Metropolis, 17, 0, 0, InitialState.Pattern);
        chain.Sweep();
        Assert.Equal(order >= 7 && n > (order <= 8 ? PowerFlipParts.LimitFor(order) : 0), chain.OnRegisterTables);
        var spins = patterns.State(0);
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        var truth = (short[])sums.Clone();
        var rng = new Random(order);
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            parts!.Begin(m);
            for (int step = 0; step < 200; step++)
            {
                int i = rng.Next(n);
                sbyte* row = xi + (long)i * patterns.Stride;
                int si = spins[i];
                long y = parts.Scaled(row, m, si);
                Assert.Equal(truth, sums);
                Assert.Equal(TablesY(energy, row, m, k, si), y);
                if (rng.Next(3) == 0) continue; // rejected
                parts.Flip(row, si);
                spins[i] = (sbyte)-si;
                MoveOverlaps(truth, row, k, si);
                if (step % 17 == 16) { parts.Settle(m); Assert.Equal(truth, sums); }
            }
        }
    }

    /// <summary>
    /// The register tables of larger networks (N >= 64, |M| &lt;= 62 or 63 with N's parity): Y equals the tables' sum
    /// through a random walk of accepted flips, then through flips that raise one overlap, until the pass after the
    /// flip that took it past the range reports so, with the overlaps current. Tables of two and three int16 limbs, and
    /// the folded tables (N >= 200: |M| &lt;= 126 or 127) of both parities of P and N (an odd N's overlaps cross 0 from
    /// +-1 to -+1, which moves an odd P's Even by a step of its own).
    /// </summary>
    [Theory]
    [InlineData(8, 64, 300, 2)]
    [InlineData(8, 65, 200, 3)]
    [InlineData(8, 101, 200, 2)]
    [InlineData(9, 100, 300, 3)]
    [InlineData(9, 199, 150, 2)]
    [InlineData(8, 256, 200, 3)]
    [InlineData(8, 301, 150, 3)]
    [InlineData(9, 256, 200, 3)]
    [InlineData(9, 281, 150, 3)]
    public unsafe void Bounded_register_tables_equal_the_tables_until_an_overlap_leaves_them(int order, int n, int k, int limbs)
    {
        var patterns = PatternSet.Random(n, k, 23, 0);
        var energy = new DenseEnergy(order, n);
        Assert.Null(LookupFlipParts.TryCreateBounded(PatternSet.Random(63, k, 23, 0), new DenseEnergy(order, 63)));
        var parts = LookupFlipParts.TryCreateBounded(patterns, energy);
        Assert.NotNull(parts);
        Assert.True(parts!.Bounded);
        Assert.Equal(limbs, parts.LimbCount);
        int range = (n >= LookupFlipParts.FoldFrom ? 127 : 63) - (n + 1) % 2;
        var random = new Random(order * n);
        var spins = Enumerable.Range(0, n).Select(_ => (sbyte)(random.Next(2) * 2 - 1)).ToArray();
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        var truth = (short[])sums.Clone();
        fixed (short* m = sums)
        fixed (sbyte* xi = patterns.Row(0))
        {
            Assert.True(parts.Begin(m));
            bool Attempt(short* m, sbyte* xi, int i, bool accept)
            {
                sbyte* row = xi + (long)i * patterns.Stride;
                int si = spins[i];
                bool inRange = parts.TryScaled(row, m, si, out long y);
                Assert.Equal(truth, sums);
                Assert.Equal(truth.Max(x => Math.Abs((int)x)) <= range, inRange);
                if (!inRange) return false;
                Assert.Equal(TablesY(energy, row, m, k, si), y);
                if (!accept) return true;
                parts.Flip(row, si);
                spins[i] = (sbyte)-si;
                MoveOverlaps(truth, row, k, si);
                return true;
            }
            for (int step = 0; step < 300; step++)
            {
                Assert.True(Attempt(m, xi, random.Next(n), random.Next(3) != 0));
                if (step % 37 == 36) { Assert.True(parts.Settle(m)); Assert.Equal(truth, sums); }
            }
            // Towards pattern 0 (each flip raises M_0 by 2) until its overlap passes the range.
            var toward = Enumerable.Range(0, n).Where(i => spins[i] != patterns.Row(i)[0]).ToList();
            int flips = 0;
            bool left = false;
            foreach (int i in toward)
            {
                if (!Attempt(m, xi, i, accept: true)) { left = true; break; }
                flips++;
            }
            if (!left) Assert.False(Attempt(m, xi, 0, accept: false)); // the last flip (to M_0 = N) is still pending
            Assert.True(truth[0] > range && truth[0] <= range + 2, $"M_0 = {truth[0]} after {flips} flips");
            // Settle measures as well (its bound is past the range): a flip that takes M_0 back by 2 is applied and
            // reported as the overlaps then stand.
            int site = Enumerable.Range(0, n).First(i => spins[i] == patterns.Row(i)[0]);
            sbyte* back = xi + (long)site * patterns.Stride;
            int was = spins[site];
            parts.Flip(back, was);
            spins[site] = (sbyte)-was;
            MoveOverlaps(truth, back, k, was);
            Assert.Equal(truth.Max(x => Math.Abs((int)x)) <= range, parts.Settle(m));
            Assert.Equal(truth, sums);
        }
    }

    /// <summary>
    /// Hot P = 8 and 9 chains of larger networks run on the register tables while every overlap is within 62 or 63
    /// (from N = 200 on the folded tables, within 126 or 127) and on the wide sums beyond, both past the power sums where
    /// the flip polynomials serve (P = 8 at N = 64 with few patterns) and on the tables; every decision is the exact
    /// chain's, with both dynamics (heat bath: P = 9, N = 281). The temperatures (random start) accept 10-90 % of the
    /// flips, so that a wrong Y changes some; in the Metropolis chains at P = 8, N = 300 (which condenses) and P = 9,
    /// N = 281 a flip takes an overlap past the folded range.
    /// </summary>
    [Theory]
    [InlineData(8, 64, 32, 3e-8, false, false)]
    [InlineData(8, 100, 300, 1e-8, true, false)]
    [InlineData(8, 300, 400, 1e-8, true, true)]
    [InlineData(9, 101, 300, 1e-9, true, false)]
    [InlineData(9, 190, 300, 1e-10, true, false)]
    [InlineData(9, 250, 300, 3e-11, true, false)]
    [InlineData(9, 281, 300, 1e-10, true, true)]
    [InlineData(9, 281, 300, 1e-10, true, false, true)]
    public void Larger_hot_chains_on_the_register_tables_take_the_exact_decisions(int order, int n, int k, double temperature, bool onTables, bool leaves, bool heatBath = false)
    {
        var patterns = PatternSet.Random(n, k, 31, 0);
        var energy = new DenseEnergy(order, n);
        Assert.Equal(onTables, energy.Polynomials is null || energy.Polynomials.Reach >= CoarseFlipParts.Useless / patterns.Stride);
        Assert.True(SameTrajectory(patterns, order, temperature, heatBath, random: true, 31, 12));
        var chain = new DenseChain(patterns, energy, temperature, heatBath ? Dynamics.HeatBath : Dynamics.Metropolis, 31, 0, 0, InitialState.Random);
        for (int s = 0; s < 12; s++) chain.Sweep();
        Assert.True(chain.RegisterTurns > 0 && (!leaves || chain.RegisterExits > 0), $"{chain.RegisterTurns} turns on the register tables, {chain.RegisterExits} left within a sweep");
    }

    /// <summary>
    /// The power totals' written-out update (degrees 1 to 7): after a flip, every T_j of the top's parity equals
    /// sum_mu M_mu^j recomputed from the moved overlaps, with overlaps up to 83 (P = 9's wide limit) and signs of both kinds.
    /// </summary>
    [Fact]
    public unsafe void Power_totals_move_as_recomputed()
    {
        var cases =
            from top in Gen.Choose(1, 7)
            from k in Gen.Choose(1, 40)
            from seed in Gen.Choose(0, 100000)
            select (top, k, seed);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var random = new Random(c.seed);
            int si = random.Next(2) * 2 - 1;
            var m = Enumerable.Range(0, c.k).Select(_ => random.Next(-83, 84)).ToArray();
            var xi = Enumerable.Range(0, c.k).Select(_ => random.Next(2) * 2 - 1).ToArray();
            long Power(long x, int j) { long p = 1; for (int l = 0; l < j; l++) p *= x; return p; }
            var totals = new long[c.top + 1];
            var sums = new long[c.top + 1];
            for (int j = 0; j <= c.top; j++)
            {
                totals[j] = m.Sum(x => Power(x, j));
                sums[j] = Enumerable.Range(0, c.k).Sum(mu => xi[mu] * Power(m[mu], j));
            }
            fixed (long* t = totals, s = sums) PowerFlipParts.MoveTotals(t, s, c.top, si);
            for (int j = c.top; j >= 1; j -= 2)
                if (totals[j] != Enumerable.Range(0, c.k).Sum(mu => Power(m[mu] - 2 * si * xi[mu], j))) return false;
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    /// <summary>
    /// Where the bound on max |M| is measured anew: past the measure, within the plain limit from below it and within
    /// the limit, at least 16 past the measure (or at that bound), and nowhere flushing the lanes more often in a pass
    /// than the measure did, except for that margin.
    /// </summary>
    [Fact]
    public void Check_points_keep_the_flushes_of_the_measure()
    {
        var cases =
            from order in Gen.Choose(4, 7)
            from blocks in Gen.Choose(1, 2048)
            select (order, blocks);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            int limit = PowerFlipParts.LimitFor(c.order), plain = Math.Min(PowerFlipParts.PlainLimit(c.order), limit);
            var flush = Enumerable.Range(0, limit + 1).Select(r => PowerFlipParts.FlushEvery(c.order, r, beyond: r > plain)).ToArray();
            var points = PowerFlipParts.CheckPoints(flush, plain, limit, c.blocks);
            for (int r = 0; r <= limit; r++)
            {
                int bound = r <= plain ? plain : limit, at = points[r];
                if (at < r || at > bound || at < Math.Min(bound, r + 16)) return false;
                if (at > r + 16 && flush[at] < Math.Min(c.blocks, flush[r])) return false;
            }
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Fact]
    public void Power_limits_keep_every_int16_power_and_int32_lane_exact()
    {
        Assert.Equal([511, 362, 362, 362, 13], new[] { 4, 5, 6, 7, 8 }.Select(PowerFlipParts.LimitFor));
    }

    /// <summary>The shortcuts where they matter most: tiny energy changes and words near the top of the range.</summary>
    [Fact]
    public void Small_steps_and_top_words_are_decided_as_the_threshold_decides()
    {
        var cases =
            from top in Gen.Choose(0, 1 << 24)
            from nano in Gen.Choose(-2_000_000, 300_000_000)
            from heatBath in Gen.Elements(false, true)
            select (uint.MaxValue - (uint)top, nano / 1e9, heatBath);
        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var dynamics = c.heatBath ? Dynamics.HeatBath : Dynamics.Metropolis;
            bool accepted = c.Item1 < FixedPointAcceptance.Threshold(c.Item2, dynamics);
            int verdict = AcceptanceBuckets.For(dynamics).Decide(c.Item1, c.Item2, c.Item2);
            return (verdict < 0 || (verdict == 1) == accepted) && (!AcceptanceBuckets.SurelyAccepted(dynamics, c.Item1, c.Item2) || accepted);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200_000));
    }

    [Fact]
    public void Fixed_point_thresholds_stay_within_their_error_bound()
    {
        Prop.ForAll(Gen.Choose(-40_000_000, 40_000_000).ToArbitrary(), k =>
        {
            double x = k / 1_000_000.0;
            double metropolis = 4294967296.0 * Math.Min(1, Math.Exp(-x)), heatBath = 4294967296.0 / (1 + Math.Exp(x));
            return Math.Abs(FixedPointAcceptance.Threshold(x, Dynamics.Metropolis) - metropolis) <= FixedPointAcceptance.ErrorBound
                && Math.Abs(FixedPointAcceptance.Threshold(x, Dynamics.HeatBath) - heatBath) <= FixedPointAcceptance.ErrorBound;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200_000));
    }
}
