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
        // [-N, N] the value is never used (x is then fixed: M = N only moves down), so any value that keeps the one
        // real move's total serves; the linear extrapolation 2 e(edge) - e(inner) makes Even(+-N) = 0 and Odd(+-N)
        // that move's change, as small as the interior values (a 0 there once made |Odd(+-N)| about e(N)/2, which
        // took a condensed pattern's parts past the coarse copies' reach).
        odd = new long[neurons + 1]; even = new long[neurons + 1];
        for (int plus = 0; plus <= neurons; plus++)
        {
            var below = plus > 0 ? e[plus - 1] : 2 * e[plus] - e[plus + 1];                // M - 2
            var above = plus < neurons ? e[plus + 1] : 2 * e[plus] - e[plus - 1];          // M + 2
            var g = (above - below) / 2;
            var h = e[plus] - (below + above) / 2;
            if (System.Numerics.BigInteger.Abs(g) > long.MaxValue / 4096 || System.Numerics.BigInteger.Abs(h) > long.MaxValue / 4096)
                throw new ArgumentOutOfRangeException(nameof(neurons), $"N = {neurons} is too large for exact P = {order} sums in 64 bits");
            odd[plus] = (long)g; even[plus] = (long)h;
        }
        evenSteps = new long[neurons + 1];
        for (int plus = 0; plus < neurons; plus++) evenSteps[plus] = even[plus + 1] - even[plus];
        Polynomials = FlipPolynomials.TryBuild(order, neurons, odd, even);
    }

    /// <summary>
    /// The flip parts as integer polynomials in M (null where 64-bit sums could overflow, e.g. large N at P >= 5):
    /// with D = P! 2^P, D e_P(M) = sum_j (-1)^j C(P, j) prod_{l &lt; P-j} (N - 2l + M) prod_{l &lt; j} (N - 2l - M) has
    /// integer coefficients, and so do G(M) = D Odd(M) = (E(M+2) - E(M-2))/2 and H(M) = D Even(M) = E(M) - (E(M-2) + E(M+2))/2.
    /// On [-N, N] they equal D times the tables, except at M = +-N where only one flip direction exists and the
    /// table's split differs; there G + x H gives the same total for the one possible x. A sampler can thus keep
    /// D Odd(M_mu) and the D Even total by vectorised Horner evaluation instead of table lookups.
    /// </summary>
    public FlipPolynomials? Polynomials { get; }

    /// <summary>N^(P-1): the integer flip parts are energies times this.</summary>
    public double Scale { get; }

    /// <summary>Odd(M) at index (M + N)/2, for samplers that gather from the table.</summary>
    public ReadOnlySpan<long> OddTable => odd;

    /// <summary>Even(M + 2) - Even(M) at index (M + N)/2 (the last entry 0): a flip moves each Even by one step.</summary>
    public ReadOnlySpan<long> EvenSteps => evenSteps;
    readonly long[] evenSteps;

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

/// <summary>G(M) = D Odd(M) and H(M) = D Even(M) as integer polynomials (see <see cref="DenseEnergy.Polynomials"/>).</summary>
public sealed class FlipPolynomials
{
    /// <summary>D = P! 2^P.</summary>
    public long Denominator { get; }
    /// <summary>Coefficients of G (odd part) and H (even part), lowest power first.</summary>
    public long[] Odd { get; }
    public long[] Even { get; }

    /// <summary>A bound on |G(M)|, |H(M)| and every Horner partial sum for |M| &lt;= N: a sum over K patterns is safe while K Reach &lt; 2^62.</summary>
    public long Reach { get; }

    FlipPolynomials(long denominator, long[] odd, long[] even, long reach) { Denominator = denominator; Odd = odd; Even = even; Reach = reach; }

    public static long Evaluate(long[] c, long m)
    {
        long acc = 0;
        for (int k = c.Length - 1; k >= 0; k--) acc = acc * m + c[k];
        return acc;
    }

    /// <summary>
    /// A polynomial of one parity as M^odd c(M^2): the coefficients c (lowest first, up to the last nonzero one; [0]
    /// for the zero polynomial) and odd (0 or 1); null when it mixes even and odd powers (the flip parts never do: G
    /// and H have the parities of P - 1 and P).
    /// </summary>
    public static (long[]? Coefficients, int Odd) InSquares(long[] p)
    {
        bool hasEven = false, hasOdd = false;
        int last = -1;
        for (int k = 0; k < p.Length; k++) if (p[k] != 0) { last = k; if (k % 2 == 0) hasEven = true; else hasOdd = true; }
        if (hasEven && hasOdd) return (null, 0);
        int odd = hasOdd ? 1 : 0;
        var c = new long[Math.Max(1, (last - odd) / 2 + 1)];
        for (int k = odd; k <= last; k += 2) c[k / 2] = p[k];
        return (c, odd);
    }

