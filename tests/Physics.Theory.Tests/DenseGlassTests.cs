using FsCheck;
using FsCheck.Xunit;
using Physics.Theory;
using Xunit;

namespace Physics.Theory.Tests;

/// <summary>The glass phase of the dense network: the Ising P-spin glass of its uncondensed patterns at one step of RSB.</summary>
public class DenseGlassTests
{
    /// <summary>
    /// The Ising 3-spin glass with xi(q) = q^3/2: dynamical transition T_d = 0.682, static T_s = 0.651 (Gardner 1985;
    /// Montanari and Ricci-Tersenghi 2003 quote 0.682 and 0.651).
    /// </summary>
    [Fact]
    public void Three_spin_glass_transitions_match_the_literature()
    {
        var t = DenseGlass.Transitions(3);
        Assert.InRange(t.Dynamical, 0.681, 0.683);
        Assert.InRange(t.Static, 0.650, 0.652);
        Assert.True(t.Static < t.Dynamical && t.Q1Static > t.Q1Dynamical && t.Q1Dynamical > 0.5);
    }

    /// <summary>For large P the static transition tends to the random energy model's 1/(2 sqrt(ln 2)), from above, with q1 -> 1.</summary>
    [Fact]
    public void Static_transition_tends_to_the_random_energy_model()
    {
        double previous = double.PositiveInfinity;
        foreach (int p in new[] { 3, 4, 6, 10, 20 })
        {
            var t = DenseGlass.Transitions(p);
            Assert.True(t.Static > DenseGlass.RandomEnergyLimit && t.Static < previous, $"P = {p}: T_s = {t.Static}");
            previous = t.Static;
        }
        Assert.Equal(DenseGlass.RandomEnergyLimit, previous, 4);
        Assert.True(DenseGlass.Transitions(20).Q1Static > 0.9999);
    }

    /// <summary>
    /// At theta = 1 the one-step free energy is the paramagnet's, -T ln 2 - beta xi(1)/2, whatever q: exactly, and to the
    /// tilted averages' quadrature in the code (2e-10 at worst on a scan of this domain; a bound of 1e-10 failed once
    /// in CI, at 1.0e-10).
    /// </summary>
    [Property(MaxTest = 40)]
    public bool At_theta_one_the_glass_free_energy_is_the_paramagnets(byte pRaw, byte qRaw, byte tRaw)
    {
        int p = 3 + pRaw % 5;
        double q = 0.02 + 0.97 * qRaw / 255.0, t = 0.1 + 1.5 * tRaw / 255.0;
        // J = 1 is alpha = P!/2.
        return Math.Abs(DenseGlass.FreeEnergy(p, t, q, 1) - DenseGlass.ParamagnetFreeEnergy(p, Dense.Factorial(p) / 2, t)) < 1e-9;
    }

    /// <summary>
    /// The glass free energy equals the 1RSB functional of <see cref="OneStepRsb"/> (Gauss-Legendre nested averages, another
    /// code) at m = 0, q0 = 0, and its state is stationary there in q1 and theta.
    /// </summary>
    [Theory]
    [InlineData(3, 0.3, 0.8)]
    [InlineData(4, 0.02, 0.5)]
    [InlineData(5, 0.005, 0.3)]
    public void Glass_state_is_the_stationary_point_of_the_one_step_functional(int p, double alpha, double belowStatic)
    {
        double temperature = belowStatic * DenseGlass.Transitions(p).Static * DenseGlass.Scale(p, alpha);
        var s = DenseGlass.State(p, alpha, temperature);
        Assert.True(s.Frozen && s.Theta is > 0 and < 1 && s.Q1 is > 0.5 and < 1, $"{s}");
        double F(double q1, double theta) => OneStepRsb.FreeEnergy(p, alpha, temperature, [1e-7, q1, 1e-9, theta]);
        Assert.Equal(s.FreeEnergy, F(s.Q1, s.Theta), 6);
        const double h = 1e-5;
        Assert.True(Math.Abs(F(s.Q1 + h, s.Theta) - F(s.Q1 - h, s.Theta)) / (2 * h) < 1e-4);
        Assert.True(Math.Abs(F(s.Q1, s.Theta + h) - F(s.Q1, s.Theta - h)) / (2 * h) < 1e-4);
    }

