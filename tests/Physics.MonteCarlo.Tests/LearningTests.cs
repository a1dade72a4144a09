using FsCheck;
using FsCheck.Fluent;
using Physics.MonteCarlo;
using Physics.Networks;
using Xunit;

namespace Physics.MonteCarlo.Tests;

public class LearningTests
{
    /// <summary>H from an explicit coupling matrix J_ij = c sum_kappa V_i V_j / N, i != j (small N only).</summary>
    static double ExplicitEnergy(LearnedCouplings j, sbyte[] s)
    {
        double h = 0;
        for (int a = 0; a < j.Neurons; a++)
            for (int b = 0; b < j.Neurons; b++)
            {
                if (a == b) continue;
                double jab = 0;
                for (int k = 0; k < j.Count; k++) jab += j[a, k] * j[b, k];
                h -= 0.5 * j.Scale / j.Neurons * jab * s[a] * s[b];
            }
        return h;
    }

    [Fact]
    public void Bookkept_energy_and_flip_differences_equal_the_explicit_coupling_matrix()
    {
        Prop.ForAll(Gen.Choose(4, 24).ToArbitrary(), Gen.Choose(1, 4).ToArbitrary(), Gen.Choose(0, 1000).ToArbitrary(), (n, m, seed) =>
        {
            int k = 1 + seed % 5;
            var xi = PatternSet.Random(n, Math.Min(k, 3), (ulong)seed, 0, seed % 2 == 0 ? 0 : 0.3);
            var set = ExampleSet.Generate(xi, 0.2 + 0.8 * (seed % 7) / 7.0, m, (ulong)seed, 0);
            var rng = new Random(seed);
            var s = Enumerable.Range(0, n).Select(_ => (sbyte)(rng.Next(2) * 2 - 1)).ToArray();
            foreach (bool supervised in new[] { true, false })
            {
                var j = LearnedCouplings.Build(set, supervised);
                var sums = j.OverlapSums(s);
                double e = j.Energy(sums);
                if (Math.Abs(e - ExplicitEnergy(j, s)) > 1e-9) return false;
                int i = rng.Next(n);
                double delta = 2 * j.Scale / n * j.FlipNumerator(i, s[i], sums);
                var flipped = (sbyte[])s.Clone(); flipped[i] = (sbyte)-s[i];
                if (Math.Abs(delta - (ExplicitEnergy(j, flipped) - e)) > 1e-9) return false;
                j.Flip(i, s[i], sums);
                if (!sums.SequenceEqual(j.OverlapSums(flipped))) return false;
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Examples_flip_archetype_entries_with_probability_one_minus_r_over_two()
    {
        var xi = PatternSet.Random(2000, 2, 3, 0, 0.25);
        var set = ExampleSet.Generate(xi, 0.6, 50, 3, 0);
        long flipped = 0, nonZero = 0;
        for (int mu = 0; mu < 2; mu++)
            for (int a = 0; a < 50; a++)
                for (int i = 0; i < 2000; i++)
                {
                    int x = xi[mu, i], e = set.Examples[mu * 50 + a, i];
                    if (x == 0) { Assert.Equal(0, e); continue; }
                    nonZero++;
                    if (e != x) flipped++;
                }
        double fraction = flipped / (double)nonZero;
        Assert.True(Math.Abs(fraction - 0.2) < 4 * Math.Sqrt(0.2 * 0.8 / nonZero), $"flip fraction {fraction}");
        Assert.Equal((1 - 0.36) / (50 * 0.36), set.Entropy, 12);
    }

    [Fact]
    public void Runs_are_bitwise_reproducible_whatever_the_thread_count()
    {
        LearningRun Run(bool supervised) => new()
        {
            Neurons = 300, Patterns = 2, Quality = 0.5, Examples = 4, Supervised = supervised, Temperature = 0.3,
            EquilibrationSweeps = 10, MeasurementSweeps = 20, Samples = 3, Seed = 9,
        };
        foreach (bool supervised in new[] { true, false })
        {
            var one = LearningSimulation.Run(Run(supervised), threads: 1);
            var two = LearningSimulation.Run(Run(supervised), threads: 2);
            Assert.Equal(one.FinalStateSha256, two.FinalStateSha256);
            Assert.Equal(one.ArchetypeOverlap.Mean, two.ArchetypeOverlap.Mean);
        }
    }
}
