namespace Physics.Networks;

/// <summary>
/// M noisy examples of each of K archetypes (REFERENCE.md section 4): eta^{mu,a}_i = chi^{mu,a}_i xi^mu_i with
/// P(chi = +-1) = (1 +- r)/2, a = 1..M. Examples are stored as a pattern set of K M patterns, example a of
/// archetype mu at index mu M + a. Dataset entropy rho = (1 - r^2)/(M r^2).
/// </summary>
public sealed class ExampleSet
{
    public PatternSet Archetypes { get; }
    public PatternSet Examples { get; }
    public double Quality { get; }
    public int PerArchetype { get; }

    ExampleSet(PatternSet archetypes, PatternSet examples, double quality, int perArchetype)
    {
        Archetypes = archetypes; Examples = examples; Quality = quality; PerArchetype = perArchetype;
    }

    /// <summary>rho = (1 - r^2)/(M r^2).</summary>
    public double Entropy => DatasetEntropy(Quality, PerArchetype);

    /// <summary>The dataset entropy rho = (1 - r^2)/(M r^2) of M examples of quality r.</summary>
    public static double DatasetEntropy(double quality, int examples) => (1 - quality * quality) / (examples * quality * quality);

    /// <summary>R = r^2 (1 + rho) = r^2 + (1 - r^2)/M: the mean square of Y = sum_a chi^a / M, our coupling normalisation.</summary>
    public double Normalisation => Quality * Quality + (1 - Quality * Quality) / PerArchetype;

    /// <summary>
    /// Examples of the given archetypes drawn from (seed, sample) under a Philox domain of their own: one 32-bit word
    /// per entry, chi = -1 when the word is below (1 - r)/2 * 2^32.
    /// </summary>
    public static ExampleSet Generate(PatternSet archetypes, double quality, int perArchetype, ulong seed, int sample)
    {
        if (!(quality > 0 && quality <= 1)) throw new ArgumentOutOfRangeException(nameof(quality), "--quality must lie in (0, 1]");
        if (perArchetype < 1) throw new ArgumentOutOfRangeException(nameof(perArchetype), "--examples must be at least 1");
        int n = archetypes.Neurons, k = archetypes.Count;
        var rng = Philox4x32.FromSeed(seed);
        ulong flipBelow = (ulong)Math.Round((1 - quality) / 2 * 4294967296.0);
        var rows = new int[k * perArchetype][];
        Span<uint> words = stackalloc uint[4];
        for (int mu = 0; mu < k; mu++)
            for (int a = 0; a < perArchetype; a++)
            {
                int index = mu * perArchetype + a;
                var row = rows[index] = new int[n];
                for (int i = 0; i < n; i += 4)
                {
                    (words[0], words[1], words[2], words[3]) = rng.Next((uint)(i >> 2), 0xFFFFFFFC, (uint)sample, (uint)index);
                    for (int j = 0; j < 4 && i + j < n; j++)
                        row[i + j] = archetypes[mu, i + j] * (words[j] < flipBelow ? -1 : 1);
                }
            }
        return new ExampleSet(archetypes, PatternSet.FromRows(rows), quality, perArchetype);
    }
}

/// <summary>
/// Hebbian couplings learned from examples, kept as integer stored vectors V (never an N x N matrix):
///   H = -(c / 2N) sum_kappa (sum_i V_i^kappa s_i)^2 + (c / 2N) sum_i sum_kappa (V_i^kappa)^2   (J_ii = 0),
/// the classical energy when V = xi and c = 1.
/// Supervised: V^mu = sum_a eta^{mu,a} (M times the example average), c = 1/(R M^2).
/// Unsupervised: V^{mu,a} = eta^{mu,a}, c = 1/(R M). R = r^2 (1 + rho) (see <see cref="ExampleSet.Normalisation"/>).
/// A flip of s_i changes H by (2c/N)(s_i sum_kappa V_i^kappa L_kappa - sum_kappa (V_i^kappa)^2), L = V^T s: O(K) with
/// integer overlaps, exact up to the final scaling.
/// </summary>
public sealed class LearnedCouplings
{
    readonly int[] vectors;     // V_i^kappa at i * Count + kappa
    readonly long[] selfTerms;  // sum_kappa (V_i^kappa)^2

    public int Neurons { get; }
    public int Count { get; }
    public double Scale { get; }
    public bool Supervised { get; }

    LearnedCouplings(int neurons, int count, int[] vectors, double scale, bool supervised)
    {
        Neurons = neurons; Count = count; this.vectors = vectors; Scale = scale; Supervised = supervised;
        selfTerms = new long[neurons];
        for (int i = 0; i < neurons; i++)
            for (int k = 0; k < count; k++) selfTerms[i] += (long)vectors[i * count + k] * vectors[i * count + k];
    }

    public static LearnedCouplings Build(ExampleSet set, bool supervised)
    {
        int n = set.Archetypes.Neurons, k = set.Archetypes.Count, m = set.PerArchetype;
        int count = supervised ? k : k * m;
        var v = new int[n * count];
        for (int i = 0; i < n; i++)
            for (int mu = 0; mu < k; mu++)
                for (int a = 0; a < m; a++)
                {
                    int eta = set.Examples[mu * m + a, i];
                    if (supervised) v[i * count + mu] += eta; else v[i * count + mu * m + a] = eta;
                }
        double scale = 1 / (set.Normalisation * (supervised ? (double)m * m : m));
        return new LearnedCouplings(n, count, v, scale, supervised);
    }

    public int this[int i, int kappa] => vectors[i * Count + kappa];

    /// <summary>L_kappa = sum_i V_i^kappa s_i.</summary>
    public long[] OverlapSums(ReadOnlySpan<sbyte> spins)
    {
        var l = new long[Count];
        for (int i = 0; i < Neurons; i++)
            for (int k = 0; k < Count; k++) l[k] += vectors[i * Count + k] * spins[i];
        return l;
    }

    /// <summary>H from the overlap sums.</summary>
    public double Energy(ReadOnlySpan<long> sums)
    {
        double squares = 0;
        foreach (long x in sums) squares += (double)x * x;
        return -Scale / (2.0 * Neurons) * (squares - selfTerms.Sum());
    }

    /// <summary>Integer part of a flip's energy change: Delta H = (2c/N) * FlipNumerator.</summary>
    public long FlipNumerator(int i, int spin, ReadOnlySpan<long> sums)
    {
        long dot = 0;
        for (int k = 0; k < Count; k++) dot += vectors[i * Count + k] * sums[k];
        return spin * dot - selfTerms[i];
    }

    /// <summary>L_kappa after flipping s_i (which was <paramref name="spin"/>).</summary>
    public void Flip(int i, int spin, Span<long> sums)
    {
        for (int k = 0; k < Count; k++) sums[k] -= 2L * spin * vectors[i * Count + k];
    }
}
