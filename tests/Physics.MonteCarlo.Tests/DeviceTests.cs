using FsCheck;
using FsCheck.Xunit;
using MathNet.Numerics.Distributions;
using Physics.Networks;

namespace Physics.MonteCarlo.Tests;

/// <summary>ILGPU tests share one collection: the CPU accelerator is not meant for concurrent use.</summary>
[CollectionDefinition("ilgpu", DisableParallelization = true)]
public class IlgpuCollection;

[Collection("ilgpu")]
public class DeviceEqualityTests
{
    [Property(MaxTest = 12)]
    public bool Native_and_ILGPU_trajectories_are_bitwise_equal(int seed, byte n, byte p, byte tRaw, bool heatBath, bool randomStart, byte sweepsRaw, bool diluted)
    {
        int neurons = 2 + n % 40, patterns = 1 + p % 9, sweeps = 1 + sweepsRaw % 4;
        double t1 = 0.1 + tRaw % 20 * 0.1, t2 = t1 * 1.7, d = diluted ? 0.4 : 0;
        var samples = new[] { PatternSet.Random(neurons, patterns, (ulong)(uint)seed, 0, d), PatternSet.Random(neurons, patterns, (ulong)(uint)seed, 1, d) };
        var start = randomStart ? InitialState.Random : InitialState.Pattern;
        var chains = new List<ChainSpec> { new(0, 0, t1, start), new(0, 1, t2, start), new(1, 0, t1, InitialState.Random) };
        var setup = new EnsembleSetup(samples, chains, heatBath ? Dynamics.HeatBath : Dynamics.Metropolis, (ulong)(uint)seed);
        using var native = new CpuEnsemble(setup);
        using var ilgpu = new IlgpuEnsemble(setup, cuda: false);
        native.Sweep(sweeps); ilgpu.Sweep(sweeps);
        native.SetTemperature(0, t2); ilgpu.SetTemperature(0, t2);   // a tempering move in between
        native.Sweep(1); ilgpu.Sweep(1);
        var a = native.Snapshot(); var b = ilgpu.Snapshot();
        return Enumerable.Range(0, chains.Count).All(c =>
            a.Spins(c).SequenceEqual(b.Spins(c)) && a.OverlapSums(c).SequenceEqual(b.OverlapSums(c)) && a.Accepted(c) == b.Accepted(c));
    }

    /// <summary>
    /// Rows of several 32-pattern blocks where most flips are accepted: the native chain applies each accepted flip
    /// inside the next attempt's pass, the kernel at once; both reach the same states.
    /// </summary>
    [Theory]
    [InlineData(70, 3.0)]
    [InlineData(100, 1.0)]
    public void Flips_applied_in_the_next_pass_give_the_kernel_trajectory(int patterns, double temperature)
    {
        var sample = PatternSet.Random(50, patterns, 21, 0);
        var chains = new List<ChainSpec> { new(0, 0, temperature, InitialState.Pattern), new(0, 1, temperature, InitialState.Random) };
        var setup = new EnsembleSetup([sample], chains, Dynamics.Metropolis, 21);
        using var native = new CpuEnsemble(setup);
        using var ilgpu = new IlgpuEnsemble(setup, cuda: false);
        native.Sweep(6); ilgpu.Sweep(6);
        var a = native.Snapshot(); var b = ilgpu.Snapshot();
        for (int c = 0; c < chains.Count; c++)
        {
            Assert.True(a.Accepted(c) > 50, $"chain {c} accepted {a.Accepted(c)}");
            Assert.Equal(b.Accepted(c), a.Accepted(c));
            Assert.Equal(b.Spins(c).ToArray(), a.Spins(c).ToArray());
            Assert.Equal(b.OverlapSums(c).ToArray(), a.OverlapSums(c).ToArray());
        }
    }

    [Fact]
    public void A_whole_run_gives_the_same_numbers_on_every_device()
    {
        var run = new HopfieldRun { Neurons = 64, Patterns = 6, Temperature = 0.6, EquilibrationSweeps = 5, MeasurementSweeps = 20, Samples = 2, ChainsPerSample = 2, Seed = 3 };
        var cpu = HopfieldSimulation.Run(run, device: Devices.Cpu);
        var sim = HopfieldSimulation.Run(run, device: Devices.IlgpuCpu);
        Assert.Equal("ilgpu-cpu", sim.Device);
        Assert.Equal(cpu.FinalStateSha256, sim.FinalStateSha256);
        Assert.Equal(cpu.Overlap, sim.Overlap);
        Assert.Equal(cpu.Energy, sim.Energy);
        Assert.Equal(cpu.Acceptance, sim.Acceptance);
    }

    [Fact]
    public void Tempering_gives_the_same_numbers_on_every_device()
    {
        var run = new TemperingRun { Neurons = 48, Patterns = 4, Temperatures = [0.3, 0.6, 1.0], EquilibrationSweeps = 5, MeasurementSweeps = 20, Samples = 2, Seed = 8 };
        var cpu = ParallelTempering.Run(run, Devices.Cpu);
        var sim = ParallelTempering.Run(run, Devices.IlgpuCpu);
        Assert.Equal(cpu.FinalStateSha256, sim.FinalStateSha256);
        Assert.Equal(cpu.SwapAcceptance, sim.SwapAcceptance);
        for (int t = 0; t < 3; t++)
        {
            Assert.Equal(cpu.Temperatures[t].Overlap, sim.Temperatures[t].Overlap);
            Assert.Equal(cpu.Temperatures[t].Qab, sim.Temperatures[t].Qab);
        }
    }