    /// <summary>The polynomials when they reproduce the tables and K-fold sums of their values cannot overflow 64 bits.</summary>
    internal static FlipPolynomials? TryBuild(int order, int neurons, long[] oddTable, long[] evenTable)
    {
        var (g, h, d) = Exact(order, neurons);
        // Every Horner partial sum at |M| <= N is bounded by sum_k |c_k| N^k: it must fit in 62 bits.
        System.Numerics.BigInteger Reach(System.Numerics.BigInteger[] c)
        {
            System.Numerics.BigInteger r = 0, power = 1;
            foreach (var x in c) { r += System.Numerics.BigInteger.Abs(x) * power; power *= neurons; }
            return r;
        }
        var reach = System.Numerics.BigInteger.Max(Reach(g), Reach(h));
        if (reach > long.MaxValue >> 1) return null;
        var poly = new FlipPolynomials((long)d, g.Select(x => (long)x).ToArray(), h.Select(x => (long)x).ToArray(), (long)reach);
        for (int plus = 1; plus < neurons; plus++)
        {
            long m = 2 * plus - neurons;
            if (Evaluate(poly.Odd, m) != poly.Denominator * oddTable[plus] || Evaluate(poly.Even, m) != poly.Denominator * evenTable[plus]) return null;
        }
        return poly;
    }

    /// <summary>G, H (coefficients, lowest power first) and D exactly, whatever their size.</summary>
    public static (System.Numerics.BigInteger[] Odd, System.Numerics.BigInteger[] Even, System.Numerics.BigInteger Denominator) Exact(int order, int neurons)
    {
        var e = new System.Numerics.BigInteger[] { 0 };
        for (int j = 0; j <= order; j++)
        {
            System.Numerics.BigInteger[] term = [Binomial(order, j) * (j % 2 == 0 ? 1 : -1)];
            for (int l = 0; l < order - j; l++) term = Multiply(term, [neurons - 2 * l, 1]);
            for (int l = 0; l < j; l++) term = Multiply(term, [neurons - 2 * l, -1]);
            e = Add(e, term);
        }
        var up = Shift(e, 2); var down = Shift(e, -2);
        var g = Add(up, Negate(down)).Select(x => x / 2).ToArray();
        var h = Add(e, Add(up, down).Select(x => -(x / 2)).ToArray());
        System.Numerics.BigInteger d = 1 << order;
        for (int k = 2; k <= order; k++) d *= k;
        return (g, h, d);
    }

    static System.Numerics.BigInteger Binomial(int n, int k)
    {
        System.Numerics.BigInteger c = 1;
        for (int i = 1; i <= k; i++) c = c * (n - k + i) / i;
        return c;
    }

    static System.Numerics.BigInteger[] Multiply(System.Numerics.BigInteger[] a, System.Numerics.BigInteger[] b)
    {
        var r = new System.Numerics.BigInteger[a.Length + b.Length - 1];
        for (int i = 0; i < a.Length; i++) for (int j = 0; j < b.Length; j++) r[i + j] += a[i] * b[j];
        return r;
    }

    static System.Numerics.BigInteger[] Add(System.Numerics.BigInteger[] a, System.Numerics.BigInteger[] b)
    {
        var r = new System.Numerics.BigInteger[Math.Max(a.Length, b.Length)];
        for (int i = 0; i < r.Length; i++) r[i] = (i < a.Length ? a[i] : 0) + (i < b.Length ? b[i] : 0);
        return r;
    }

    static System.Numerics.BigInteger[] Negate(System.Numerics.BigInteger[] a) => a.Select(x => -x).ToArray();

    /// <summary>p(M + c) by binomial expansion.</summary>
    static System.Numerics.BigInteger[] Shift(System.Numerics.BigInteger[] p, int c)
    {
        var r = new System.Numerics.BigInteger[p.Length];
        for (int k = 0; k < p.Length; k++)
            for (int i = 0; i <= k; i++) r[i] += p[k] * Binomial(k, i) * System.Numerics.BigInteger.Pow(c, k - i);
        return r;
    }
}
