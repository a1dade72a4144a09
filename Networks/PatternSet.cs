namespace Physics.Networks;

/// <summary>
/// P patterns xi^mu in {-1,+1}^N, or diluted in {-1,0,+1}^N with P(0) = d (REFERENCE.md section 4), stored spin-major as int8 rows padded to a multiple of
/// <see cref="Alignment"/> so that the local field sum_mu xi_i^mu M_mu of site i is one contiguous,
/// vectorisable dot product (REFERENCE.md section 1).
/// </summary>
public sealed class PatternSet
{
    /// <summary>Row padding in entries: 32 entries widen to one AVX-512 register of int16.</summary>
    public const int Alignment = 32;

    /// <summary>Largest N for which integer overlap sums M_mu = N m_mu fit the int16 bookkeeping.</summary>
    public const int MaxNeurons = short.MaxValue;

    /// <summary>Most pattern entries (N times the padded pattern count) one set may hold: one .NET array.</summary>
    public static long MaxEntries => Array.MaxLength;

    /// <summary>Whether <paramref name="count"/> patterns of <paramref name="neurons"/> entries (rows padded) fit one set.</summary>
    public static bool Fits(int neurons, double count) => count < int.MaxValue - Alignment
        && (double)neurons * (Math.Ceiling(count / Alignment) * Alignment) <= MaxEntries;

    /// <summary>Why <paramref name="count"/> patterns of <paramref name="neurons"/> entries do not fit: the end of every refusal of <see cref="Fits"/>.</summary>
    public static string TooMany(int neurons, double count)
        => $"{count:G3} patterns of {neurons} neurons are {count * neurons:G3} entries, more than a network holds ({MaxEntries:G3})";

    readonly sbyte[] entries;
    readonly int[] nonZero;

    public int Neurons { get; }
    public int Count { get; }
    /// <summary>Length of one site's row (Count rounded up to <see cref="Alignment"/>; padding is 0).</summary>
    public int Stride { get; }

    /// <summary>Fraction of zero entries the patterns were drawn with (0 for the classical model).</summary>
    public double Dilution { get; private set; }

    /// <summary>n_i = sum_mu (xi_i^mu)^2, the non-zero entries at site i (P for unbiased +-1 patterns).</summary>
    public int NonZero(int i) => nonZero[i];
    public ReadOnlySpan<int> NonZeroCounts => nonZero;

    /// <summary>sum_i n_i = N times the self-coupling sum_mu J_ii that the J_ii = 0 convention removes.</summary>
    public long SelfCoupling { get; private set; }

    /// <summary>Load alpha = P / N.</summary>
    public double Load => (double)Count / Neurons;

