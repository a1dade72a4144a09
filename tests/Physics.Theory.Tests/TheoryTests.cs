using MathNet.Numerics;
using Physics.Theory;

namespace Physics.Theory.Tests;

public class QuadratureTests
{
    [Fact]
    public void Smooth_moments_are_exact_to_1e_12()
    {
        Assert.Equal(1.0, GaussianAverage.Of(_ => 1), 13);
        Assert.Equal(0.0, GaussianAverage.Of(z => z), 13);
        Assert.Equal(1.0, GaussianAverage.Of(z => z * z), 12);
        Assert.Equal(3.0, GaussianAverage.Of(z => Math.Pow(z, 4)), 12);
        Assert.Equal(15.0, GaussianAverage.Of(z => Math.Pow(z, 6)), 11);
        Assert.Equal(Math.Exp(-0.5), GaussianAverage.Of(Math.Cos), 13);
        Assert.Equal(Math.Exp(0.5 * 0.49), GaussianAverage.Of(z => Math.Exp(0.7 * z)), 12);
    }

    /// <summary>Independent reference: the trapezoid rule on a fine grid, which converges geometrically for these analytic integrands.</summary>
    static double Trapezoid(Func<double, double> f, int points = 400_001)
    {
        double a = -10, h = 20.0 / (points - 1), sum = 0;
        for (int k = 0; k < points; k++)
        {
            double z = a + k * h;
            sum += (k == 0 || k == points - 1 ? 0.5 : 1) * f(z) * Math.Exp(-0.5 * z * z);
        }
        return sum * h / Math.Sqrt(2 * Math.PI);
    }

    [Theory]
    [InlineData(0.95, 0.45, 0.05)]
    [InlineData(0.30, 0.60, 0.05)]
    [InlineData(0.99, 0.35, 0.02)]
    [InlineData(0.50, 1.20, 0.10)]
    [InlineData(0.00, 0.80, 0.05)]
    public void Steep_tanh_integrands_at_low_temperature_hold_to_1e_10(double m, double sigma, double temperature)
    {
        var mo = FieldMoments.Compute(m, sigma, temperature);
        double beta = 1 / temperature;
        Assert.Equal(Trapezoid(z => Math.Tanh(beta * (m + sigma * z))), mo.Tanh, 10);
        Assert.Equal(Trapezoid(z => 1 / Math.Pow(Math.Cosh(beta * (m + sigma * z)), 2)), mo.Sech2, 10);
        Assert.Equal(Trapezoid(z => temperature * Math.Log(2 * Math.Cosh(beta * (m + sigma * z)))), mo.LogCosh, 10);
    }

    [Fact]
    public void Zero_temperature_limit_of_the_tanh_average_is_erf()
    {
        double m = 0.8, sigma = 0.5;
        Assert.Equal(SpecialFunctions.Erf(m / (sigma * Math.Sqrt(2))), FieldMoments.Compute(m, sigma, 1e-6).Tanh, 9);
    }

    /// <summary>
    /// The finite-T solvers keep their digits down to T = 1e-10 (the AGS retrieval state there is the T = 0 one to 1e-9)
    /// and refuse anything colder, where they returned wrong states (m = 0.9984 for 0.9980 at T = 1e-20); a kink width
    /// that underflows to 0 (sigma = 1e150, T = 1e-300) still gives a finite rule, where it used to fill memory.
    /// </summary>
    [Fact]
    public void Finite_temperature_solvers_hold_their_digits_to_their_floor_and_refuse_below()
    {
        var cold = Ags.Solve(0.1, FieldMoments.SmallestTemperature).Branch(Ags.Retrieval)!;
        Assert.Equal(Ags.ZeroTemperatureRetrievalAt(0.1)!.M, cold.M, 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => Ags.Solve(0.1, 1e-20));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dense.Retrieval(3, 0.1, 1e-20));
        // The digits are lost relative to the fields: P = 12's are 1/11! = 2.5e-8, and its floor is lower by as much.
        Assert.True(Dense.Retrieval(12, 1e-9, 1e-12)!.M > 0.99);
        Assert.Throws<ArgumentOutOfRangeException>(() => Dense.Retrieval(3, 0.1, 1e-12));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dense.ZeroTemperatureCapacity(Dense.MaxOrder + 1));
        var rule = new GaussianAverage(0.5, 1e-300 / 1e150);
        Assert.InRange(rule.Count, 16, 20000);
        Assert.Equal(1, rule.Integrate(_ => 1), 12);
    }
}

