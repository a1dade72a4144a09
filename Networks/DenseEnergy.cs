namespace Physics.Networks;

/// <summary>
/// Dense (P-spin) Hebbian network in the distinct-index convention (REFERENCE.md section 3):
///   H = -(1 / (P! N^(P-1))) sum_mu sum_{i1..iP pairwise distinct} xi_i1..xi_iP s_i1..s_iP  ~  -(N/P!) sum_mu m_mu^P,
/// with load K = alpha N^(P-1). (Barra-group papers write H' = -(N/2) sum m^P at beta' = 2 beta / P!.)
/// With x_i = xi_i s_i = +-1 the inner sum is P! e_P(x), and the elementary symmetric polynomial of
/// +-1 variables depends only on N and M = sum_i x_i = N m:
///   e_P = sum_j (-1)^j C(n+, P-j) C(n-, j),  n+- = (N +- M)/2,
/// so the energy is sum_mu f(M_mu) with a table f over M in [-N, N]: exact for every N (no self-interaction
/// terms), and a single flip, which moves every M_mu by -2 s_i xi_i^mu, costs two lookups per pattern: O(K).
/// For P = 2 it is the classical model (e_2 = (M^2 - N)/2, i.e. J_ii = 0).
/// </summary>
public sealed class DenseEnergy : OverlapEnergy
{
    readonly double[] table; // f(M) = -e_P(M) / N^(P-1) at index (M + N) / 2
    readonly long[] odd, even;
    readonly double orderFactorial; // N^(P-1) g(M) and N^(P-1) h(M), exact integers (see FlipParts)

    public int Order { get; }
    public int Neurons { get; }

    public DenseEnergy(int order, int neurons)
    {
        if (order < 2) throw new ArgumentOutOfRangeException(nameof(order), "--p must be at least 2");
        if (neurons < order) throw new ArgumentOutOfRangeException(nameof(neurons), "N must be at least P");
        Order = order; Neurons = neurons;
        orderFactorial = 1;
        for (int k = 2; k <= order; k++) orderFactorial *= k;
        table = new double[neurons + 1];
        Scale = Math.Pow(neurons, order - 1);
        var e = new System.Numerics.BigInteger[neurons + 1];
        for (int plus = 0; plus <= neurons; plus++)
        {
            e[plus] = ElementarySymmetricExact(order, plus, neurons - plus);
            table[plus] = -(double)e[plus] / Scale;
        }
        // f(M - 2x) - f(M) = x g(M) + h(M) for x = +-1, with g(M) = (f(M-2) - f(M+2))/2 and
        // h(M) = (f(M-2) + f(M+2))/2 - f(M). Scaled by N^(P-1) these are (e(M+2) - e(M-2))/2 and
        // e(M) - (e(M-2) + e(M+2))/2: integers, since e(M-2) and e(M+2) have equal parity. Outside
        // [-N, N] the value is never used (x is then fixed), so 0 stands in.
        odd = new long[neurons + 1]; even = new long[neurons + 1];
        for (int plus = 0; plus <= neurons; plus++)
        {
            var below = plus > 0 ? e[plus - 1] : System.Numerics.BigInteger.Zero;   // M - 2
            var above = plus < neurons ? e[plus + 1] : System.Numerics.BigInteger.Zero; // M + 2
            var g = (above - below) / 2;
            var h = e[plus] - (below + above) / 2;
            if (System.Numerics.BigInteger.Abs(g) > long.MaxValue / 4096 || System.Numerics.BigInteger.Abs(h) > long.MaxValue / 4096)
                throw new ArgumentOutOfRangeException(nameof(neurons), $"N = {neurons} is too large for exact P = {order} sums in 64 bits");
            odd[plus] = (long)g; even[plus] = (long)h;
        }
    }

    /// <summary>N^(P-1): the integer flip parts are energies times this.</summary>
    public double Scale { get; }

    /// <summary>
    /// Exact integer parts of a flip: N^(P-1) [f(M - 2x) - f(M)] = x Odd(M) + Even(M) for x = s_i xi_i^mu = +-1,
    /// so a flip's energy change is (sum_mu Even(M_mu) + s_i sum_mu xi_i^mu Odd(M_mu)) / N^(P-1): one dot product.
    /// </summary>
    public long Odd(int overlapSum) => odd[(overlapSum + Neurons) >> 1];
    public long Even(int overlapSum) => even[(overlapSum + Neurons) >> 1];

    /// <summary>e_P of n+ values +1 and n- values -1: sum_j (-1)^j C(n+, P-j) C(n-, j), exactly.</summary>
    static System.Numerics.BigInteger ElementarySymmetricExact(int order, int plus, int minus)
    {
        System.Numerics.BigInteger sum = 0;
        for (int j = 0; j <= order; j++)
        {
            var term = BinomialExact(plus, order - j) * BinomialExact(minus, j);
            sum += j % 2 == 0 ? term : -term;
        }
        return sum;
    }

    static System.Numerics.BigInteger BinomialExact(int n, int k)
    {
        if (k < 0 || k > n) return 0;
        System.Numerics.BigInteger c = 1;
        for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }

    /// <summary>The energy contribution f(M) of one pattern with overlap sum M.</summary>
    public double PatternEnergy(int overlapSum) => table[(overlapSum + Neurons) >> 1];

    /// <summary>Large-N separation function F(m) = m^P / P! (the exact energy is evaluated from the table).</summary>
    public override double Separation(double m)
    {
        return Math.Pow(m, Order) / orderFactorial;
    }

    /// <summary>Not used: the exact energy is the table sum, which already excludes every repeated index.</summary>
    public override double SelfCouplingCorrection(PatternSet patterns) => 0;

    public override double Energy(PatternSet patterns, ReadOnlySpan<short> overlapSums)
    {
        Check(patterns);
        double e = 0;
        for (int mu = 0; mu < patterns.Count; mu++) e += PatternEnergy(overlapSums[mu]);
        return e;
    }

    public override double FlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
    {
        Check(patterns);
        var row = patterns.Row(site);
        double delta = 0;
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            int m = overlapSums[mu];
            delta += PatternEnergy(m - 2 * spin * row[mu]) - PatternEnergy(m);
        }
        return delta;
    }

    void Check(PatternSet patterns)
    {
        if (patterns.Neurons != Neurons) throw new ArgumentException("pattern set has another N than the energy's table");
        if (patterns.Dilution > 0) throw new ArgumentException("the dense model takes unbiased +-1 patterns");
    }
}
