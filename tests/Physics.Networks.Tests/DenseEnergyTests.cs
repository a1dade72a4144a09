using FsCheck;
using FsCheck.Xunit;
using Physics.Networks;

namespace Physics.Networks.Tests;

public class DenseEnergyTests
{
    /// <summary>The definition: -(1/(P! N^(P-1))) sum_mu sum over ordered tuples of pairwise distinct indices.</summary>
    static double Brute(PatternSet x, sbyte[] s, int p)
    {
        int n = x.Neurons;
        double factorial = 1;
        for (int k = 2; k <= p; k++) factorial *= k;
        double total = 0;
        for (int mu = 0; mu < x.Count; mu++)
        {
            var v = Enumerable.Range(0, n).Select(i => (double)(x[mu, i] * s[i])).ToArray();
            total += Tuples(v, p, new bool[n], 1.0);
        }
        return -total / (factorial * Math.Pow(n, p - 1));
    }

    static double Tuples(double[] v, int left, bool[] used, double product)
    {
        if (left == 0) return product;
        double sum = 0;
        for (int i = 0; i < v.Length; i++)
        {
            if (used[i]) continue;
            used[i] = true;
            sum += Tuples(v, left - 1, used, product * v[i]);
            used[i] = false;
        }
        return sum;
    }

    [Property(MaxTest = 60)]
    public bool Table_energy_equals_the_distinct_index_definition(int seed, byte nRaw, byte kRaw, bool four)
    {
        int p = four ? 4 : 3, n = p + nRaw % (8 - p), k = 1 + kRaw % 4;
        var x = PatternSet.Random(n, k, (ulong)(uint)seed, 0);
        var rng = new Random(seed);
        var s = Enumerable.Range(0, n).Select(_ => (sbyte)(rng.Next(2) * 2 - 1)).ToArray();
        return Math.Abs(new DenseEnergy(p, n).Energy(x, s) - Brute(x, s, p)) < 1e-10;
    }

    [Property(MaxTest = 200)]
    public bool Flip_delta_equals_the_recomputed_energy_difference(int seed, byte nRaw, byte kRaw, int siteRaw, bool four)
    {
        int p = four ? 4 : 3, n = 4 + nRaw % 60, k = 1 + kRaw % 20;
        var x = PatternSet.Random(n, k, (ulong)(uint)seed, 0);
        var rng = new Random(seed);
        var s = Enumerable.Range(0, n).Select(_ => (sbyte)(rng.Next(2) * 2 - 1)).ToArray();
        var e = new DenseEnergy(p, n);
        int site = (int)((uint)siteRaw % (uint)n);
        var sums = new short[x.Stride];
        x.OverlapSums(s, sums);
        double before = e.Energy(x, s), delta = e.FlipDelta(x, sums, site, s[site]);
        s[site] = (sbyte)-s[site];
        return Math.Abs(e.Energy(x, s) - before - delta) < 1e-9 * Math.Max(1, Math.Abs(before));
    }

    [Fact]
    public void Order_two_is_the_classical_model()
    {
        var x = PatternSet.Random(30, 5, 2, 0);
        var rng = new Random(1);
        var s = Enumerable.Range(0, 30).Select(_ => (sbyte)(rng.Next(2) * 2 - 1)).ToArray();
        Assert.Equal(HebbianEnergy.Instance.Energy(x, s), new DenseEnergy(2, 30).Energy(x, s), 10);
    }

    [Fact]
    public void Large_N_energy_approaches_minus_N_sum_m_to_the_P_over_P_factorial()
    {
        const int n = 5000, p = 4;
        var x = PatternSet.Random(n, 3, 5, 0);
        var s = x.State(0);
        double exact = new DenseEnergy(p, n).Energy(x, s) / n;
        double approximate = -x.Overlaps(s).Sum(m => Math.Pow(m, p)) / 24;
        Assert.Equal(approximate, exact, 3); // the corrections are O(1/N)
        Assert.Equal(-1.0 / 24, exact, 3);
    }
}