    PatternSet(int neurons, int count)
    {
        if (neurons < 2) throw new ArgumentOutOfRangeException(nameof(neurons), "a network needs N >= 2 neurons");
        if (neurons > MaxNeurons) throw new ArgumentOutOfRangeException(nameof(neurons), $"N must be at most {MaxNeurons}");
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "at least one pattern is needed");
        if (!Fits(neurons, count)) throw new ArgumentOutOfRangeException(nameof(count), TooMany(neurons, count));
        Neurons = neurons; Count = count;
        Stride = (count + Alignment - 1) / Alignment * Alignment;
        entries = new sbyte[(long)neurons * Stride];
        nonZero = new int[neurons];
    }

    PatternSet Counted()
    {
        SelfCoupling = 0;
        for (int i = 0; i < Neurons; i++)
        {
            int n = 0;
            foreach (var x in Row(i)) n += x * x;
            nonZero[i] = n;
            SelfCoupling += n;
        }
        return this;
    }

    /// <summary>Unbiased i.i.d. patterns from (seed, sample): disorder sample k of seed s is the same set on every machine.</summary>
    public static PatternSet Random(int neurons, int count, ulong seed, int sample, double dilution = 0)
    {
        if (!(dilution >= 0 && dilution < 1)) throw new ArgumentOutOfRangeException(nameof(dilution), "dilution d must lie in [0, 1)");
        if (dilution > 0) return Diluted(neurons, count, seed, sample, dilution);
        var set = new PatternSet(neurons, count);
        var rng = Philox4x32.FromSeed(seed);
        // Domain tag 0xFFFFFFFE in c1 keeps pattern words apart from the sampler's (sweep-indexed) words.
        long total = (long)neurons * count;
        uint block = 0;
        for (long start = 0; start < total; start += 128, block++)
        {
            var (a, b, c, d) = rng.Next(block, 0xFFFFFFFE, (uint)sample, 0);
            Span<uint> words = [a, b, c, d];
            for (int k = 0; k < 128 && start + k < total; k++)
            {
                long flat = start + k;
                int mu = (int)(flat / neurons), i = (int)(flat % neurons);
                int bit = (int)((words[k >> 5] >> (k & 31)) & 1);
                set.entries[(long)i * set.Stride + mu] = (sbyte)(2 * bit - 1);
            }
        }
        return set.Counted();
    }

    /// <summary>
    /// Diluted patterns: each entry is 0 with probability d, else +-1 with equal odds. One 32-bit word
    /// per entry (the top bit gives the sign, the rest the zero test), under a domain tag of its own.
    /// </summary>
    static PatternSet Diluted(int neurons, int count, ulong seed, int sample, double dilution)
    {
        var set = new PatternSet(neurons, count) { Dilution = dilution };
        var rng = Philox4x32.FromSeed(seed);
        uint zeroBelow = (uint)Math.Min(int.MaxValue, Math.Round(dilution * 2147483648.0)); // compared with 31 bits
        long total = (long)neurons * count;
        Span<uint> words = stackalloc uint[4];
        for (long start = 0; start < total; start += 4)
        {
            (words[0], words[1], words[2], words[3]) = rng.Next((uint)(start >> 2), 0xFFFFFFFD, (uint)sample, (uint)(start >> 34));
            for (int k = 0; k < 4 && start + k < total; k++)
            {
                long flat = start + k;
                int mu = (int)(flat / neurons), i = (int)(flat % neurons);
                uint w = words[k];
                set.entries[(long)i * set.Stride + mu] = (w & 0x7FFFFFFF) < zeroBelow ? (sbyte)0 : (w >> 31) == 1 ? (sbyte)1 : (sbyte)-1;
            }
        }
        return set.Counted();
    }

    /// <summary>Patterns given explicitly as rows patterns[mu][i] of +-1.</summary>
    public static PatternSet FromRows(IReadOnlyList<IReadOnlyList<int>> patterns)
    {
        if (patterns.Count == 0) throw new ArgumentException("at least one pattern is needed", nameof(patterns));
        var set = new PatternSet(patterns[0].Count, patterns.Count);
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            if (patterns[mu].Count != set.Neurons) throw new ArgumentException("patterns differ in length", nameof(patterns));
            for (int i = 0; i < set.Neurons; i++)
            {
                int v = patterns[mu][i];
                if (v is not (1 or -1 or 0)) throw new ArgumentException($"pattern {mu} entry {i} is {v}, not -1, 0 or +1", nameof(patterns));
                set.entries[(long)i * set.Stride + mu] = (sbyte)v;
            }
        }
        return set.Counted();
    }

    public int this[int mu, int i] => entries[(long)i * Stride + mu];

    /// <summary>The row (xi_i^1 .. xi_i^P, then zero padding) of site i.</summary>
    public ReadOnlySpan<sbyte> Row(int i) => entries.AsSpan(i * Stride, Stride);

    /// <summary>Integer overlap sums M_mu = sum_i xi_i^mu s_i = N m_mu, written into a Stride-long buffer.</summary>
    public void OverlapSums(ReadOnlySpan<sbyte> spins, Span<short> sums)
    {
        if (spins.Length != Neurons) throw new ArgumentException("state length differs from N", nameof(spins));
        Span<int> acc = Count <= 4096 ? stackalloc int[Count] : new int[Count];
        acc.Clear();
        for (int i = 0; i < Neurons; i++)
        {
            var row = Row(i);
            int s = spins[i];
            for (int mu = 0; mu < Count; mu++) acc[mu] += row[mu] * s;
        }
        sums.Clear();
        for (int mu = 0; mu < Count; mu++) sums[mu] = (short)acc[mu];
    }

    /// <summary>Mattis overlaps m_mu = (1/N) sum_i xi_i^mu s_i.</summary>
    public double[] Overlaps(ReadOnlySpan<sbyte> spins)
    {
        Span<short> sums = new short[Stride];
        OverlapSums(spins, sums);
        var m = new double[Count];
        for (int mu = 0; mu < Count; mu++) m[mu] = sums[mu] / (double)Neurons;
        return m;
    }

    /// <summary>The state equal to pattern mu; where a diluted pattern is 0 the spin is +1.</summary>
    public sbyte[] State(int mu)
    {
        var s = new sbyte[Neurons];
        for (int i = 0; i < Neurons; i++) s[i] = (sbyte)(this[mu, i] < 0 ? -1 : 1);
        return s;
    }
}