public class AgsTests
{
    [Theory]
    [InlineData(0.3)]
    [InlineData(0.6)]
    [InlineData(0.9)]
    public void Vanishing_load_is_Curie_Weiss(double temperature)
    {
        // alpha = 0 exactly, and alpha = 1e-9 (whose noise term shifts m by O(alpha) only).
        foreach (var (alpha, digits) in new[] { (0.0, 11), (1e-9, 7) })
        {
            var r = Ags.Solve(alpha, temperature).Branch(Ags.Retrieval)!;
            Assert.Equal(Math.Tanh(r.M / temperature), r.M, digits);
            double f = r.M * r.M / 2 - temperature * Math.Log(2 * Math.Cosh(r.M / temperature));
            Assert.Equal(f, r.FreeEnergy, digits);
        }
        Assert.Null(Ags.Solve(0, 1.05).Branch(Ags.Retrieval));
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(0.05)]
    [InlineData(0.1)]
    [InlineData(0.2)]
    public void Spin_glass_appears_at_T_g_equal_one_plus_sqrt_alpha(double alpha)
    {
        double tg = 1 + Math.Sqrt(alpha);
        var below = Ags.Solve(alpha, tg - 0.01).Branch(Ags.SpinGlass)!;
        Assert.InRange(below.Q, 1e-4, 0.05);
        Assert.Null(Ags.Solve(alpha, tg + 0.001).Branch(Ags.SpinGlass));
        // q vanishes linearly at T_g: q(T_g - 2e) ~ 2 q(T_g - e).
        double q1 = Ags.Solve(alpha, tg - 0.002).Branch(Ags.SpinGlass)!.Q, q2 = Ags.Solve(alpha, tg - 0.004).Branch(Ags.SpinGlass)!.Q;
        Assert.InRange(q2 / q1, 1.8, 2.2);
    }

    [Fact]
    public void Zero_temperature_capacity_matches_AGS()
    {
        var c = Ags.CriticalLoad();
        Assert.Equal(0.137906, c.Alpha, 6);   // REFERENCE.md: alpha_c = 0.137906, m = 0.967417
        Assert.Equal(0.967417, c.M, 6);
        Assert.Equal(0.179612, c.C, 6);
        Assert.Equal(1.485803, c.R, 6);
        Assert.Equal(-0.501445, c.Energy, 6);
        Assert.Null(Ags.ZeroTemperatureRetrievalAt(0.1380));
        Assert.NotNull(Ags.ZeroTemperatureRetrievalAt(0.1378));
    }

    [Fact]
    public void Zero_temperature_energies_cross_at_0_051854()
    {
        Assert.Equal(0.051854, Ags.ZeroTemperatureTransitionLoad(), 6);
    }

    [Theory]
    [InlineData(0.02)]
    [InlineData(0.08)]
    [InlineData(0.12)]
    public void Zero_temperature_equations_agree_with_the_finite_T_solver(double alpha)
    {
        var zero = Ags.ZeroTemperatureRetrievalAt(alpha)!;
        var cold = Ags.Solve(alpha, 0.004).Branch(Ags.Retrieval)!;
        Assert.Equal(zero.M, cold.M, 4);
        Assert.Equal(zero.C, cold.C, 2);
        Assert.Equal(zero.Energy, cold.FreeEnergy, 4);
        var sg0 = Ags.ZeroTemperatureSpinGlass(alpha);
        var sgCold = Ags.Solve(alpha, 0.002).Branch(Ags.SpinGlass)!;
        Assert.Equal(sg0.R, sgCold.R, 1);
        Assert.Equal(sg0.Energy, sgCold.FreeEnergy, 2);
        // The T = 0 branch list carries the same states.
        var t0 = Ags.Solve(alpha, 0);
        Assert.Equal(zero.M, t0.Branch(Ags.Retrieval)!.M, 12);
        Assert.Equal(sg0.Energy, t0.Branch(Ags.SpinGlass)!.FreeEnergy, 12);
    }

