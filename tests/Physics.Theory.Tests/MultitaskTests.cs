using FsCheck;
using FsCheck.Xunit;
using Physics.Theory;

namespace Physics.Theory.Tests;

public class MultitaskTests
{
    [Theory]
    [InlineData(0.2, 3)]
    [InlineData(0.4, 3)]
    [InlineData(0.3, 4)]
    [InlineData(0.5, 2)]
    public void Zero_temperature_hierarchical_state_has_the_exact_amplitudes(double d, int k)
    {
        // Several decreasing T = 0 fixed points can exist; the power-law hierarchy has the lowest free energy
        // of them (States are ordered by f), and is the global minimum.
        var states = new Multitask(d, k).States(0);
        var state = states.First(s => s.Type == Multitask.Hierarchical && s.M.Count(x => x > 0) == k);
        var exact = Multitask.HierarchicalAmplitudes(d, k);
        for (int mu = 0; mu < k; mu++) Assert.Equal(exact[mu], state.M[mu], 12);
        Assert.True(state.Stable);
        Assert.Same(states[0], state);
    }

    [Fact]
    public void Hierarchical_limit_solves_one_minus_two_d_plus_d_to_the_K()
    {
        Assert.Equal((Math.Sqrt(5) - 1) / 2, Multitask.HierarchicalLimit(3), 12);
        Assert.Equal(0.5, Multitask.HierarchicalLimit(40), 9);
        Assert.Equal(1.0, Multitask.HierarchicalLimit(2));
        foreach (int k in new[] { 3, 4, 5 })
        {
            double dk = Multitask.HierarchicalLimit(k);
            Assert.True(IsZeroTemperatureFixedPoint(dk - 0.01, k));
            Assert.False(IsZeroTemperatureFixedPoint(dk + 0.01, k));
        }
    }

    static bool IsZeroTemperatureFixedPoint(double d, int k)
    {
        var m = Multitask.HierarchicalAmplitudes(d, k);
        var f = new Multitask(d, k).Evaluate(m, 0).F;
        return m.Zip(f, (a, b) => Math.Abs(a - b)).Max() < 1e-12;
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(0.6)]
    public void Paramagnet_loses_stability_at_T_equal_one_minus_d(double d)
    {
        var model = new Multitask(d, 3);
        Assert.True(model.States(1 - d + 0.01).Single(s => s.Type == Multitask.Paramagnet).Stable);
        Assert.False(model.States(1 - d - 0.01).Single(s => s.Type == Multitask.Paramagnet).Stable);
        Assert.Single(model.States(1 - d + 0.01));
    }

    [Fact]
    public void Without_dilution_the_classical_low_load_states_come_back()
    {
        // Pure state: m = tanh(beta m); T = 0 symmetric mixtures m_3 = 1/2, m_5 = 3/8 (REFERENCE.md section 2).
        var pure = new Multitask(0, 3).States(0.5).Single(s => s.Type == Multitask.Pure);
        Assert.Equal(Math.Tanh(pure.M[0] / 0.5), pure.M[0], 12);
        Assert.Equal(0.5, new Multitask(0, 3).States(0).Single(s => s.Type == Multitask.Parallel).M[0], 12);
        Assert.Equal(3.0 / 8, new Multitask(0, 5).States(0).Single(s => s.Type == Multitask.Parallel).M[0], 12);
        // The 3-mixture is stable below T = 0.46 (AGS 1985: 0.4598) and even mixtures never are.
        Assert.True(new Multitask(0, 3).States(0.45).Single(s => s.Type == Multitask.Parallel).Stable);
        Assert.DoesNotContain(new Multitask(0, 3).States(0.47), s => s.Type == Multitask.Parallel && s.Stable);
        Assert.All(new Multitask(0, 2).States(0.3).Where(s => s.Type == Multitask.Parallel), s => Assert.False(s.Stable));
    }

    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(0.4, 0.3)]
    public void One_diluted_pattern_is_a_Curie_Weiss_magnet_on_the_non_zero_sites(double d, double t)
    {
        // m = (1-d) tanh(beta m), f = m^2/2 - T [(1-d) ln 2cosh(beta m) + d ln 2].
        var pure = new Multitask(d, 1).States(t).Single(s => s.Type == Multitask.Pure);
        double m = pure.M[0];
        Assert.Equal((1 - d) * Math.Tanh(m / t), m, 12);
        Assert.Equal(m * m / 2 - t * ((1 - d) * Math.Log(2 * Math.Cosh(m / t)) + d * Math.Log(2)), pure.FreeEnergy, 12);
    }

    [Fact]
    public void Pure_state_turns_unstable_towards_multiple_retrieval_at_low_temperature()
    {
        foreach (var d in new[] { 0.1, 0.3, 0.5 })
        {
            double tp = Multitask.PureInstability(d)!.Value;
            Assert.InRange(tp, 0.0, 1 - d);
            var model = new Multitask(d, 2);
            Assert.False(model.States(tp * 0.9).Single(s => s.Type == Multitask.Pure).Stable);
            Assert.True(model.States(Math.Min(tp * 1.1, tp + 0.5 * (1 - d - tp))).Single(s => s.Type == Multitask.Pure).Stable);
        }
        Assert.Null(Multitask.PureInstability(0));
    }

    /// <summary>Sign flips and permutations of patterns are symmetries: the map is equivariant and f invariant.</summary>
    [Property(MaxTest = 100)]
    public bool Pattern_sign_flips_and_permutations_are_symmetries(byte dRaw, byte tRaw, int seed)
    {
        double d = dRaw % 90 / 100.0, t = 0.05 + tRaw % 100 / 100.0;
        var rng = new Random(seed);
        const int k = 3;
        var model = new Multitask(d, k);
        var m = Enumerable.Range(0, k).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
        var perm = Enumerable.Range(0, k).OrderBy(_ => rng.Next()).ToArray();
        var sign = Enumerable.Range(0, k).Select(_ => rng.Next(2) * 2 - 1).ToArray();
        var moved = perm.Select((p, mu) => sign[mu] * m[p]).ToArray();
        var (f, _, free) = model.Evaluate(m, t);
        var (g, _, freeMoved) = model.Evaluate(moved, t);
        return Math.Abs(free - freeMoved) < 1e-12 && perm.Select((p, mu) => Math.Abs(sign[mu] * f[p] - g[mu])).Max() < 1e-12;
    }

    [Fact]
    public void States_are_fixed_points_with_the_free_energy_of_the_formula()
    {
        var model = new Multitask(0.4, 3);
        foreach (var s in model.States(0.2))
        {
            var (f, _, free) = model.Evaluate(s.M, 0.2);
            Assert.True(s.M.Zip(f, (a, b) => Math.Abs(a - b)).Max() < 1e-11);
            Assert.Equal(free, s.FreeEnergy, 14);
        }
    }
}