public class FlipTableTests
{
    /// <summary>
    /// x Odd(M) + Even(M) = N^(P-1) [f(M - 2x) - f(M)] = e_P(M) - e_P(M - 2x) exactly for every M in [-N, N] and every
    /// move x = +-1 that stays inside (BigInteger binomials), and at the edges, where one move exists, Even = 0 and Odd
    /// is that move's change (the linear extrapolation that keeps a condensed pattern's entries as small as the rest).
    /// </summary>
    [Theory]
    [InlineData(2, 9)]
    [InlineData(3, 12)]
    [InlineData(4, 13)]
    [InlineData(6, 20)]
    [InlineData(9, 31)]
    public void Flip_tables_give_the_exact_energy_changes(int p, int n)
    {
        var energy = new DenseEnergy(p, n);
        System.Numerics.BigInteger Binomial(int a, int b)
        {
            if (b < 0 || b > a) return 0;
            System.Numerics.BigInteger c = 1;
            for (int k = 1; k <= b; k++) c = c * (a - b + k) / k;
            return c;
        }
        System.Numerics.BigInteger E(int m)
        {
            int plus = (n + m) / 2, minus = n - plus;
            System.Numerics.BigInteger sum = 0;
            for (int j = 0; j <= p; j++) sum += (j % 2 == 0 ? 1 : -1) * Binomial(plus, p - j) * Binomial(minus, j);
            return sum;
        }
        for (int m = -n; m <= n; m += 2)
            foreach (int x in new[] { -1, 1 })
            {
                if (Math.Abs(m - 2 * x) > n) continue;
                Assert.Equal(E(m) - E(m - 2 * x), (System.Numerics.BigInteger)(x * energy.Odd(m) + energy.Even(m)));
            }
        Assert.Equal(0, energy.Even(n));
        Assert.Equal(0, energy.Even(-n));
        Assert.Equal(E(n) - E(n - 2), (System.Numerics.BigInteger)energy.Odd(n));
        Assert.Equal(E(-n + 2) - E(-n), (System.Numerics.BigInteger)energy.Odd(-n));
    }
}

public class FlipPolynomialTests
{
    [Theory]
    [InlineData(3, 4000)]
    [InlineData(4, 4000)]
    [InlineData(5, 500)]
    public void Integer_polynomials_reproduce_the_exact_flip_tables(int p, int n)
    {
        var energy = new DenseEnergy(p, n);
        var poly = energy.Polynomials;
        Assert.NotNull(poly);
        Assert.Equal(Enumerable.Range(2, p - 1).Aggregate(1L << p, (f, k) => f * k), poly!.Denominator); // D = P! 2^P
        for (int m = -n + 2; m <= n - 2; m += 2 * Math.Max(1, n / 200))
        {
            Assert.Equal(poly.Denominator * energy.Odd(m), FlipPolynomials.Evaluate(poly.Odd, m));
            Assert.Equal(poly.Denominator * energy.Even(m), FlipPolynomials.Evaluate(poly.Even, m));
        }
        // At M = +-N only one flip direction exists; there the two splits give the same flip energy.
        Assert.Equal(poly.Denominator * (energy.Odd(n) + energy.Even(n)), FlipPolynomials.Evaluate(poly.Odd, n) + FlipPolynomials.Evaluate(poly.Even, n));
        Assert.Equal(poly.Denominator * (energy.Even(-n) - energy.Odd(-n)), FlipPolynomials.Evaluate(poly.Even, -n) - FlipPolynomials.Evaluate(poly.Odd, -n));
    }

    /// <summary>
    /// G has the parity of P - 1 and H that of P, so each is M^parity c(M^2) (the form the power-sum paths and the
    /// ILGPU kernel evaluate), equal to the polynomial at every overlap.
    /// </summary>
    [Theory]
    [InlineData(2, 60)]
    [InlineData(3, 300)]
    [InlineData(4, 300)]
    [InlineData(5, 100)]
    [InlineData(6, 40)]
    [InlineData(7, 20)]
    [InlineData(8, 12)]
    public void Flip_polynomials_are_polynomials_in_the_square(int p, int n)
    {
        var poly = new DenseEnergy(p, n).Polynomials!;
        foreach (var (c, parity) in new[] { (poly.Odd, (p - 1) % 2), (poly.Even, p % 2) })
        {
            var (squares, odd) = FlipPolynomials.InSquares(c);
            Assert.NotNull(squares);
            if (c.Any(x => x != 0)) Assert.Equal(parity, odd);
            for (long m = -n; m <= n; m += 2)
            {
                long inSquare = 0;
                for (int k = squares!.Length - 1; k >= 0; k--) inSquare = inSquare * m * m + squares[k];
                Assert.Equal(FlipPolynomials.Evaluate(c, m), odd == 1 ? inSquare * m : inSquare);
            }
        }
        Assert.Null(FlipPolynomials.InSquares([1, 2]).Coefficients); // mixed parities
    }
}