    [Theory]
    [InlineData(0.05, 0.1)]
    [InlineData(0.1, 0.3)]
    [InlineData(0.13, 0.05)]
    [InlineData(0.02, 0.6)]
    public void Solutions_satisfy_the_saddle_point_equations(double alpha, double temperature)
    {
        var s = Ags.Solve(alpha, temperature);
        Assert.Empty(s.Failures);
        foreach (var b in s.Branches.Where(b => b.Name != Ags.Paramagnet))
        {
            double beta = 1 / temperature, sigma = Math.Sqrt(alpha * b.R);
            var mo = FieldMoments.Compute(b.M, sigma, temperature);
            Assert.Equal(b.M, mo.Tanh, 11);
            Assert.Equal(b.Q, 1 - mo.Sech2, 11);                                  // q = <tanh^2>
            Assert.Equal(b.R, b.Q / Math.Pow(1 - beta * (1 - b.Q), 2), 9);        // r = q / (1 - beta(1-q))^2
        }
    }

    [Fact]
    public void Free_energy_is_stationary_in_the_order_parameters()
    {
        // The RS free energy's derivative in m along the solution family vanishes (saddle point).
        var p = new AgsPoint(0.05, 0.3);
        var (m, c) = Ags.RetrievalState(p)!.Value;
        double h = 1e-5;
        double dfdm = (p.FreeEnergy(m + h, c) - p.FreeEnergy(m - h, c)) / (2 * h);
        double dfdc = (p.FreeEnergy(m, c + h) - p.FreeEnergy(m, c - h)) / (2 * h);
        Assert.InRange(dfdm, -1e-7, 1e-7);
        Assert.InRange(dfdc, -1e-7, 1e-7);
    }

    [Fact]
    public void Analytic_jacobian_matches_differences()
    {
        var p = new AgsPoint(0.08, 0.25);
        double m = 0.9, c = 0.4, h = 1e-6;
        var (_, _, j11, j12, j21, j22, _) = p.Residual(m, c);
        var mp = p.Residual(m + h, c); var mm = p.Residual(m - h, c);
        var cp = p.Residual(m, c + h); var cm = p.Residual(m, c - h);
        Assert.Equal((mp.G1 - mm.G1) / (2 * h), j11, 7);
        Assert.Equal((mp.G2 - mm.G2) / (2 * h), j21, 7);
        Assert.Equal((cp.G1 - cm.G1) / (2 * h), j12, 7);
        Assert.Equal((cp.G2 - cm.G2) / (2 * h), j22, 6);
    }

    [Fact]
    public void Global_minimum_follows_AGS()
    {
        Assert.True(Ags.Solve(0.02, 0.2).Branch(Ags.Retrieval)!.GlobalMinimum);   // below T_c
        Assert.True(Ags.Solve(0.1, 0.2).Branch(Ags.SpinGlass)!.GlobalMinimum);    // alpha > 0.051: retrieval metastable
        Assert.False(Ags.Solve(0.1, 0.2).Branch(Ags.Retrieval)!.GlobalMinimum);
        Assert.True(Ags.Solve(0.05, 1.5).Branch(Ags.Paramagnet)!.GlobalMinimum);  // above T_g
        Assert.Single(Ags.Solve(0.05, 1.5).Branches);
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.1)]
    public void Replicon_of_the_spin_glass_tends_to_one_at_T_g_from_above_quadratically_in_q(double alpha)
    {
        // alpha beta^2 <sech^4> / (1 - beta(1-q))^2 -> alpha beta^2 / (1 - beta)^2 = 1 at T_g = 1 + sqrt(alpha):
        // the RS spin glass is AT-unstable below T_g (as in SK), marginally, with replicon - 1 = O(q^2).
        double tg = 1 + Math.Sqrt(alpha);
        (double Excess, double Q) At(double t)
        {
            var p = new AgsPoint(alpha, t);
            double c = Ags.SpinGlassState(p)!.Value;
            return (p.Replicon(0, c) - 1, p.Q(c));
        }
        var far = At(tg - 0.01);
        var near = At(tg - 0.003);
        Assert.True(far.Excess > 0 && near.Excess > 0);
        Assert.InRange(far.Excess / near.Excess / Math.Pow(far.Q / near.Q, 2), 0.9, 1.1);
        Assert.False(Ags.Solve(alpha, tg - 0.01).Branch(Ags.SpinGlass)!.ReplicaSymmetric);
    }

    [Fact]
    public void Retrieval_is_replica_symmetric_at_moderate_temperature_and_not_near_alpha_c_at_low_temperature()
    {
        Assert.True(Ags.Solve(0.05, 0.3).Branch(Ags.Retrieval)!.ReplicaSymmetric);
        Assert.False(Ags.Solve(0.137, 0.01).Branch(Ags.Retrieval)!.ReplicaSymmetric);
    }

    [Theory]
    [InlineData(0.05, 1.3)]
    [InlineData(0.2, 2.0)]
    public void Paramagnet_closed_form_is_the_RS_free_energy_at_m_q_zero(double alpha, double t)
    {
        // q = 0 is C = beta.
        Assert.Equal(new AgsPoint(alpha, t).FreeEnergy(0, 1 / t), Ags.ParamagnetFreeEnergy(alpha, t), 12);
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Ags.Solve(-0.1, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ags.Solve(double.NaN, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ags.Solve(0.1, double.NaN));
    }
}

