namespace Physics.Networks.Layers;

/// <summary>A row-major matrix on a <see cref="Tape"/>, with the gradient of the tape's output with respect to it.</summary>
public sealed class Node
{
    public int Rows { get; }
    public int Cols { get; }
    public double[] Value { get; }
    public double[] Gradient { get; }
    internal Action? Backward { get; set; }

    internal Node(int rows, int cols, double[] value)
    {
        if (value.Length != rows * cols) throw new ArgumentException($"a {rows} x {cols} matrix needs {rows * cols} values, not {value.Length}");
        Rows = rows; Cols = cols; Value = value; Gradient = new double[value.Length];
    }

    public double this[int r, int c] => Value[r * Cols + c];
}

/// <summary>A trainable matrix: its values persist across tapes; each tape adds its gradient into <see cref="Gradient"/>.</summary>
public sealed class Parameter(string name, int rows, int cols, double[] value)
{
    public string Name { get; } = name;
    public int Rows { get; } = rows;
    public int Cols { get; } = cols;
    public double[] Value { get; } = value.Length == rows * cols ? value : throw new ArgumentException($"parameter {name}: {rows} x {cols} needs {rows * cols} values");
    public double[] Gradient { get; } = new double[rows * cols];

    public void ZeroGradient() => Array.Clear(Gradient);

    /// <summary>Glorot-uniform values from a Philox stream (reproducible).</summary>
    public static Parameter Glorot(string name, int rows, int cols, ulong seed, int stream)
    {
        var rng = Philox4x32.FromSeed(seed);
        double limit = Math.Sqrt(6.0 / (rows + cols));
        var v = new double[rows * cols];
        for (int k = 0; k < v.Length; k += 2)
        {
            var (a, b, c, d) = rng.Next((uint)(k >> 1), 0xFFFFFFF0, (uint)stream, 0);
            v[k] = limit * (2 * Philox4x32.Uniform(a, b) - 1);
            if (k + 1 < v.Length) v[k + 1] = limit * (2 * Philox4x32.Uniform(c, d) - 1);
        }
        return new Parameter(name, rows, cols, v);
    }

    public static Parameter Constant(string name, int rows, int cols, double value) => new(name, rows, cols, Enumerable.Repeat(value, rows * cols).ToArray());
}

/// <summary>
/// Reverse-mode differentiation over matrices: operations record their backward step, <see cref="Backpropagate"/>
/// runs them in reverse. Matrix products go through <see cref="Blas"/>. Small and explicit on purpose: each
/// operation's backward rule sits beside its forward rule, and tests check every one against finite differences.
/// </summary>
public sealed class Tape
{
    readonly List<Node> nodes = new();
    readonly List<(Parameter Parameter, Node Node)> bound = new();

    Node Record(Node n) { nodes.Add(n); return n; }

    public Node Constant(int rows, int cols, double[] value) => Record(new Node(rows, cols, (double[])value.Clone()));

    /// <summary>A parameter's current value on this tape; its gradient flows back into the parameter.</summary>
    public Node Use(Parameter p)
    {
        var n = Record(new Node(p.Rows, p.Cols, (double[])p.Value.Clone()));
        bound.Add((p, n));
        return n;
    }

    /// <summary>Backpropagate from a 1 x 1 output; parameter gradients are added to <see cref="Parameter.Gradient"/>.</summary>
    public void Backpropagate(Node output)
    {
        if (output.Value.Length != 1) throw new ArgumentException("backpropagation starts from a scalar");
        output.Gradient[0] = 1;
        for (int k = nodes.Count - 1; k >= 0; k--) nodes[k].Backward?.Invoke();
        foreach (var (p, n) in bound)
            for (int i = 0; i < p.Gradient.Length; i++) p.Gradient[i] += n.Gradient[i];
    }

    /// <summary>a b (or a b^T).</summary>
    public Node MatMul(Node a, Node b, bool transposeB = false)
    {
        int m = a.Rows, k = a.Cols, n = transposeB ? b.Rows : b.Cols;
        if ((transposeB ? b.Cols : b.Rows) != k) throw new ArgumentException($"shapes {a.Rows}x{a.Cols} and {b.Rows}x{b.Cols}{(transposeB ? "^T" : "")} do not multiply");
        var c = new double[m * n];
        Blas.Gemm(false, transposeB, m, n, k, 1, a.Value, b.Value, 0, c);
        var r = Record(new Node(m, n, c));
        r.Backward = () =>
        {
            // dA = dC op(B)^T; dB = A^T dC (or dC^T A when B was transposed).
            Blas.Gemm(false, !transposeB, m, k, n, 1, r.Gradient, b.Value, 1, a.Gradient);
            if (transposeB) Blas.Gemm(true, false, n, k, m, 1, r.Gradient, a.Value, 1, b.Gradient);
            else Blas.Gemm(true, false, k, n, m, 1, a.Value, r.Gradient, 1, b.Gradient);
        };
        return r;
    }

