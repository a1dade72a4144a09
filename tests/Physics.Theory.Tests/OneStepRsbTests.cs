using FsCheck;
using FsCheck.Fluent;
using Physics.Theory;
using Xunit;

namespace Physics.Theory.Tests;

public class OneStepRsbTests
{
    [Fact]
    public void ClassicalCapacityMovesFromRsToTheSteffanKuhnValue()
    {
        var rsb = OneStepRsb.Capacity(2);
        Assert.Equal(0.137906, Ags.CriticalLoad().Alpha, 6);
        Assert.Equal(0.138186, rsb.Alpha, 6); // Steffan and Kuhn 1994 (REFERENCE.md section 1)
        Assert.True(rsb.Broken && rsb.Q0 < 1 && rsb.Mu > 0);
    }

    [Fact]
    public void TheCapacityIsAStationaryFoldOfTheRetrievalBranch()
    {
        foreach (int p in new[] { 2, 4 })
        {
            var c = OneStepRsb.Capacity(p);
            double[] v = p == 2 ? [c.M, c.C, c.Q0, c.Mu] : [c.M, c.Q0, c.Mu];
            var g = OneStepRsb.Gradient(p, c.Alpha, 0, v);
            Assert.All(g, x => Assert.True(Math.Abs(x) < 1e-10, $"P = {p}: gradient {x}"));
            // Beyond the fold there is no retrieval solution; just below there is one.
            Assert.Null(OneStepRsb.ZeroTemperature(p, c.Alpha * (1 + 1e-4)));
            Assert.NotNull(OneStepRsb.ZeroTemperature(p, c.Alpha * (1 - 1e-3)));
        }
    }

    /// <summary>
    /// At P = 8 the fields are of order 1/7! and mu of order 7!: the 1RSB capacity is 3.0429e-5, 9.8 % above RS (the
    /// excess falls with P: 22, 16, 13, 11.6, 10.5 % for P = 3 to 7), at mu/(P-1)! = 6.1 as for smaller P. A seed grid
    /// laid out for P = 3 had found a degenerate point (q0 -> 1, mu = 0.03) and reported the RS capacity. At finite T
    /// the broken state is followed in steps that shrink with the temperatures (T_M(0) = 7.7e-5), from q1 = 1 - C T with
    /// C of order (P-1)!: at P = 10 a guess C = 0.5 had lost the state at every T > 0.
    /// </summary>
    [Fact]
    public void HighOrderOneStepCapacityKeepsItsBreaking()
    {
        var c = OneStepRsb.Capacity(8);
        double rs = Dense.ZeroTemperatureCapacity(8).Alpha;
        Assert.InRange(c.Alpha / rs, 1.09, 1.105);
        Assert.InRange(c.Mu / Dense.Factorial(7), 5, 7);
        Assert.True(c.Q0 < 0.99);
        var warm = OneStepRsb.Solve(8, 0.98 * c.Alpha, 7.68e-6)!;
        Assert.True(warm.Broken && warm.Q1 - warm.Q0 > 0.01 && warm.Theta is > 0.1 and < 0.5, $"{warm}");
        Assert.All(OneStepRsb.Gradient(8, warm.Alpha, warm.Temperature, [warm.M, warm.Q1, warm.Q0, warm.Theta]), g => Assert.True(Math.Abs(g) < 1e-12));
        var ten = OneStepRsb.Solve(10, 3.8e-7, 1e-7)!;
        Assert.True(ten.Broken && ten.Theta is > 0.2 and < 0.35, $"{ten}");
        // P = 15: loads of 1e-12 and energies of 1e-13, where absolute Newton steps and tolerances had returned the seed.
        double excess = OneStepRsb.Capacity(15).Alpha / Dense.ZeroTemperatureCapacity(15).Alpha;
        Assert.InRange(excess, 1.072, 1.076);
    }

    [Fact]
    public void DenseOneStepCapacityExceedsTheReplicaSymmetricOne()
    {
        foreach (int p in new[] { 3, 4 })
        {
            var (rs, _) = Dense.ZeroTemperatureCapacity(p);
            var rsb = OneStepRsb.Capacity(p);
            Assert.True(rsb.Alpha > rs, $"P = {p}: 1RSB {rsb.Alpha} <= RS {rs}");
        }
    }