    /// <summary>
    /// Below T_s the glass free energy lies above the paramagnet's (the n -> 0 extremum is a maximum in theta) and meets
    /// it at T_s; towards T = 0 it tends to the 1RSB ground state energy of the T = 0 functional (about -0.813 at J = 1).
    /// </summary>
    [Fact]
    public void Glass_free_energy_joins_the_paramagnet_at_T_s_and_the_ground_state_at_T_0()
    {
        double alpha = 3; // P = 3, J = 1
        var t = DenseGlass.Transitions(3);
        foreach (double temperature in new[] { 0.2, 0.4, 0.6 })
            Assert.True(DenseGlass.State(3, alpha, temperature, t).FreeEnergy > DenseGlass.ParamagnetFreeEnergy(3, alpha, temperature));
        double justBelow = t.Static * (1 - 1e-4);
        var near = DenseGlass.State(3, alpha, justBelow, t);
        Assert.True(near.Frozen && near.Theta > 0.999);
        Assert.True(Math.Abs(near.FreeEnergy - DenseGlass.ParamagnetFreeEnergy(3, alpha, justBelow)) < 1e-7);
        Assert.False(DenseGlass.State(3, alpha, t.Static * 1.01, t).Frozen);
        double ground = double.NegativeInfinity;
        for (double mu = 0.5; mu < 3; mu += 0.001) ground = Math.Max(ground, OneStepRsb.DenseGroundEnergy(3, alpha, 1e-9, 1e-9, mu).Value);
        double cold = DenseGlass.State(3, alpha, 0.01, t).FreeEnergy;
        Assert.True(Math.Abs(ground - cold) < 1e-4, $"T = 0 functional {ground}, glass at T = 0.01 {cold}");
        // Far colder (theta about 1e-6, the tilted measure's factors varying on the scale 1e-7 in z) the state still
        // tends to the ground state, with q1 -> 1, as the golden-section maximum over mu gives it.
        Assert.Equal(ground, DenseGlass.GroundStateEnergy(3), 6);
        var frozen = DenseGlass.State(3, alpha, 1e-6, t);
        Assert.True(Math.Abs(frozen.FreeEnergy - ground) < 1e-5 && frozen.Q1 > 0.99999, $"{frozen} vs ground state {ground}");
    }

    /// <summary>Temperatures scale as J = sqrt(2 alpha/P!): the glass at (alpha, T) is the J = 1 glass at T/J.</summary>
    [Fact]
    public void Glass_scales_with_the_load()
    {
        var t = DenseGlass.Transitions(4);
        double alpha = 0.03, j = DenseGlass.Scale(4, alpha);
        var s = DenseGlass.State(4, alpha, 0.5 * t.Static * j, t);
        var unit = DenseGlass.State(4, Dense.Factorial(4) / 2, 0.5 * t.Static, t);
        Assert.Equal(unit.Q1, s.Q1, 10);
        Assert.Equal(unit.Theta, s.Theta, 10);
        Assert.Equal(unit.FreeEnergy * j, s.FreeEnergy, 10);
    }

    /// <summary>
    /// At zero load T_c is the Curie-Weiss P-spin transition, found here independently: m = tanh(beta m^(P-1)/(P-1)!) and
    /// (P-1) m^P/P! - T ln 2cosh(beta m^(P-1)/(P-1)!) = -T ln 2. With load T_c falls, stays below T_M, and at T_c the two
    /// free energies are equal.
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    public void Retrieval_transition_starts_at_the_curie_weiss_point_and_falls_with_the_load(int p)
    {
        double fact = Dense.Factorial(p - 1);
        double Gap(double temperature)
        {
            double m = 1;
            for (int k = 0; k < 100_000; k++) m = Math.Tanh(Math.Pow(m, p - 1) / fact / temperature);
            double h = Math.Pow(m, p - 1) / fact;
            return (p - 1) * Math.Pow(m, p) / Dense.Factorial(p) - temperature * Math.Log(2 * Math.Cosh(h / temperature)) + temperature * Math.Log(2);
        }
        double lo = 0.01, hi = 0.3;
        for (int k = 0; k < 50; k++) { double mid = 0.5 * (lo + hi); if (Gap(mid) < 0) lo = mid; else hi = mid; }
        var transitions = DenseGlass.Transitions(p);
        double atZero = DenseGlass.RetrievalTransition(p, 0, Dense.Spinodal(p, 0)!.Value, transitions)!.Value;
        Assert.Equal(lo, atZero, 5);
        double previous = atZero, alphaC = Dense.ZeroTemperatureCapacity(p).Alpha;
        foreach (double f in new[] { 0.3, 0.6, 0.9 })
        {
            double alpha = f * alphaC, spinodal = Dense.Spinodal(p, alpha)!.Value;
            double tc = DenseGlass.RetrievalTransition(p, alpha, spinodal, transitions)!.Value;
            Assert.True(tc < previous && tc < spinodal, $"alpha = {alpha}: T_c = {tc}, T_M = {spinodal}");
            Assert.Equal(Dense.Retrieval(p, alpha, tc)!.FreeEnergy, DenseGlass.State(p, alpha, tc, transitions).FreeEnergy, 5);
            previous = tc;
        }
    }

