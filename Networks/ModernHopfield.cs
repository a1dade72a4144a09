namespace Physics.Networks;

/// <summary>Kinds of fixed point of the continuous network (Ramsauer et al. 2020).</summary>
public enum FixedPointKind { SinglePattern, Metastable, GlobalAverage }

/// <summary>One step of the iteration: the state, its energy, and the softmax weights that produced it.</summary>
public sealed record RetrievalStep(double[] State, double Energy, double[] Weights);

/// <summary>
/// The modern continuous Hopfield network (REFERENCE.md section 5): stored patterns x_1..x_N in R^d,
///   E(xi) = -lse(beta, X^T xi) + xi.xi / 2 + ln(N)/beta + M^2/2,  M = max_i |x_i|,
///   xi_new = X softmax(beta X^T xi)   (a CCCP step: E never increases),
/// with lse(beta, z) = beta^-1 ln sum_i exp(beta z_i) and softmax computed after subtracting the maximum.
/// The update is attention: with queries as states and keys as stored patterns it is softmax(beta Q K^T) K.
/// </summary>
public sealed class ModernHopfield
{
    readonly double[][] patterns;
    readonly double[] rowMajor; // the patterns as an N x d row-major matrix, for the batched products

    public int Count => patterns.Length;
    public int Dimension { get; }
    public double Beta { get; }
    /// <summary>M = max_i |x_i|.</summary>
    public double Radius { get; }

    public ModernHopfield(double[][] patterns, double beta)
    {
        if (patterns.Length == 0) throw new ArgumentException("at least one stored pattern is needed", nameof(patterns));
        if (!(beta > 0) || double.IsInfinity(beta)) throw new ArgumentOutOfRangeException(nameof(beta), "--beta must be a positive finite number");
        Dimension = patterns[0].Length;
        if (patterns.Any(p => p.Length != Dimension)) throw new ArgumentException("stored patterns differ in dimension", nameof(patterns));
        this.patterns = patterns.Select(p => (double[])p.Clone()).ToArray();
        rowMajor = this.patterns.SelectMany(p => p).ToArray();
        Beta = beta;
        Radius = patterns.Max(p => Math.Sqrt(Dot(p, p)));
    }

    public double[] Pattern(int i) => (double[])patterns[i].Clone();

    static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    /// <summary>beta^-1 ln sum_i exp(beta z_i), with the maximum subtracted.</summary>
    public static double LogSumExp(double beta, ReadOnlySpan<double> z)
    {
        double max = double.NegativeInfinity;
        foreach (var v in z) max = Math.Max(max, v);
        double sum = 0;
        foreach (var v in z) sum += Math.Exp(beta * (v - max));
        return max + Math.Log(sum) / beta;
    }

    /// <summary>softmax(z) in place, max subtracted, vectorised (the exponentials dominate a batched update).</summary>
    static void SoftmaxInPlace(Span<double> z)
    {
        int n = z.Length, width = System.Runtime.Intrinsics.Vector512<double>.Count, k = 0;
        double max = double.NegativeInfinity;
        foreach (var v in z) max = Math.Max(max, v);
        var shift = System.Runtime.Intrinsics.Vector512.Create(max);
        var acc = System.Runtime.Intrinsics.Vector512<double>.Zero;
        for (; k + width <= n; k += width)
        {
            var e = System.Runtime.Intrinsics.Vector512.Exp(System.Runtime.Intrinsics.Vector512.Create((ReadOnlySpan<double>)z.Slice(k, width)) - shift);
            System.Runtime.Intrinsics.Vector512.CopyTo(e, z.Slice(k, width));
            acc += e;
        }
        double sum = System.Runtime.Intrinsics.Vector512.Sum(acc);
        for (; k < n; k++) { z[k] = Math.Exp(z[k] - max); sum += z[k]; }
        double inverse = 1 / sum;
        for (k = 0; k < n; k++) z[k] *= inverse;
    }

    /// <summary>softmax(beta z), with the maximum subtracted.</summary>
    public static double[] Softmax(double beta, ReadOnlySpan<double> z)
    {
        double max = double.NegativeInfinity;
        foreach (var v in z) max = Math.Max(max, v);
        var w = new double[z.Length];
        double sum = 0;
        for (int i = 0; i < z.Length; i++) { w[i] = Math.Exp(beta * (z[i] - max)); sum += w[i]; }
        for (int i = 0; i < w.Length; i++) w[i] /= sum;
        return w;
    }

    double[] Similarities(double[] xi) => patterns.Select(p => Dot(p, xi)).ToArray();

    public double Energy(double[] xi)
        => -LogSumExp(Beta, Similarities(xi)) + 0.5 * Dot(xi, xi) + Math.Log(Count) / Beta + 0.5 * Radius * Radius;