    [Fact]
    public void OneStepEqualsReplicaSymmetricWhenTheOverlapsCoincide()
    {
        Prop.ForAll(Gen.Choose(1, 1000).ToArbitrary(), Gen.Choose(1, 1000).ToArbitrary(), Gen.Choose(1, 999).ToArbitrary(), (ia, it, iq) =>
        {
            double alpha = 0.2 * ia / 1000, t = 0.05 + 0.5 * it / 1000, q = 0.3 + 0.69 * iq / 1000, m = 0.8, theta = 0.37;
            double c = (1 - q) / t;
            if (1 - c <= 0.05) return true; // outside the classical RS domain
            double classical = OneStepRsb.ClassicalFreeEnergy(alpha, t, m, q, q, theta).Value;
            double dense = OneStepRsb.DenseFreeEnergy(4, alpha, t, m, q, q, theta).Value;
            return Math.Abs(classical - new AgsPoint(alpha, t).FreeEnergy(m, c)) < 1e-10
                && Math.Abs(dense - Dense.FreeEnergy(4, alpha, t, m, q)) < 1e-10;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void FiniteTemperatureFreeEnergyTendsToTheGroundStateForm()
    {
        // Classical: q1 = 1 - C T, theta = mu T; dense: theta = mu T, q1 -> 1 (the (1 - q1)^2 terms vanish).
        double alpha = 0.138, m = 0.97, c = 0.14, q0 = 0.99, mu = 2;
        double ground = OneStepRsb.ClassicalGroundEnergy(alpha, m, c, q0, mu).Value;
        double previous = double.PositiveInfinity;
        foreach (double t in new[] { 0.004, 0.002, 0.001 })
        {
            double gap = Math.Abs(OneStepRsb.ClassicalFreeEnergy(alpha, t, m, 1 - c * t, q0, mu * t).Value - ground);
            Assert.True(gap < previous / 1.6, $"T = {t}: gap {gap} did not shrink");
            previous = gap;
        }
        Assert.True(previous < 1e-3);
        double denseGround = OneStepRsb.DenseGroundEnergy(4, 0.036, 0.9, 0.95, 30).Value;
        double denseFinite = OneStepRsb.DenseFreeEnergy(4, 0.036, 0.0005, 0.9, 1 - 1e-4, 0.95, 30 * 0.0005).Value;
        Assert.True(Math.Abs(denseFinite - denseGround) < 2e-3, $"{denseFinite} vs {denseGround}");
    }

    [Fact]
    public void FiniteTemperatureStatesAreStationaryAndCollapseWhereRsIsStable()
    {
        var broken = OneStepRsb.Solve(2, 0.138, 0.01)!;
        Assert.True(broken.Broken && broken.Q1 > broken.Q0 && broken.Theta is > 0 and < 1);
        var g = OneStepRsb.Gradient(2, 0.138, 0.01, [broken.M, broken.Q1, broken.Q0, broken.Theta]);
        Assert.All(g, x => Assert.True(Math.Abs(x) < 1e-10));
        // RS retrieval is AT-stable at alpha = 0.13, T = 0.05: 1RSB is RS there.
        var rs = OneStepRsb.Solve(2, 0.13, 0.05)!;
        Assert.False(rs.Broken);
        Assert.Equal(Ags.Solve(0.13, 0.05).Branch(Ags.Retrieval)!.M, rs.M, 10);
    }

    /// <summary>
    /// Following the broken retrieval state up in T from an earlier state (P = 3, alpha = 0.1411, beyond the RS capacity)
    /// gives the state <see cref="OneStepRsb.Solve"/> finds from T = 0, and past the collapse of the breaking
    /// (near T = 0.09) the RS one.
    /// </summary>
    [Fact]
    public void ContinuingInTemperatureFindsTheStatesOfSolve()
    {
        var ground = OneStepRsb.ZeroTemperature(3, 0.1411)!;
        Assert.True(ground.Broken);
        var cold = OneStepRsb.Continue(ground, 0.02)!;
        var warm = OneStepRsb.Continue(cold, 0.05)!;
        var solved = OneStepRsb.Solve(3, 0.1411, 0.05)!;
        Assert.True(warm.Broken && solved.Broken);
        Assert.Equal(solved.FreeEnergy, warm.FreeEnergy, 10);
        Assert.Equal(solved.M, warm.M, 7);
        Assert.Equal(solved.Theta, warm.Theta, 7);
        Assert.All(OneStepRsb.Gradient(3, 0.1411, 0.05, [warm.M, warm.Q1, warm.Q0, warm.Theta]), g => Assert.True(Math.Abs(g) < 1e-9, $"gradient {g}"));
        var collapsed = OneStepRsb.Continue(warm, 0.1)!;
        Assert.False(collapsed.Broken);
        Assert.Equal(Dense.Retrieval(3, 0.1411, 0.1)!.FreeEnergy, collapsed.FreeEnergy, 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => OneStepRsb.Continue(warm, 0.04));
    }

    [Fact]
    public void PureSpinGlassGroundStateMatchesGardnersOneStepValue()
    {
        // m = 0, q0 = 0 (stationary for P > 2): the Ising 3-spin glass. With xi(q) = q^3/2 (alpha = 3) the
        // 1RSB ground-state energy (q1 = 1, maximised over mu; Gardner 1985) is about -0.813.
        double best = double.NegativeInfinity;
        for (double mu = 0.5; mu < 3; mu += 0.001)
            best = Math.Max(best, OneStepRsb.DenseGroundEnergy(3, 3, 1e-9, 1e-9, mu).Value);
        Assert.InRange(best, -0.8145, -0.8125);
    }
}

public class OneStepRsbLowLoadTests
{
    [Fact]
    public void FarBelowTheCapacityTheGroundStateIsTheRsOne()
    {
        var classical = OneStepRsb.ZeroTemperature(2, 0.05)!;
        Assert.False(classical.Broken);
        Assert.Equal(Ags.ZeroTemperatureRetrievalAt(0.05)!.M, classical.M, 12);
        var dense = OneStepRsb.ZeroTemperature(4, 0.005)!;
        Assert.False(dense.Broken);
        Assert.Equal(Dense.ZeroTemperatureRetrieval(4, 0.005)!.Value, dense.M, 12);
        // The RS ground-state energy is the T -> 0 limit of the RS free energy.
        var rs = Dense.Retrieval(4, 0.005, 0.01)!;
        Assert.True(Math.Abs(rs.FreeEnergy - dense.FreeEnergy) < 1e-3, $"{rs.FreeEnergy} vs {dense.FreeEnergy}");
    }
}

public class DenseLinesTests
{
    /// <summary>
    /// The broken retrieval state is re-entrant like the RS one: at T > 0 its load limit (the fold of the branch in m)
    /// exceeds the T = 0 capacity and grows with T until the breaking collapses onto RS (P = 4: 0.0381953 at T = 0,
    /// about 0.03834 at T = 0.02, collapsed by T = 0.03). Each fold is stationary in every variable and a maximum of alpha.
    /// </summary>
    [Fact]
    public void One_step_retrieval_is_re_entrant_beyond_its_T0_capacity()
    {
        var line = OneStepRsb.FoldLine(4, 0.05, 0.01);
        Assert.Equal(OneStepRsb.Capacity(4).Alpha, line[0].Alpha, 12);
        Assert.InRange(line.Count, 3, 4); // T = 0, 0.01, 0.02 (and perhaps a point just before the collapse)
        for (int k = 1; k < line.Count; k++)
        {
            var f = line[k];
            Assert.True(f.Alpha > line[k - 1].Alpha, $"alpha_f must grow with T: {f.Alpha} at T = {f.Temperature}");
            Assert.True(f.Q1 > f.Q0 && f.Theta is > 0 and < 1);
            double[] v = [f.M, f.Q1, f.Q0, f.Theta];
            Assert.All(OneStepRsb.Gradient(4, f.Alpha, f.Temperature, v), g => Assert.True(Math.Abs(g) < 1e-9, $"gradient {g}"));
        }
        Assert.InRange(line[2].Alpha, 0.03833, 0.03836);
        Assert.Null(OneStepRsb.Fold(4, 0.05)); // collapsed onto RS on the way
        Assert.Equal(line[2].Alpha, OneStepRsb.Fold(4, 0.02)!.Alpha, 12);
        // A load between the T = 0 capacity and alpha_f(0.02): no retrieval at T = 0, a broken one at T = 0.02.
        Assert.Null(OneStepRsb.ZeroTemperature(4, 0.03825));
        var state = OneStepRsb.Solve(4, 0.03825, 0.02)!;
        Assert.True(state.Broken && state.M > line[2].M && state.Q1 > state.Q0);
        Assert.All(OneStepRsb.Gradient(4, 0.03825, 0.02, [state.M, state.Q1, state.Q0, state.Theta]), g => Assert.True(Math.Abs(g) < 1e-9));
    }

    /// <summary>
    /// The classical model's broken retrieval state is re-entrant too, barely: alpha_f rises from Steffan-Kuhn's
    /// 0.1381865 to 0.1381968 at T = 0.01 (its maximum, 0.13819701, is near T = 0.015; the breaking collapses near
    /// T = 0.025). alpha(m) is sharply peaked there, which the fold tracer must resolve.
    /// </summary>
    [Fact]
    public void Classical_one_step_retrieval_is_barely_re_entrant()
    {
        var line = OneStepRsb.FoldLine(2, 0.01, 0.005);
        Assert.Equal(3, line.Count);
        Assert.InRange(line[2].Alpha, 0.1381960, 0.1381975);
        Assert.True(line[1].Alpha > line[0].Alpha && line[2].Alpha > line[1].Alpha);
        var f = line[2];
        Assert.All(OneStepRsb.Gradient(2, f.Alpha, f.Temperature, [f.M, f.Q1, f.Q0, f.Theta]), g => Assert.True(Math.Abs(g) < 1e-9, $"gradient {g}"));
    }

    [Fact]
    public void RS_retrieval_is_re_entrant_beyond_the_T0_capacity_and_1RSB_spinodal_joins_it()
    {
        // P = 3, alpha = 0.14 > alpha_c = 0.1261: RS retrieval exists between T_low and T_M, not at T = 0.05.
        double low = Dense.LowerSpinodal(3, 0.14, 1e-3)!.Value, high = Dense.Spinodal(3, 0.14, 1e-3)!.Value;
        Assert.InRange(low, 0.05, high - 0.05);
        Assert.True(Dense.RetrievalExists(3, 0.14, 0.5 * (low + high)));
        Assert.False(Dense.RetrievalExists(3, 0.14, 0.5 * low));
        Assert.Equal(0, Dense.LowerSpinodal(3, 0.10, 1e-3));
        // Below T_low one-step RSB retrieves (m = 0.849 at T = 0.05), and its spinodal is the RS one.
        Assert.True(OneStepRsb.Solve(3, 0.14, 0.05)!.Broken);
        Assert.Equal(high, OneStepRsb.Spinodal(3, 0.14)!.Value, 2);
    }
}

public class OneStepRsbOrderingTests
{
    [Fact]
    public void Breaking_raises_the_free_energy_where_RS_is_unstable()
    {
        // The replica free energy is maximised over the Parisi parameters (n -> 0): where RS is AT-unstable the 1RSB
        // retrieval state lies above it (as SK's 1RSB ground-state energy lies above the RS one).
        var rs = Dense.Retrieval(3, 0.13, 0.05)!;
        var rsb = OneStepRsb.Solve(3, 0.13, 0.05)!;
        Assert.True(OneStepRsb.Replicon(3, 0.13, 0.05, rs.M, rs.Q) > 1);
        Assert.True(rsb.Broken && rsb.FreeEnergy > rs.FreeEnergy, $"1RSB {rsb.FreeEnergy} vs RS {rs.FreeEnergy}");
        var classical = OneStepRsb.ZeroTemperature(2, 0.1379)!;
        Assert.True(classical.Broken && classical.FreeEnergy > Ags.ZeroTemperatureRetrievalAt(0.1379)!.Energy);
    }
}
