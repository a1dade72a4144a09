using Physics.MonteCarlo;
using Physics.Networks;
using Physics.Theory;

namespace Physics.Agreement.Tests;

/// <summary>
/// Monte Carlo against AGS replica-symmetric theory. Allowance: the Monte Carlo error bar (3 sigma)
/// plus a finite-size term 1/sqrt(N) (the leading correction of the condensed overlap in the
/// retrieval phase; at N = 2000 it is 0.022).
/// </summary>
public class RetrievalAgreementTests
{
    const int N = 2000;

    static HopfieldResult Simulate(double alpha, double temperature, Dynamics dynamics = Dynamics.Metropolis) =>
        HopfieldSimulation.Run(new HopfieldRun
        {
            Neurons = N, Patterns = HopfieldRun.PatternsFor(N, alpha), Temperature = temperature,
            EquilibrationSweeps = 300, MeasurementSweeps = 600, Samples = 4, Seed = 77, Dynamics = dynamics,
        });

    [Theory]
    [InlineData(0.02, 0.5, Dynamics.Metropolis)]
    [InlineData(0.05, 0.2, Dynamics.HeatBath)]
    [InlineData(0.08, 0.15, Dynamics.Metropolis)]
    [InlineData(0.1, 0.1, Dynamics.HeatBath)]
    public void Overlap_agrees_with_replica_symmetric_m_inside_the_retrieval_phase(double alpha, double temperature, Dynamics dynamics)
    {
        var theory = Ags.Solve(alpha, temperature).Branch(Ags.Retrieval)!;
        var mc = Simulate(alpha, temperature, dynamics);
        double allowance = 3 * mc.Overlap.Error + 1 / Math.Sqrt(N);
        Assert.True(Math.Abs(mc.Overlap.Mean - theory.M) < allowance,
            $"MC m = {mc.Overlap} vs RS m = {theory.M:F5} (allowance {allowance:F4})");
    }

    [Fact]
    public void Overlap_vanishes_in_the_paramagnet()
    {
        var mc = Simulate(0.05, 1.5);
        Assert.True(Math.Abs(mc.Overlap.Mean) < 3 * mc.Overlap.Error + 3 / Math.Sqrt(N), $"m = {mc.Overlap}");
    }

    [Fact]
    public void Curie_Weiss_limit_energy_agrees_at_low_load()
    {
        // At alpha -> 0 the energy per spin is -m^2/2 (plus alpha/2 from J_ii = 0 and the small noise term).
        double alpha = 1.0 / N, t = 0.5;
        var theory = Ags.Solve(0, t).Branch(Ags.Retrieval)!;
        var mc = Simulate(alpha, t);
        Assert.True(Math.Abs(mc.Overlap.Mean - theory.M) < 3 * mc.Overlap.Error + 1 / Math.Sqrt(N), $"m = {mc.Overlap} vs {theory.M}");
        Assert.True(Math.Abs(mc.Energy.Mean - (-theory.M * theory.M / 2)) < 3 * mc.Energy.Error + 2.0 / N + 1 / Math.Sqrt(N) * theory.M,
            $"e = {mc.Energy} vs {-theory.M * theory.M / 2}");
    }
}

/// <summary>Edwards-Anderson overlap of two real replicas against RS theory.</summary>
public class ReplicaOverlapTests
{
    [Fact]
    public void Two_replicas_in_the_retrieval_phase_agree_with_RS_q()
    {
        const int n = 1500;
        double alpha = 0.05, t = 0.4;
        var rs = Ags.Solve(alpha, t).Branch(Ags.Retrieval)!;
        var run = new TemperingRun { Neurons = n, Patterns = HopfieldRun.PatternsFor(n, alpha), Temperatures = [t], EquilibrationSweeps = 300, MeasurementSweeps = 500, Samples = 4, Seed = 12 };
        var r = ParallelTempering.Run(run).Temperatures[0];
        double allowance = 3 * r.Qab!.Value.Error + 2 / Math.Sqrt(n);
        Assert.True(Math.Abs(r.Qab.Value.Mean - rs.Q) < allowance, $"q_ab = {r.Qab} vs RS q = {rs.Q:F5} (allowance {allowance:F4})");
        Assert.InRange(r.Binder.Mean, 0.6, 0.67); // a condensed overlap of fixed size: B -> 2/3
    }

    [Fact]
    public void Replica_overlap_vanishes_in_the_paramagnet()
    {
        const int n = 1500;
        var run = new TemperingRun { Neurons = n, Patterns = 75, Temperatures = [1.6, 2.0], EquilibrationSweeps = 100, MeasurementSweeps = 300, Samples = 2, Seed = 13 };
        foreach (var r in ParallelTempering.Run(run).Temperatures)
        {
            Assert.True(Math.Abs(r.Qab!.Value.Mean) < 3 * r.Qab.Value.Error + 3 / Math.Sqrt(n), $"T = {r.Temperature}: q_ab = {r.Qab}");
            double mass = r.QHistogram!.Sum() * 2.0 / r.QHistogram!.Length;
            Assert.Equal(1.0, mass, 9); // P(q) is a normalised density on [-1, 1]
        }
    }
}