public class PhaseLineTests
{
    static readonly Lazy<AgsPhaseLines> Lines = new(() => AgsLines.Compute());

    [Fact]
    public void Lines_converge_and_have_at_least_200_points()
    {
        var l = Lines.Value;
        Assert.Empty(l.Failures);
        Assert.True(l.RetrievalSpinodal.Count >= 200);
        Assert.True(l.RetrievalTransition.Count >= 200);
        Assert.True(l.GlassTransition.Count >= 200);
        Assert.Equal(0.137906, l.RetrievalSpinodal[^1].Alpha, 6);
        Assert.Equal(0.0, l.RetrievalSpinodal[^1].Temperature);
        Assert.Equal(0.051854, l.RetrievalTransition[^1].Alpha, 6);
        Assert.All(l.GlassTransition, p => Assert.Equal(1 + Math.Sqrt(p.Alpha), p.Temperature, 12));
    }

    [Fact]
    public void Spinodal_is_re_entrant_with_its_nose_near_T_0_025()
    {
        var nose = Lines.Value.RetrievalSpinodal.MaxBy(p => p.Alpha);
        Assert.InRange(nose.Alpha, 0.138180, 0.138195); // REFERENCE.md quotes 0.138186 near T = 0.025
        Assert.InRange(nose.Temperature, 0.015, 0.035);
    }

    [Fact]
    public void Retrieval_exists_just_below_T_M_and_not_above_to_1e_4()
    {
        var line = Lines.Value.RetrievalSpinodal;
        foreach (var p in line.Where(p => p.Temperature is > 0.1 and < 0.95).Where((_, k) => k % 40 == 0))
        {
            Assert.NotNull(Ags.RetrievalState(new AgsPoint(p.Alpha, p.Temperature - 1e-4)));
            Assert.Null(Ags.RetrievalState(new AgsPoint(p.Alpha, p.Temperature + 1e-4)));
        }
    }

    [Fact]
    public void Retrieval_becomes_the_global_minimum_across_T_c_to_1e_4()
    {
        var line = Lines.Value.RetrievalTransition;
        foreach (var p in line.Where(p => p.Temperature is > 0.1 and < 0.9).Where((_, k) => k % 40 == 0))
        {
            Assert.True(Ags.Solve(p.Alpha, p.Temperature - 1e-4).Branch(Ags.Retrieval)!.GlobalMinimum);
            Assert.False(Ags.Solve(p.Alpha, p.Temperature + 1e-4).Branch(Ags.Retrieval)!.GlobalMinimum);
        }
    }

    [Fact]
    public void Lines_are_ordered_T_c_below_T_M_below_T_g()
    {
        var l = Lines.Value;
        double Interpolate(IReadOnlyList<LinePoint> line, double a)
        {
            // upper branch: the first crossing from alpha = 0
            for (int k = 1; k < line.Count; k++)
                if (line[k].Alpha >= a) return line[k - 1].Temperature + (line[k].Temperature - line[k - 1].Temperature) * (a - line[k - 1].Alpha) / (line[k].Alpha - line[k - 1].Alpha);
            return double.NaN;
        }
        foreach (var a in new[] { 0.005, 0.02, 0.04, 0.05 })
        {
            double tc = Interpolate(l.RetrievalTransition, a), tm = Interpolate(l.RetrievalSpinodal, a);
            Assert.True(tc < tm && tm < 1 + Math.Sqrt(a), $"alpha {a}: T_c {tc}, T_M {tm}");
        }
    }
}
