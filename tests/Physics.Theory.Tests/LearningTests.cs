using Physics.Theory;
using Xunit;

namespace Physics.Theory.Tests;

public class LearningTests
{
    [Fact]
    public void PerfectExamplesGiveTheMultitaskingNetwork()
    {
        var learning = new Learning(quality: 1, examples: 3, dilution: 0.3, patterns: 2);
        var state = learning.Solve(0.4, Learning.Supervised);
        var pure = new Multitask(0.3, 2).States(0.4).First(s => s.Type == Multitask.Pure);
        Assert.Equal(pure.M[0], state.ArchetypeOverlap[0], 10);
        Assert.Equal(pure.M[0], state.ExampleOverlap[0], 10);
        Assert.Equal(pure.FreeEnergy, state.FreeEnergy, 10);
    }

    [Fact]
    public void SupervisedAndUnsupervisedStatesCoincideAtLowStorage()
    {
        foreach (var (r, m, d, t) in new[] { (0.6, 5, 0.0, 0.3), (0.4, 20, 0.2, 0.5), (0.8, 2, 0.5, 0.2) })
        {
            var learning = new Learning(r, m, d, 2);
            var sup = learning.Solve(t, Learning.Supervised);
            var unsup = learning.Solve(t, Learning.Unsupervised);
            Assert.Equal(sup.ArchetypeOverlap, unsup.ArchetypeOverlap);
            Assert.Equal(sup.FreeEnergy, unsup.FreeEnergy);
            Assert.True(sup.ArchetypeOverlap[0] > 0.1, $"r={r}, M={m}: archetype not retrieved");
        }
    }

    [Fact]
    public void ManyExamplesDependOnTheDatasetEntropyAlone()
    {
        // At fixed rho = (1 - r^2)/(M r^2) and M -> infinity, Y/r tends to a Gaussian N(1, rho): m depends on rho only.
        double rho = 0.5;
        double R(int m) => Math.Sqrt(1 / (1 + rho * m));
        var a = new Learning(R(100), 100, 0.1, 1).Solve(0.3, Learning.Supervised);
        var b = new Learning(R(200), 200, 0.1, 1).Solve(0.3, Learning.Supervised);
        Assert.True(Math.Abs(a.ArchetypeOverlap[0] - b.ArchetypeOverlap[0]) < 5e-3, $"{a.ArchetypeOverlap[0]} vs {b.ArchetypeOverlap[0]}");
        Assert.True(Math.Abs(a.ExampleOverlap[0] / R(100) - b.ExampleOverlap[0] / R(200)) < 5e-3);
    }

    [Fact]
    public void TheParamagnetLosesStabilityAtOneMinusDilutionWhateverTheDataset()
    {
        // Linearising n = <xi Y tanh(beta xi Y n / R)> gives beta (1 - d) <Y^2>/R = beta (1 - d): T_c = 1 - d in our normalisation.
        var learning = new Learning(0.5, 4, 0.25, 1);
        Assert.True(learning.Solve(0.74, Learning.Supervised).ArchetypeOverlap[0] > 1e-3);
        Assert.True(learning.Solve(0.76, Learning.Supervised).ArchetypeOverlap[0] < 1e-6);
    }

    [Fact]
    public void UnsupervisedArchetypeStateSplitsIntoExamplesWhenTheyAreFewAndPoor()
    {
        // Two poor examples: where they disagree (Y = 0) the example-symmetric field vanishes, and at low T the
        // unsupervised network gains by following one example (negative splitting curvature, -15.7 here);
        // the supervised one, which stores only the average, keeps the archetype state.
        var poor = new Learning(0.3, 2, 0, 1);
        var unsup = poor.Solve(0.05, Learning.Unsupervised);
        var sup = poor.Solve(0.05, Learning.Supervised);
        Assert.True(unsup.ExampleSymmetricCurvature < 0 && !unsup.Stable);
        Assert.True(sup.Stable);
        // Many good examples: both protocols are stable.
        var rich = new Learning(0.8, 40, 0, 1);
        Assert.True(rich.Solve(0.05, Learning.Unsupervised).Stable);
    }
}

public class LearningThresholdTests
{
    [Fact]
    public void Thresholds_coincide_for_many_examples_and_differ_for_two()
    {
        // K = 2 archetypes, d = 0.2, T = 0.3: the pure archetype state gives way to multiple retrieval as rho grows.
        var sup = Learning.Threshold(10, 0.2, 2, 0.3, Learning.Supervised);
        var unsup = Learning.Threshold(10, 0.2, 2, 0.3, Learning.Unsupervised);
        Assert.Equal(sup, unsup, 6);
        // Just below the threshold the pure state is stable, just above it is not.
        double R(double rho) => Math.Sqrt(1 / (1 + rho * 10));
        Assert.True(new Learning(R(sup * 0.98), 10, 0.2, 2).Solve(0.3, Learning.Supervised).Stable);
        Assert.False(new Learning(R(sup * 1.02), 10, 0.2, 2).Solve(0.3, Learning.Supervised).Stable);
        // Two examples at T = 0.6, one archetype: the supervised state has no threshold; the unsupervised one splits.
        Assert.True(double.IsPositiveInfinity(Learning.Threshold(2, 0, 1, 0.6, Learning.Supervised)));
        Assert.InRange(Learning.Threshold(2, 0, 1, 0.6, Learning.Unsupervised), 0.01, 100);
        // Two examples, K = 2, d = 0.2, T = 0.5: the rules' thresholds differ (the unsupervised one is lower).
        Assert.True(Learning.Threshold(2, 0.2, 2, 0.5, Learning.Unsupervised) < Learning.Threshold(2, 0.2, 2, 0.5, Learning.Supervised) - 0.1);
        // At T = 0.1 (d = 0.2) the pure state is unstable even for perfect examples, as in the multitasking network.
        Assert.Equal(0, Learning.Threshold(10, 0.2, 2, 0.1, Learning.Supervised));
    }
}

public class LearningStatesTests
{
    [Fact]
    public void Beyond_the_threshold_a_multiple_retrieval_state_takes_over_and_perfect_examples_give_the_multitask_states()
    {
        // K = 2, d = 0.2, T = 0.3, M = 10: rho* = 0.3617. At rho = 1 the pure state is unstable and the stable state retrieves both archetypes.
        double r = Math.Sqrt(1 / (1 + 1.0 * 10));
        var states = new Learning(r, 10, 0.2, 2).States(0.3, Learning.Supervised);
        var stable = states.Where(s => s.Stable).ToList();
        Assert.DoesNotContain(stable, s => s.Type == Multitask.Pure);
        Assert.Contains(stable, s => s.Type is Multitask.Hierarchical or Multitask.Parallel or Multitask.Mixture);
        var perfect = new Learning(1, 3, 0.3, 3).States(0.2, Learning.Supervised);
        var multitask = new Multitask(0.3, 3).States(0.2);
        foreach (var m in multitask)
            Assert.Contains(perfect, p => p.Type == m.Type && p.ArchetypeOverlap.Zip(m.M, (a, b) => Math.Abs(a - b)).Max() < 1e-8);
    }
}