    /// <summary>
    /// The glass's ground-state energy at J = 1 tends to the random energy model's -sqrt(ln 2) as P grows (P = 3: -0.8135),
    /// and retrieval is the ground state up to alpha_t, where the 1RSB retrieval energy meets J(alpha) times it: below the
    /// 1RSB capacity, and for P = 3 above the RS one (0.1261), near the end of the T_c line (0.139 at T = 0.155).
    /// </summary>
    [Fact]
    public void Ground_state_transition_lies_where_the_retrieval_and_glass_energies_meet()
    {
        double previous = 0;
        foreach (int p in new[] { 3, 4, 6, 12 })
        {
            double e0 = DenseGlass.GroundStateEnergy(p);
            Assert.True(e0 < previous && e0 > -Math.Sqrt(Math.Log(2)), $"P = {p}: e0 = {e0}");
            previous = e0;
        }
        Assert.Equal(-0.8135, DenseGlass.GroundStateEnergy(3), 4);
        Assert.Equal(-Math.Sqrt(Math.Log(2)), previous, 3);
        double at = DenseGlass.GroundStateTransition(3)!.Value;
        Assert.InRange(at, Dense.ZeroTemperatureCapacity(3).Alpha, OneStepRsb.Capacity(3).Alpha);
        double Gap(double alpha) => OneStepRsb.ZeroTemperature(3, alpha)!.FreeEnergy - DenseGlass.GroundStateEnergy(3) * DenseGlass.Scale(3, alpha);
        Assert.True(Gap(0.98 * at) < 0 && Gap(1.02 * at) > 0);
        Assert.True(Math.Abs(Gap(at)) < 1e-6);
    }

    /// <summary>
    /// For large P retrieval is perfect (e = -1/P!) and the glass is the random energy model's, -sqrt(ln 2) J with
    /// J^2 = 2 alpha/P!: they meet at alpha_t = 1/(2 ln 2 P!). The 1RSB solution approaches it (P = 10: 0.038 %, P = 12:
    /// 0.009 %); with an absolute bisection tolerance of 1e-7 it had returned half the capacity from P = 10.
    /// </summary>
    [Fact]
    public void Ground_state_transition_tends_to_the_random_energy_model_limit()
    {
        foreach (var (p, within) in new[] { (10, 5e-4), (12, 1.5e-4) })
        {
            double limit = 1 / (2 * Math.Log(2) * Dense.Factorial(p));
            double at = DenseGlass.GroundStateTransition(p)!.Value;
            Assert.True(Math.Abs(at / limit - 1) < within, $"P = {p}: alpha_t = {at}, limit {limit}");
        }
    }

    /// <summary>
    /// Near its tip (P = 3, alpha about 0.1414, just beyond alpha_t = 0.1408) T_c falls steeply with the load; it is found
    /// there, and beyond the tip there is none.
    /// </summary>
    [Fact]
    public void Retrieval_transition_is_found_up_to_the_tip_of_its_line()
    {
        var transitions = DenseGlass.Transitions(3);
        double? At(double alpha) => DenseGlass.RetrievalTransition(3, alpha, Dense.Spinodal(3, alpha)!.Value, transitions, 1e-5);
        double before = At(0.1408)!.Value, near = At(0.1413)!.Value;
        Assert.InRange(near, 0.14, before);
        Assert.Null(At(0.143));
    }

    /// <summary>
    /// Between alpha_t (0.14081) and the tip of T_c the glass is the ground state and retrieval becomes the global
    /// minimum only on warming, above a lower edge: P = 3, alpha = 0.1411 at T = 0.0980, where the gap from a separate
    /// path (<see cref="OneStepRsb.Solve"/> from T = 0, and the RS state) changes sign. The edge rises with the load and
    /// stays below T_c; below alpha_t there is none, nor beyond the tip. P = 4 has the same sliver (alpha_t = 0.031649).
    /// </summary>
    [Fact]
    public void Retrieval_is_the_global_minimum_only_above_a_lower_edge_between_alpha_t_and_the_tip()
    {
        var transitions = DenseGlass.Transitions(3);
        double Gap(double alpha, double t) => OneStepRsb.Solve(3, alpha, t)!.FreeEnergy - DenseGlass.State(3, alpha, t, transitions).FreeEnergy;
        double Upper(double alpha) => DenseGlass.RetrievalTransition(3, alpha, Dense.Spinodal(3, alpha)!.Value, transitions, 1e-5)!.Value;
        double middle = DenseGlass.RetrievalLowerTransition(3, 0.1411, Upper(0.1411), transitions)!.Value;
        Assert.InRange(middle, 0.0975, 0.0985);
        Assert.True(Gap(0.1411, middle - 0.004) > 0 && Gap(0.1411, middle + 0.004) < 0);
        double outer = DenseGlass.RetrievalLowerTransition(3, 0.1413, Upper(0.1413), transitions)!.Value;
        Assert.InRange(outer, middle + 0.01, Upper(0.1413));
        Assert.Null(DenseGlass.RetrievalLowerTransition(3, 0.1405, 0.2, transitions));             // below alpha_t
        Assert.Null(DenseGlass.RetrievalLowerTransition(3, 0.1415, Dense.Spinodal(3, 0.1415)!.Value, transitions)); // beyond the tip
        var four = DenseGlass.Transitions(4);
        double edge4 = DenseGlass.RetrievalLowerTransition(4, 0.03168, DenseGlass.RetrievalTransition(4, 0.03168, Dense.Spinodal(4, 0.03168)!.Value, four, 1e-5)!.Value, four)!.Value;
        Assert.InRange(edge4, 0.019, 0.021);
    }
}