    public Node Add(Node a, Node b)
    {
        if (a.Rows != b.Rows || a.Cols != b.Cols) throw new ArgumentException("shapes differ");
        var r = Record(new Node(a.Rows, a.Cols, a.Value.Zip(b.Value, (x, y) => x + y).ToArray()));
        r.Backward = () => { for (int i = 0; i < r.Value.Length; i++) { a.Gradient[i] += r.Gradient[i]; b.Gradient[i] += r.Gradient[i]; } };
        return r;
    }

    /// <summary>a + 1 b: a row vector added to every row.</summary>
    public Node AddRow(Node a, Node row)
    {
        if (row.Rows != 1 || row.Cols != a.Cols) throw new ArgumentException("the row must be 1 x cols");
        var v = new double[a.Value.Length];
        for (int i = 0; i < a.Rows; i++) for (int j = 0; j < a.Cols; j++) v[i * a.Cols + j] = a.Value[i * a.Cols + j] + row.Value[j];
        var r = Record(new Node(a.Rows, a.Cols, v));
        r.Backward = () =>
        {
            for (int i = 0; i < a.Rows; i++)
                for (int j = 0; j < a.Cols; j++) { double g = r.Gradient[i * a.Cols + j]; a.Gradient[i * a.Cols + j] += g; row.Gradient[j] += g; }
        };
        return r;
    }

    /// <summary>s a with s a 1 x 1 node (a learnable inverse temperature).</summary>
    public Node Scale(Node a, Node s)
    {
        if (s.Value.Length != 1) throw new ArgumentException("the scale must be 1 x 1");
        double f = s.Value[0];
        var r = Record(new Node(a.Rows, a.Cols, a.Value.Select(x => f * x).ToArray()));
        r.Backward = () =>
        {
            for (int i = 0; i < a.Value.Length; i++) { a.Gradient[i] += f * r.Gradient[i]; s.Gradient[0] += a.Value[i] * r.Gradient[i]; }
        };
        return r;
    }

    public Node Scale(Node a, double f)
    {
        var r = Record(new Node(a.Rows, a.Cols, a.Value.Select(x => f * x).ToArray()));
        r.Backward = () => { for (int i = 0; i < a.Value.Length; i++) a.Gradient[i] += f * r.Gradient[i]; };
        return r;
    }