    [Fact]
    public void Asking_for_CUDA_where_there_is_none_is_an_error_naming_the_option()
    {
        if (IlgpuEnsemble.CudaAvailable()) return; // a GPU machine: nothing to refuse
        var setup = new EnsembleSetup([PatternSet.Random(8, 1, 1, 0)], [new ChainSpec(0, 0, 1, InitialState.Random)], Dynamics.Metropolis, 1);
        var e = Assert.Throws<ArgumentException>(() => Devices.Create(Devices.Cuda, setup));
        Assert.Contains("--device", e.Message);
        Assert.Equal(Devices.Cpu, Devices.Resolve(Devices.Auto));
        Assert.Throws<ArgumentException>(() => Devices.Resolve("tpu"));
    }
}

public class TemperingTests
{
    /// <summary>
    /// N = 8: at every temperature of the ladder the walker found there visits states with the exact
    /// Boltzmann weights (chi-square at p = 0.001, fixed seed).
    /// </summary>
    [Fact]
    public void Every_temperature_of_the_ladder_samples_the_Boltzmann_distribution()
    {
        const int n = 8, p = 3, records = 60_000, thin = 3;
        double[] ladder = [0.4, 0.7, 1.2, 2.0];
        var x = PatternSet.Random(n, p, 11, 0);
        var specs = ladder.Select((t, w) => new ChainSpec(0, w, t, InitialState.Random)).ToList();
        using var ensemble = new CpuEnsemble(new EnsembleSetup([x], specs, Dynamics.Metropolis, 99), threads: 1);
        var at = Enumerable.Range(0, ladder.Length).ToArray();
        var rng = new Random(5);
        var counts = new long[ladder.Length, 1 << n];
        for (int rec = 0; rec < records; rec++)
        {
            for (int k = 0; k < thin; k++)
            {
                ensemble.Sweep(1);
                var snap = ensemble.Snapshot();
                for (int t = rec % 2; t + 1 < ladder.Length; t += 2)
                {
                    double e0 = HebbianEnergy.Instance.Energy(x, snap.Spins(at[t])), e1 = HebbianEnergy.Instance.Energy(x, snap.Spins(at[t + 1]));
                    if (rng.NextDouble() < Math.Exp((1 / ladder[t] - 1 / ladder[t + 1]) * (e0 - e1)))
                    {
                        (at[t], at[t + 1]) = (at[t + 1], at[t]);
                        ensemble.SetTemperature(at[t], ladder[t]);
                        ensemble.SetTemperature(at[t + 1], ladder[t + 1]);
                    }
                }
            }
            var s = ensemble.Snapshot();
            for (int t = 0; t < ladder.Length; t++) counts[t, Index(s.Spins(at[t]))]++;
        }
        for (int t = 0; t < ladder.Length; t++)
        {
            var w = new double[1 << n];
            for (int st = 0; st < w.Length; st++) w[st] = Math.Exp(-HebbianEnergy.Instance.Energy(x, Spins(st, n)) / ladder[t]);
            double z = w.Sum(), chi2 = 0;
            int bins = 0;
            for (int st = 0; st < w.Length; st++)
            {
                double expected = records * w[st] / z;
                if (expected < 5) continue;
                chi2 += (counts[t, st] - expected) * (counts[t, st] - expected) / expected;
                bins++;
            }
            double critical = ChiSquared.InvCDF(bins - 1, 0.999);
            Assert.True(chi2 < critical, $"T = {ladder[t]}: chi2 = {chi2:F1} over {bins} bins, critical {critical:F1}");
        }
    }

    [Fact]
    public void The_library_driver_samples_Boltzmann_at_every_rung_too()
    {
        // The driver's own swaps (Philox decisions) on a 6-spin system: mean energy at each T equals the exact one.
        const int n = 6, p = 2;
        double[] ladder = [0.5, 0.9, 1.6];
        var run = new TemperingRun { Neurons = n, Patterns = p, Temperatures = ladder, EquilibrationSweeps = 100, MeasurementSweeps = 40_000, Replicas = 2, Seed = 4, Start = InitialState.Random };
        var result = ParallelTempering.Run(run);
        var x = PatternSet.Random(n, p, 4, 0);
        for (int t = 0; t < ladder.Length; t++)
        {
            double z = 0, e = 0;
            for (int st = 0; st < 1 << n; st++)
            {
                double h = HebbianEnergy.Instance.Energy(x, Spins(st, n)), w = Math.Exp(-h / ladder[t]);
                z += w; e += w * h / n;
            }
            var measured = result.Temperatures[t].Energy;
            Assert.True(Math.Abs(measured.Mean - e / z) < 4 * measured.Error + 1e-3, $"T = {ladder[t]}: {measured} vs exact {e / z:F5}");
        }
        Assert.All(result.SwapAcceptance, a => Assert.InRange(a, 0.05, 1.0));
    }

    static sbyte[] Spins(int state, int n) => Enumerable.Range(0, n).Select(i => (sbyte)(((state >> i) & 1) == 1 ? 1 : -1)).ToArray();

    static int Index(ReadOnlySpan<sbyte> s)
    {
        int index = 0;
        for (int i = 0; i < s.Length; i++) if (s[i] > 0) index |= 1 << i;
        return index;
    }

    [Fact]
    public void Binder_cumulant_is_two_thirds_for_a_fixed_magnitude_and_zero_for_a_gaussian()
    {
        Assert.Equal(2.0 / 3, ParallelTempering.Binder(Enumerable.Repeat(0.9, 64).Select((v, i) => i % 2 == 0 ? v : -v).ToArray()).Mean, 12);
        var rng = new Random(1);
        var g = Enumerable.Range(0, 1 << 16).Select(_ => Normal.Sample(rng, 0, 1)).ToArray();
        var b = ParallelTempering.Binder(g);
        Assert.InRange(b.Mean, -0.03, 0.03);
        Assert.True(b.Error is > 0 and < 0.03);
    }
}