/// <summary>
/// Multitasking network: Monte Carlo ranked amplitudes against the low-load mean field (exact for
/// K finite, N -> infinity) in each regime. Allowance: 3 error bars plus a finite-size term. The
/// amplitudes fluctuate with variance about (1 - d) / (N lambda), lambda the state's lowest free-energy
/// curvature (1 - beta (1 - d) for the paramagnet: the susceptibility grows near T = 1 - d); ranking them
/// by size shifts each rank by up to about one such deviation (order statistics), and the sample's
/// patterns are orthogonal only to O(1/sqrt(N)). So: 2/sqrt(N) + 2 sigma for condensed amplitudes, and
/// max(2/sqrt(N), 3 sigma) for vanishing ones.
/// </summary>
public class MultitaskAgreementTests
{
    [Theory]
    [InlineData(0.3, 0.1, "hierarchical")]
    [InlineData(0.8, 0.1, "parallel")]
    [InlineData(0.5, 0.6, "paramagnet")]
    public void Ranked_amplitudes_agree_with_mean_field(double d, double t, string regime)
    {
        const int n = 4000, k = 3;
        var theory = new Multitask(d, k).States(t).Where(s => s.Stable).MinBy(s => s.FreeEnergy)!;
        Assert.Equal(regime, theory.Type);
        var mc = MultitaskSimulation.Run(new MultitaskRun { Neurons = n, Patterns = k, Dilution = d, Temperature = t, EquilibrationSweeps = 400, MeasurementSweeps = 600, Samples = 3, Seed = 17 });
        double fluctuation = Math.Sqrt((1 - d) / (n * theory.LowestCurvature));
        for (int r = 0; r < k; r++)
        {
            double finiteSize = theory.M[r] > 0 ? 2 / Math.Sqrt(n) + 2 * fluctuation : Math.Max(2 / Math.Sqrt(n), 3 * fluctuation);
            double allowance = 3 * mc.Amplitudes[r].Error + finiteSize;
            Assert.True(Math.Abs(mc.Amplitudes[r].Mean - theory.M[r]) < allowance,
                $"{regime}: rank {r}: MC {mc.Amplitudes[r]} vs theory {theory.M[r]:F5} (allowance {allowance:F4})");
        }
    }
}

/// <summary>Dense network: Monte Carlo against RS at a retrieval point, K = alpha N^(P-1).</summary>
public class DenseAgreementTests
{
    [Fact]
    public void Overlap_agrees_with_RS_at_P_3()
    {
        const int n = 300, p = 3;
        double alpha = 0.03, t = 0.1;                       // K = 0.03 * 300^2 = 2700 patterns
        int k = (int)Math.Round(alpha * n * n);
        var rs = Dense.Retrieval(p, alpha, t)!;
        var estimates = new List<Estimate>();
        for (int sample = 0; sample < 3; sample++)
        {
            var x = PatternSet.Random(n, k, 8, sample);
            var chain = new DenseChain(x, new DenseEnergy(p, n), t, Dynamics.Metropolis, 8, sample, 0, InitialState.Pattern);
            for (int s = 0; s < 100; s++) chain.Sweep();
            var series = new double[200];
            for (int s = 0; s < series.Length; s++) { chain.Sweep(); series[s] = chain.OverlapSums[0] / (double)n; }
            estimates.Add(Binning.Analyse(series));
        }
        var mc = Binning.OverSamples(estimates);
        // Finite size: the K^(1/2) N^(-(P-1)/2) noise of RS plus 1/sqrt(N) corrections; allowance 3 sigma + 2/sqrt(N).
        double allowance = 3 * mc.Error + 2 / Math.Sqrt(n);
        Assert.True(Math.Abs(mc.Mean - rs.M) < allowance, $"MC m = {mc} vs RS m = {rs.M:F5} (allowance {allowance:F4})");
    }
}

