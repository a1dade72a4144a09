using MathNet.Numerics;
using Physics.Theory;

namespace Physics.Theory.Tests;

public class DenseTests
{
    [Fact]
    public void Capacity_follows_the_erf_equation_and_P_2_is_AGS()
    {
        var four = Dense.ZeroTemperatureCapacity(4);
        Assert.Equal(0.91792, four.M, 5);          // REFERENCE.md section 3
        // At alpha_c the retrieval root of m = erf(m^3 / sqrt(2 alpha 3!)) is marginal: it exists just below, not above.
        Assert.NotNull(Dense.ZeroTemperatureRetrieval(4, four.Alpha * 0.999));
        Assert.Null(Dense.ZeroTemperatureRetrieval(4, four.Alpha * 1.001));
        double m = four.M;
        Assert.Equal(m, SpecialFunctions.Erf(Math.Pow(m, 3) / Math.Sqrt(2 * four.Alpha * 6)), 6);
        var two = Dense.ZeroTemperatureCapacity(2);
        Assert.Equal(0.137906, two.Alpha, 6);
        Assert.Equal(0.967417, two.M, 6);
        Assert.True(Dense.ZeroTemperatureCapacity(3).Alpha > four.Alpha); // the load K / N^(P-1) falls with P
    }

    /// <summary>Below the P-spin Curie-Weiss spinodal (T ~ 0.29 for P = 3, ~ 0.09 for P = 4 on this scale).</summary>
    [Theory]
    [InlineData(3, 0.2)]
    [InlineData(4, 0.05)]
    public void Vanishing_load_is_the_P_spin_Curie_Weiss_model(int p, double t)
    {
        var s = Dense.Retrieval(p, 0, t)!;
        Assert.Equal(Math.Tanh(Math.Pow(s.M, p - 1) / Dense.Factorial(p - 1) / t), s.M, 12);
        Assert.Equal(1.0, s.Q / (s.M * s.M), 9); // no noise: q = m^2
        // and the free energy is the P-spin Curie-Weiss one: (P-1) m^P / P! - T ln 2cosh(beta m^(P-1) / (P-1)!)
        double curieWeiss = (p - 1) * Math.Pow(s.M, p) / Dense.Factorial(p) - t * Math.Log(2 * Math.Cosh(Math.Pow(s.M, p - 1) / Dense.Factorial(p - 1) / t));
        Assert.Equal(curieWeiss, s.FreeEnergy, 12);
        Assert.Null(Dense.Retrieval(p, 0, 0.4)); // above the spinodal there is none
    }

    [Theory]
    [InlineData(3, 0.05, 0.1)]
    [InlineData(4, 0.02, 0.05)]
    public void Free_energy_is_stationary_at_the_RS_solution(int p, double alpha, double t)
    {
        var s = Dense.Retrieval(p, alpha, t)!;
        double h = 1e-5;
        double dm = (Dense.FreeEnergy(p, alpha, t, s.M + h, s.Q) - Dense.FreeEnergy(p, alpha, t, s.M - h, s.Q)) / (2 * h);
        double dq = (Dense.FreeEnergy(p, alpha, t, s.M, s.Q + h) - Dense.FreeEnergy(p, alpha, t, s.M, s.Q - h)) / (2 * h);
        Assert.InRange(dm, -1e-8, 1e-8);
        Assert.InRange(dq, -1e-8, 1e-8);
    }

    [Theory]
    [InlineData(3, 0.08)]
    [InlineData(4, 0.025)]
    public void Low_temperature_solution_approaches_the_zero_temperature_one(int p, double alpha)
    {
        double m0 = Dense.ZeroTemperatureRetrieval(p, alpha)!.Value;
        // m(T) - m(0) falls with T (q = 1 - O(T) shifts the noise width): below 0.1 T, and shrinking.
        double near = Math.Abs(Dense.Retrieval(p, alpha, 0.001)!.M - m0), far = Math.Abs(Dense.Retrieval(p, alpha, 0.005)!.M - m0);
        Assert.InRange(near, 0, 0.1 * 0.001);
        Assert.True(near < far / 2, $"{near} vs {far}");
    }

    [Theory]
    [InlineData(3, 0.0)]
    [InlineData(3, 0.05)]
    [InlineData(4, 0.01)]
    public void Spinodal_separates_retrieval_from_none(int p, double alpha)
    {
        double tm = Dense.Spinodal(p, alpha, 1e-4)!.Value;
        Assert.NotNull(Dense.Retrieval(p, alpha, tm - 0.005));
        Assert.Null(Dense.Retrieval(p, alpha, tm + 0.005));
        Assert.True(Dense.RetrievalExists(p, alpha, tm - 1e-3));
        Assert.False(Dense.RetrievalExists(p, alpha, tm + 1e-3));
    }

    [Fact]
    public void Spinodal_at_zero_load_is_the_P_spin_Curie_Weiss_one()
    {
        // m = tanh(beta m^2 / 2) has a non-zero root exactly while T <= max_m m^2 / (2 atanh m).
        double best = 0;
        for (double m = 0.5; m < 0.9999; m += 1e-5) best = Math.Max(best, m * m / (2 * Math.Atanh(m)));
        Assert.Equal(best, Dense.Spinodal(3, 0, 1e-7)!.Value, 5);
    }

    [Fact]
    public void Order_two_retrieval_is_AGS()
    {
        var dense = Dense.Retrieval(2, 0.05, 0.3)!;
        var ags = Ags.Solve(0.05, 0.3).Branch(Ags.Retrieval)!;
        Assert.Equal(ags.M, dense.M, 14);
        Assert.Equal(ags.FreeEnergy, dense.FreeEnergy, 14);
    }
}