    /// <summary>Row-wise softmax, max subtracted; masked entries (true) get weight exactly 0 (a fully masked row is all 0).</summary>
    public Node SoftmaxRows(Node a, bool[]? masked = null)
    {
        var v = new double[a.Value.Length];
        for (int i = 0; i < a.Rows; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < a.Cols; j++) if (masked is null || !masked[i * a.Cols + j]) max = Math.Max(max, a.Value[i * a.Cols + j]);
            if (double.IsNegativeInfinity(max)) continue;
            double sum = 0;
            for (int j = 0; j < a.Cols; j++)
            {
                int k = i * a.Cols + j;
                v[k] = masked is not null && masked[k] ? 0 : Math.Exp(a.Value[k] - max);
                sum += v[k];
            }
            for (int j = 0; j < a.Cols; j++) v[i * a.Cols + j] /= sum;
        }
        var r = Record(new Node(a.Rows, a.Cols, v));
        r.Backward = () =>
        {
            for (int i = 0; i < a.Rows; i++)
            {
                double dot = 0;
                for (int j = 0; j < a.Cols; j++) dot += r.Gradient[i * a.Cols + j] * v[i * a.Cols + j];
                for (int j = 0; j < a.Cols; j++) { int k = i * a.Cols + j; a.Gradient[k] += v[k] * (r.Gradient[k] - dot); }
            }
        };
        return r;
    }

    /// <summary>Row-wise layer normalisation (x - mean)/sqrt(var + eps) g + b, g and b 1 x cols.</summary>
    public Node LayerNormRows(Node a, Node gain, Node bias, double eps = 1e-5)
    {
        int n = a.Cols;
        var v = new double[a.Value.Length]; var xhat = new double[a.Value.Length]; var inv = new double[a.Rows];
        for (int i = 0; i < a.Rows; i++)
        {
            double mean = 0, variance = 0;
            for (int j = 0; j < n; j++) mean += a.Value[i * n + j];
            mean /= n;
            for (int j = 0; j < n; j++) { double d = a.Value[i * n + j] - mean; variance += d * d; }
            variance /= n;
            inv[i] = 1 / Math.Sqrt(variance + eps);
            for (int j = 0; j < n; j++) { int k = i * n + j; xhat[k] = (a.Value[k] - mean) * inv[i]; v[k] = xhat[k] * gain.Value[j] + bias.Value[j]; }
        }
        var r = Record(new Node(a.Rows, a.Cols, v));
        r.Backward = () =>
        {
            for (int i = 0; i < a.Rows; i++)
            {
                double sumG = 0, sumGx = 0;
                for (int j = 0; j < n; j++)
                {
                    int k = i * n + j;
                    double g = r.Gradient[k] * gain.Value[j];
                    sumG += g; sumGx += g * xhat[k];
                    gain.Gradient[j] += r.Gradient[k] * xhat[k];
                    bias.Gradient[j] += r.Gradient[k];
                }
                for (int j = 0; j < n; j++)
                {
                    int k = i * n + j;
                    a.Gradient[k] += inv[i] / n * (n * r.Gradient[k] * gain.Value[j] - sumG - xhat[k] * sumGx);
                }
            }
        };
        return r;
    }

    /// <summary>Entries multiplied by keep/(1 - p) (inverted dropout with a given keep mask).</summary>
    public Node Dropout(Node a, bool[] keep, double p)
    {
        double f = 1 / (1 - p);
        var r = Record(new Node(a.Rows, a.Cols, a.Value.Select((x, i) => keep[i] ? f * x : 0).ToArray()));
        r.Backward = () => { for (int i = 0; i < a.Value.Length; i++) if (keep[i]) a.Gradient[i] += f * r.Gradient[i]; };
        return r;
    }

    public Node ConcatCols(IReadOnlyList<Node> parts)
    {
        int rows = parts[0].Rows, cols = parts.Sum(p => p.Cols);
        if (parts.Any(p => p.Rows != rows)) throw new ArgumentException("parts differ in rows");
        var v = new double[rows * cols];
        int offset = 0;
        foreach (var p in parts)
        {
            for (int i = 0; i < rows; i++) Array.Copy(p.Value, i * p.Cols, v, i * cols + offset, p.Cols);
            offset += p.Cols;
        }
        var r = Record(new Node(rows, cols, v));
        r.Backward = () =>
        {
            int o = 0;
            foreach (var p in parts)
            {
                for (int i = 0; i < rows; i++) for (int j = 0; j < p.Cols; j++) p.Gradient[i * p.Cols + j] += r.Gradient[i * cols + o + j];
                o += p.Cols;
            }
        };
        return r;
    }

    /// <summary>Rows of a followed by rows of b.</summary>
    public Node ConcatRows(Node a, Node b)
    {
        if (a.Cols != b.Cols) throw new ArgumentException("parts differ in columns");
        var r = Record(new Node(a.Rows + b.Rows, a.Cols, a.Value.Concat(b.Value).ToArray()));
        r.Backward = () =>
        {
            for (int i = 0; i < a.Value.Length; i++) a.Gradient[i] += r.Gradient[i];
            for (int i = 0; i < b.Value.Length; i++) b.Gradient[i] += r.Gradient[a.Value.Length + i];
        };
        return r;
    }

    public Node MeanRows(Node a)
    {
        var v = new double[a.Cols];
        for (int i = 0; i < a.Rows; i++) for (int j = 0; j < a.Cols; j++) v[j] += a.Value[i * a.Cols + j] / a.Rows;
        var r = Record(new Node(1, a.Cols, v));
        r.Backward = () => { for (int i = 0; i < a.Rows; i++) for (int j = 0; j < a.Cols; j++) a.Gradient[i * a.Cols + j] += r.Gradient[j] / a.Rows; };
        return r;
    }

    public Node Relu(Node a)
    {
        var r = Record(new Node(a.Rows, a.Cols, a.Value.Select(x => x > 0 ? x : 0).ToArray()));
        r.Backward = () => { for (int i = 0; i < a.Value.Length; i++) if (a.Value[i] > 0) a.Gradient[i] += r.Gradient[i]; };
        return r;
    }

    /// <summary>Mean binary cross-entropy of logits (1 x n or n x 1) against 0/1 targets, computed stably.</summary>
    public Node BinaryCrossEntropy(Node logits, double[] targets)
    {
        int n = logits.Value.Length;
        double loss = 0;
        for (int i = 0; i < n; i++) { double z = logits.Value[i]; loss += Math.Max(z, 0) - z * targets[i] + Math.Log(1 + Math.Exp(-Math.Abs(z))); }
        var r = Record(new Node(1, 1, [loss / n]));
        r.Backward = () =>
        {
            for (int i = 0; i < n; i++) logits.Gradient[i] += r.Gradient[0] * (1 / (1 + Math.Exp(-logits.Value[i])) - targets[i]) / n;
        };
        return r;
    }

    /// <summary>sum of w_ij a_ij: a linear probe of a node (tests and gradient checks).</summary>
    public Node WeightedSum(Node a, double[] weights)
    {
        var r = Record(new Node(1, 1, [a.Value.Zip(weights, (x, w) => x * w).Sum()]));
        r.Backward = () => { for (int i = 0; i < a.Value.Length; i++) a.Gradient[i] += weights[i] * r.Gradient[0]; };
        return r;
    }
}