/// <summary>
/// Dense network above its glass transitions: the uncondensed patterns are a P-spin glass of covariance N xi(q),
/// xi(q) = (alpha/P!) q^P, whose paramagnet has energy per spin u = -xi(1)/T = -alpha/(P! T) (DenseGlass). A chain from a
/// random state at P = 3, alpha = 0.1, T = 0.4 (above T_M, T_d = 0.124 and T_s = 0.119) has u off by a finite-size term
/// c/N, c about 0.6 (the largest overlaps, about sqrt(2 ln(2K)/N), add to it): N = 200 and 400 extrapolated linearly in 1/N.
/// </summary>
public class DenseGlassAgreementTests
{
    [Fact]
    public void Paramagnet_energy_agrees_with_the_glass_theory_in_the_large_N_limit()
    {
        Estimate Energy(int n) => DenseSimulation.Run(new DenseRun
        {
            Order = 3, Neurons = n, Load = 0.1, Temperature = 0.4, Start = InitialState.Random,
            EquilibrationSweeps = 50, MeasurementSweeps = 400, Samples = 8, Seed = 3,
        }).Energy;
        var (e200, e400) = (Energy(200), Energy(400));
        double limit = 2 * e400.Mean - e200.Mean, error = Math.Sqrt(4 * e400.Error * e400.Error + e200.Error * e200.Error);
        double theory = -0.1 / (Dense.Factorial(3) * 0.4); // u = d(beta f_para)/d beta = -xi(1)/T
        Assert.True(e400.Mean < theory && e200.Mean < e400.Mean, $"u(200) = {e200}, u(400) = {e400}: the finite-size term is negative and shrinks");
        // Allowance: 3 sigma of the extrapolation plus 0.001 for the O(1/N^2) terms it leaves (N = 800 gives -0.04242 +- 0.00017,
        // 0.6/N above the theory as N = 200 and 400 are).
        Assert.True(Math.Abs(limit - theory) < 3 * error + 0.001, $"extrapolated u = {limit:F5} +- {error:F5} vs theory {theory:F5}");
    }
}

/// <summary>
/// Learning from examples: Monte Carlo on supervised and unsupervised couplings against the low-load mean field
/// (Learning). Allowance: 3 sigma plus 2/sqrt(N) (finite size, and the O(sqrt(K M / N)) crosstalk of the examples).
/// </summary>
public class LearningAgreementTests
{
    [Theory]
    [InlineData(true, 0.6, 10, 0.0, 0.3)]
    [InlineData(false, 0.6, 10, 0.0, 0.3)]
    [InlineData(true, 0.4, 20, 0.2, 0.4)]
    [InlineData(false, 0.4, 20, 0.2, 0.4)]
    public void Archetype_and_example_overlaps_agree_with_mean_field(bool supervised, double r, int m, double d, double t)
    {
        const int n = 3000, k = 2;
        var theory = new Learning(r, m, d, k).Solve(t, supervised ? Learning.Supervised : Learning.Unsupervised);
        Assert.True(theory.Stable);
        var mc = LearningSimulation.Run(new LearningRun
        {
            Neurons = n, Patterns = k, Quality = r, Examples = m, Supervised = supervised, Temperature = t, Dilution = d,
            EquilibrationSweeps = 200, MeasurementSweeps = 300, Samples = 2, Seed = 23,
        });
        double finiteSize = 2 / Math.Sqrt(n);
        Assert.True(Math.Abs(mc.ArchetypeOverlap.Mean - theory.ArchetypeOverlap[0]) < 3 * mc.ArchetypeOverlap.Error + finiteSize,
            $"archetype: MC {mc.ArchetypeOverlap} vs theory {theory.ArchetypeOverlap[0]:F5}");
        Assert.True(Math.Abs(mc.ExampleOverlap.Mean - theory.ExampleOverlap[0]) < 3 * mc.ExampleOverlap.Error + finiteSize,
            $"examples: MC {mc.ExampleOverlap} vs theory {theory.ExampleOverlap[0]:F5}");
    }
}

/// <summary>
/// Dense P = 3 beyond the RS capacity: at alpha = 0.14, T = 0.05 RS has no retrieval state and one-step RSB has
/// m = 0.849; Monte Carlo at N = 450 (K = 28350) agrees within 3 sigma plus 0.05 (finite size: 0.80 at N = 300,
/// 0.85-0.86 at N = 450-600).
/// </summary>
public class DenseOneStepAgreementTests
{
    [Fact]
    public void Monte_Carlo_follows_one_step_RSB_where_RS_has_no_retrieval()
    {
        const double load = 0.14, t = 0.05;
        Assert.Null(Dense.Retrieval(3, load, t));
        var rsb = OneStepRsb.Solve(3, load, t)!;
        Assert.True(rsb.Broken);
        var mc = DenseSimulation.Run(new DenseRun { Order = 3, Neurons = 450, Load = load, Temperature = t, EquilibrationSweeps = 300, MeasurementSweeps = 300, Samples = 4, Seed = 1 });
        Assert.True(Math.Abs(mc.Overlap.Mean - rsb.M) < 3 * mc.Overlap.Error + 0.05, $"MC {mc.Overlap} vs 1RSB {rsb.M:F4}");
    }
}
