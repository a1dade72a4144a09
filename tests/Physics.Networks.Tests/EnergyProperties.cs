using FsCheck;
using FsCheck.Xunit;
using Physics.Networks;

namespace Physics.Networks.Tests;

public class EnergyProperties
{
    /// <summary>A random small system drawn from FsCheck's integers: N in [2, 40], P in [1, 12].</summary>
    internal static (PatternSet Patterns, sbyte[] Spins) System(int seed, byte n, byte p, double dilution = 0)
    {
        int neurons = 2 + n % 39, count = 1 + p % 12;
        var patterns = PatternSet.Random(neurons, count, (ulong)(uint)seed, 0, dilution);
        var rng = new Random(seed);
        var spins = new sbyte[neurons];
        for (int i = 0; i < neurons; i++) spins[i] = (sbyte)(rng.Next(2) * 2 - 1);
        return (patterns, spins);
    }

    /// <summary>H = -(1/2) sum_{i != j} J_ij s_i s_j with J_ij = (1/N) sum_mu xi_i xi_j: the definition, O(N^2 P), for tests only.</summary>
    internal static double CouplingEnergy(PatternSet x, sbyte[] s)
    {
        double h = 0;
        for (int i = 0; i < x.Neurons; i++)
            for (int j = 0; j < x.Neurons; j++)
            {
                if (i == j) continue;
                double jij = 0;
                for (int mu = 0; mu < x.Count; mu++) jij += x[mu, i] * x[mu, j];
                h += -0.5 * jij / x.Neurons * s[i] * s[j];
            }
        return h;
    }

    [Property(MaxTest = 200)]
    public bool Overlap_energy_equals_the_coupling_definition(int seed, byte n, byte p)
    {
        var (x, s) = System(seed, n, p);
        return Math.Abs(HebbianEnergy.Instance.Energy(x, s) - CouplingEnergy(x, s)) < 1e-9;
    }

    [Property(MaxTest = 200)]
    public bool Overlap_energy_equals_the_coupling_definition_for_diluted_patterns(int seed, byte n, byte p, byte dRaw)
    {
        var (x, s) = System(seed, n, p, dRaw % 10 / 10.0);
        return Math.Abs(HebbianEnergy.Instance.Energy(x, s) - CouplingEnergy(x, s)) < 1e-9;
    }

    [Property(MaxTest = 300)]
    public bool Bookkept_flip_delta_equals_recomputed_energy_difference(int seed, byte n, byte p, int siteRaw, byte dRaw)
    {
        var (x, s) = System(seed, n, p, dRaw % 3 == 0 ? 0 : dRaw % 10 / 10.0);
        int site = (int)((uint)siteRaw % (uint)x.Neurons);
        var sums = new short[x.Stride];
        x.OverlapSums(s, sums);
        var energy = HebbianEnergy.Instance;
        double before = energy.Energy(x, s);
        double exact = energy.FlipDelta(x, sums, site, s[site]);
        double generic = ((OverlapEnergy)new GenericQuadratic()).FlipDelta(x, sums, site, s[site]);
        s[site] = (sbyte)-s[site];
        double after = energy.Energy(x, s);
        return Math.Abs(exact - (after - before)) < 1e-9 && Math.Abs(generic - (after - before)) < 1e-9;
    }

    /// <summary>The classical separation function through the generic (F-differencing) path of the base class.</summary>
    sealed class GenericQuadratic : OverlapEnergy
    {
        public override double Separation(double m) => 0.5 * m * m;
        public override double SelfCouplingCorrection(PatternSet patterns) => 0.5 * patterns.Count;
    }

    [Property(MaxTest = 100)]
    public bool Delta_h_is_twice_s_times_local_field(int seed, byte n, byte p, int siteRaw)
    {
        // Delta H = 2 s_i h_i with h_i = sum_mu xi_i^mu m_mu - alpha s_i (REFERENCE.md section 1).
        var (x, s) = System(seed, n, p);
        int i = (int)((uint)siteRaw % (uint)x.Neurons);
        var m = x.Overlaps(s);
        double h = -x.Load * s[i];
        for (int mu = 0; mu < x.Count; mu++) h += x[mu, i] * m[mu];
        var sums = new short[x.Stride];
        x.OverlapSums(s, sums);
        return Math.Abs(HebbianEnergy.Instance.FlipDelta(x, sums, i, s[i]) - 2 * s[i] * h) < 1e-9;
    }
}