    /// <summary>One update xi -> X softmax(beta X^T xi), with the weights.</summary>
    public (double[] State, double[] Weights) Update(double[] xi)
    {
        var w = Softmax(Beta, Similarities(xi));
        var next = new double[Dimension];
        for (int i = 0; i < Count; i++)
            for (int k = 0; k < Dimension; k++) next[k] += w[i] * patterns[i][k];
        return (next, w);
    }

    /// <summary>
    /// One update for a batch of B queries (row-major B x d): softmax(beta Q X^T) X, two matrix products
    /// through <see cref="Blas"/> and a row-wise stable softmax. Returns the B x d result.
    /// </summary>
    public double[] UpdateBatch(double[] queries, int batch)
    {
        if (queries.Length != batch * Dimension) throw new ArgumentException("queries must be a batch x d row-major matrix", nameof(queries));
        // beta = 0 in the product overwrites: the buffers need no zeroing.
        var logits = GC.AllocateUninitializedArray<double>(batch * Count);
        Blas.Gemm(false, true, batch, Count, Dimension, Beta, queries, rowMajor, 0, logits);
        Parallel.For(0, batch, row => SoftmaxInPlace(logits.AsSpan(row * Count, Count)));
        var result = GC.AllocateUninitializedArray<double>(batch * Dimension);
        Blas.Gemm(false, false, batch, Dimension, Count, 1, logits, rowMajor, 0, result);
        return result;
    }

    /// <summary>
    /// Iterates until the state moves by less than <paramref name="tolerance"/> (Euclidean) or for at most
    /// <paramref name="maxSteps"/> updates. The trace starts with the initial state (its weights are those of
    /// the first update) and holds every state after it.
    /// </summary>
    public List<RetrievalStep> Iterate(double[] xi, int maxSteps = 100, double tolerance = 1e-10)
    {
        var trace = new List<RetrievalStep>();
        var state = (double[])xi.Clone();
        var (next, weights) = Update(state);
        trace.Add(new RetrievalStep(state, Energy(state), weights));
        for (int step = 0; step < maxSteps; step++)
        {
            var (after, w) = Update(next);
            double moved = Math.Sqrt(next.Zip(state, (a, b) => (a - b) * (a - b)).Sum());
            trace.Add(new RetrievalStep(next, Energy(next), w));
            state = next; next = after;
            if (moved < tolerance) break;
        }
        return trace;
    }

    /// <summary>
    /// How many of the largest softmax weights carry 90% of the mass: one is a single-pattern fixed point,
    /// more than half of the patterns a global average, anything between a metastable state (a subset).
    /// Applies to any row of an attention matrix too (the paper's characterisation of heads).
    /// </summary>
    public static FixedPointKind Classify(IReadOnlyList<double> weights, double mass = 0.9)
    {
        var sorted = weights.OrderByDescending(w => w).ToArray();
        double total = sorted.Sum(), cumulative = 0;
        int k = 0;
        while (cumulative < mass * total) cumulative += sorted[k++];
        return k == 1 ? FixedPointKind.SinglePattern : 2 * k > sorted.Length ? FixedPointKind.GlobalAverage : FixedPointKind.Metastable;
    }

    /// <summary>
    /// The paper's characterisation of an attention head: each row of its association matrix (rows x columns,
    /// row-major) classified by <see cref="Classify"/>, and the share of rows of each kind. A head that mostly
    /// averages globally works like the first layers of a transformer; metastable states average a subset.
    /// </summary>
    public static IReadOnlyDictionary<FixedPointKind, double> ClassifyHead(double[] association, int rows, int columns, double mass = 0.9)
    {
        if (association.Length != rows * columns) throw new ArgumentException("the association matrix must be rows x columns");
        var counts = Enum.GetValues<FixedPointKind>().ToDictionary(k => k, _ => 0.0);
        for (int i = 0; i < rows; i++) counts[Classify(association.AsSpan(i * columns, columns).ToArray(), mass)] += 1.0 / rows;
        return counts;
    }

    /// <summary>
    /// Random vectors on the sphere of the given radius: Gaussian directions by Box-Muller from Philox words
    /// (counter (entry, 0xFFFFFFFC, stream, 0)), so the same seed gives the same vectors everywhere.
    /// </summary>
    public static double[][] RandomSphere(int count, int dimension, double radius, ulong seed, int stream = 0)
    {
        var rng = Philox4x32.FromSeed(seed);
        var x = new double[count][];
        for (int i = 0; i < count; i++)
        {
            x[i] = new double[dimension];
            for (int k = 0; k < dimension; k++)
            {
                var (a, b, c, d) = rng.Next((uint)(i * dimension + k), 0xFFFFFFFC, (uint)stream, 0);
                double u1 = 1 - Philox4x32.Uniform(a, b), u2 = Philox4x32.Uniform(c, d);
                x[i][k] = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
            double norm = Math.Sqrt(Dot(x[i], x[i]));
            for (int k = 0; k < dimension; k++) x[i][k] *= radius / norm;
        }
        return x;
    }
}