public class PatternSetTests
{
    [Fact]
    public void Same_seed_and_sample_give_the_same_patterns_and_others_differ()
    {
        var a = PatternSet.Random(300, 7, 42, 3);
        var b = PatternSet.Random(300, 7, 42, 3);
        var c = PatternSet.Random(300, 7, 42, 4);
        int same = 0, differ = 0;
        for (int mu = 0; mu < 7; mu++)
            for (int i = 0; i < 300; i++)
            {
                Assert.Equal(a[mu, i], b[mu, i]);
                Assert.True(a[mu, i] is 1 or -1);
                if (a[mu, i] == c[mu, i]) same++; else differ++;
            }
        Assert.InRange(differ / (double)(same + differ), 0.4, 0.6);
    }

    [Fact]
    public void Entries_are_unbiased_and_patterns_nearly_orthogonal()
    {
        var x = PatternSet.Random(4000, 20, 7, 0);
        double mean = 0;
        for (int mu = 0; mu < 20; mu++) for (int i = 0; i < 4000; i++) mean += x[mu, i];
        mean /= 4000 * 20;
        Assert.InRange(mean, -0.02, 0.02); // 5 sigma for 80000 entries is 0.018
        var m = x.Overlaps(x.State(0));
        Assert.Equal(1.0, m[0]);
        for (int mu = 1; mu < 20; mu++) Assert.InRange(m[mu], -5 / Math.Sqrt(4000), 5 / Math.Sqrt(4000));
    }

    [Fact]
    public void Diluted_patterns_have_the_requested_fraction_of_zeros_and_unbiased_signs()
    {
        var x = PatternSet.Random(4000, 10, 3, 0, dilution: 0.4);
        int zeros = 0, plus = 0, minus = 0;
        for (int mu = 0; mu < 10; mu++)
            for (int i = 0; i < 4000; i++)
                switch (x[mu, i]) { case 0: zeros++; break; case 1: plus++; break; default: minus++; break; }
        Assert.InRange(zeros / 40000.0, 0.39, 0.41);       // 4 sigma is 0.01
        Assert.InRange(plus / (double)(plus + minus), 0.487, 0.513);
        long nonZero = 0;
        for (int i = 0; i < 4000; i++) nonZero += x.NonZero(i);
        Assert.Equal(plus + minus, nonZero);
        Assert.Equal(nonZero, x.SelfCoupling);
        Assert.Equal(0.4, x.Dilution);
        Assert.Throws<ArgumentOutOfRangeException>(() => PatternSet.Random(10, 2, 1, 0, dilution: 1.0));
    }

    [Fact]
    public void Bad_sizes_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PatternSet.Random(1, 1, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PatternSet.Random(10, 0, 1, 0));
        Assert.Throws<ArgumentException>(() => PatternSet.FromRows([[1, 2, 1]]));
        Assert.Equal(2, PatternSet.FromRows([[1, 0, -1]]).SelfCoupling);
    }
}

public class PhiloxTests
{
    [Property(MaxTest = 200)]
    public bool Vectorised_fill_gives_the_serial_words(uint key0, uint key1, uint start, uint c1, uint c2, uint c3, byte countRaw)
    {
        int count = countRaw + 1;
        var rng = new Philox4x32(key0, key1);
        var w = new uint[4][];
        for (int k = 0; k < 4; k++) w[k] = new uint[count];
        rng.Fill(start, c1, c2, c3, w[0], w[1], w[2], w[3]);
        for (int j = 0; j < count; j++)
            if ((w[0][j], w[1][j], w[2][j], w[3][j]) != rng.Next(start + (uint)j, c1, c2, c3)) return false;
        return true;
    }

    // Known-answer vectors of Philox-4x32-10 from the Random123 distribution (kat_vectors).
    [Theory]
    [InlineData(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [InlineData(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [InlineData(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Matches_the_Random123_known_answers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint r0, uint r1, uint r2, uint r3)
    {
        Assert.Equal((r0, r1, r2, r3), new Philox4x32(k0, k1).Next(c0, c1, c2, c3));
    }
}
