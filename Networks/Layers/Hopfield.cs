namespace Physics.Networks.Layers;

/// <summary>
/// Options of a Hopfield association (Ramsauer et al. 2020; the reference implementation's names in brackets).
/// Every option changes what the layer computes; tests show each effect.
/// </summary>
public sealed record HopfieldOptions
{
    /// <summary>Heads [num_heads].</summary>
    public int Heads { get; init; } = 1;
    /// <summary>Size d_k of each head's association space [hidden_size]; default: the state size.</summary>
    public int? HiddenSize { get; init; }
    /// <summary>Size of each head's values; default: the hidden size.</summary>
    public int? ValueSize { get; init; }
    /// <summary>Output size [output_size]; default: the state size.</summary>
    public int? OutputSize { get; init; }
    /// <summary>Inverse temperature of each head [scaling]; default 1/sqrt(d_k).</summary>
    public double[]? Beta { get; init; }
    /// <summary>Learn beta (one per head).</summary>
    public bool LearnableBeta { get; init; }
    /// <summary>Hopfield updates xi &lt;- softmax(beta xi K^T) K before the retrieval [update_steps_max]; 0 is one attention step.</summary>
    public int UpdateStepsMax { get; init; }
    /// <summary>Stop updating when no state entry moves by more than this [update_steps_eps].</summary>
    public double UpdateStepsEps { get; init; } = 1e-4;
    /// <summary>Layer norms on the inputs [normalize_state_pattern, normalize_stored_pattern, normalize_pattern_projection].</summary>
    public bool NormalizeState { get; init; }
    public bool NormalizeStored { get; init; }
    public bool NormalizeProjection { get; init; }
    /// <summary>Static modes: no projection of that input [state_pattern_as_static, stored_pattern_as_static, pattern_projection_as_static].</summary>
    public bool StaticState { get; init; }
    public bool StaticStored { get; init; }
    public bool StaticProjection { get; init; }
    /// <summary>Values from the projected keys, V = (Y W_K) W_V [pattern_projection_as_connected].</summary>
    public bool ValuesFromKeys { get; init; }
    /// <summary>No output projection W_O [disable_out_projection]: the output is the heads side by side.</summary>
    public bool DisableOutProjection { get; init; }
    /// <summary>Dropout on the association matrix, in training only [dropout].</summary>
    public double Dropout { get; init; }
    /// <summary>A zero key and value appended, so a state can associate with nothing [add_zero_association].</summary>
    public bool AddZeroAssociation { get; init; }
    /// <summary>Seed of the initial weights and the dropout masks.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>What a forward pass returns besides its output: per head, the association matrix, every state, and every state's energy (when <see cref="ForwardMode.Energies"/> asks for it).</summary>
public sealed record HeadTrace(Node Association, IReadOnlyList<double[]> States, IReadOnlyList<double[]> Energies, Node Retrieved, Node Output);

public sealed record HopfieldResult(Node Output, IReadOnlyList<HeadTrace> Heads);

/// <summary>
/// Per call: training mode (dropout on), the step that picks the dropout mask (same step, same mask), and whether to
/// compute the energy of every state (on request: it costs a pass over the keys per state and step, wasted in training).
/// </summary>
public readonly record struct ForwardMode(bool Training, uint Step, bool Energies = false)
{
    public static ForwardMode Evaluation => new(false, 0);
}

/// <summary>
/// The Hopfield association: state patterns R (S x d_r) query stored patterns Y (L x d_y), and each head retrieves
/// from the values of the pattern projection P (L x d_p, default Y):
///   Q = R W_Q, K = Y W_K, V = P W_V,  xi &lt;- softmax(beta xi K^T) K (update steps), Z = softmax(beta xi K^T) V,
///   output = [Z_1 .. Z_H] W_O.
/// Each update is the continuous modern Hopfield network's update in the head's space, so its energy (the shared
/// <see cref="ModernHopfield.Energy"/> with the keys as stored patterns) never increases along the steps. With no
/// update steps this is multi-head scaled dot-product attention.
/// </summary>
public sealed class Hopfield
{
    readonly Parameter[] query, key, value, beta;
    readonly Parameter? output;
    readonly Parameter[]? stateNorm, storedNorm, projectionNorm;
    readonly double[] fixedBeta;

    public HopfieldOptions Options { get; }
    public int StateSize { get; }
    public int StoredSize { get; }
    public int ProjectionSize { get; }
    public int HiddenSize { get; }
    public int ValueSize { get; }
    public int OutputSize { get; }

    public Hopfield(int stateSize, int storedSize, int? projectionSize = null, HopfieldOptions? options = null, string name = "hopfield")
    {
        var o = Options = options ?? new HopfieldOptions();
        StateSize = stateSize; StoredSize = storedSize; ProjectionSize = projectionSize ?? storedSize;
        if (o.Heads < 1) throw new ArgumentException("Heads must be at least 1");
        if (o.UpdateStepsMax < 0) throw new ArgumentException("UpdateStepsMax must be >= 0");
        if (!(o.Dropout >= 0 && o.Dropout < 1)) throw new ArgumentException("Dropout must lie in [0, 1)");
        HiddenSize = o.HiddenSize ?? (o.StaticState ? stateSize : o.StaticStored ? storedSize : stateSize);
        if (o.StaticState && HiddenSize != stateSize) throw new ArgumentException("StaticState: the hidden size must equal the state size");
        if (o.StaticStored && HiddenSize != storedSize) throw new ArgumentException("StaticStored: the hidden size must equal the stored-pattern size");
        if (o.StaticProjection && o.ValuesFromKeys) throw new ArgumentException("StaticProjection and ValuesFromKeys exclude each other");
        ValueSize = o.StaticProjection ? ProjectionSize : o.ValueSize ?? HiddenSize;
        OutputSize = o.DisableOutProjection ? o.Heads * ValueSize : o.OutputSize ?? stateSize;
        if (o.Beta is not null && o.Beta.Length != o.Heads) throw new ArgumentException("Beta needs one value per head");
        fixedBeta = o.Beta ?? Enumerable.Repeat(1 / Math.Sqrt(HiddenSize), o.Heads).ToArray();
        int stream = 0;
        Parameter Make(string n, int rows, int cols) => Parameter.Glorot($"{name}.{n}", rows, cols, o.Seed, stream++);
        query = o.StaticState ? [] : Enumerable.Range(0, o.Heads).Select(h => Make($"query{h}", stateSize, HiddenSize)).ToArray();
        key = o.StaticStored ? [] : Enumerable.Range(0, o.Heads).Select(h => Make($"key{h}", storedSize, HiddenSize)).ToArray();
        value = o.StaticProjection ? [] : Enumerable.Range(0, o.Heads).Select(h => Make($"value{h}", o.ValuesFromKeys ? HiddenSize : ProjectionSize, ValueSize)).ToArray();
        output = o.DisableOutProjection ? null : Make("output", o.Heads * ValueSize, OutputSize);
        beta = o.LearnableBeta ? Enumerable.Range(0, o.Heads).Select(h => Parameter.Constant($"{name}.beta{h}", 1, 1, fixedBeta[h])).ToArray() : [];
        Parameter[] Norm(string n, int size) => [Parameter.Constant($"{name}.{n}.gain", 1, size, 1), Parameter.Constant($"{name}.{n}.bias", 1, size, 0)];
        stateNorm = o.NormalizeState ? Norm("state_norm", stateSize) : null;
        storedNorm = o.NormalizeStored ? Norm("stored_norm", storedSize) : null;
        projectionNorm = o.NormalizeProjection ? Norm("projection_norm", ProjectionSize) : null;
    }

    public IEnumerable<Parameter> Parameters()
    {
        foreach (var p in query.Concat(key).Concat(value).Concat(beta)) yield return p;
        if (output is not null) yield return output;
        foreach (var n in new[] { stateNorm, storedNorm, projectionNorm })
            if (n is not null) foreach (var p in n) yield return p;
    }

    /// <summary>
    /// The association. Masks: <paramref name="padding"/> (length L, true = that stored pattern is absent) and
    /// <paramref name="association"/> (S x L, true = that pair may not associate).
    /// </summary>
    public HopfieldResult Forward(Tape tape, Node state, Node stored, Node? projection = null, bool[]? padding = null, bool[]? association = null, ForwardMode mode = default)
    {
        var o = Options;
        projection ??= stored;
        if (state.Cols != StateSize || stored.Cols != StoredSize || projection.Cols != ProjectionSize)
            throw new ArgumentException($"input sizes {state.Cols}, {stored.Cols}, {projection.Cols} differ from the layer's {StateSize}, {StoredSize}, {ProjectionSize}");
        if (projection.Rows != stored.Rows) throw new ArgumentException("the pattern projection needs one row per stored pattern");
        if (padding is not null && padding.Length != stored.Rows) throw new ArgumentException("the padding mask needs one entry per stored pattern");
        if (association is not null && association.Length != state.Rows * stored.Rows) throw new ArgumentException("the association mask needs S x L entries");
        Node Normalised(Node x, Parameter[]? norm) => norm is null ? x : tape.LayerNormRows(x, tape.Use(norm[0]), tape.Use(norm[1]));
        var r = Normalised(state, stateNorm);
        var y = Normalised(stored, storedNorm);
        var p = Normalised(projection, projectionNorm);

        int s = state.Rows, l = stored.Rows + (o.AddZeroAssociation ? 1 : 0);
        var mask = new bool[s * l];
        for (int i = 0; i < s; i++)
            for (int j = 0; j < stored.Rows; j++)
                mask[i * l + j] = (padding is not null && padding[j]) || (association is not null && association[i * stored.Rows + j]);
        bool anyMask = mask.Any(m => m);

        var heads = new List<HeadTrace>();
        for (int h = 0; h < o.Heads; h++)
        {
            var q = o.StaticState ? r : tape.MatMul(r, tape.Use(query[h]));
            var k = o.StaticStored ? y : tape.MatMul(y, tape.Use(key[h]));
            var v = o.StaticProjection ? p : o.ValuesFromKeys ? tape.MatMul(k, tape.Use(value[h])) : tape.MatMul(p, tape.Use(value[h]));
            if (o.AddZeroAssociation)
            {
                k = tape.ConcatRows(k, tape.Constant(1, k.Cols, new double[k.Cols]));
                v = tape.ConcatRows(v, tape.Constant(1, v.Cols, new double[v.Cols]));
            }
            var b = o.LearnableBeta ? tape.Use(beta[h]) : tape.Constant(1, 1, [fixedBeta[h]]);
            Node Associate(Node xi) => tape.SoftmaxRows(tape.Scale(tape.MatMul(xi, k, transposeB: true), b), anyMask ? mask : null);

            var xi = q;
            var states = new List<double[]> { (double[])xi.Value.Clone() };
            var energies = new List<double[]>();
            if (mode.Energies) energies.Add(Energies(xi.Value, k.Value, s, l, k.Cols, b.Value[0], mask));
            for (int step = 0; step < o.UpdateStepsMax; step++)
            {
                var next = tape.MatMul(Associate(xi), k);
                double moved = 0;
                for (int i = 0; i < next.Value.Length; i++) moved = Math.Max(moved, Math.Abs(next.Value[i] - xi.Value[i]));
                xi = next;
                states.Add((double[])xi.Value.Clone());
                if (mode.Energies) energies.Add(Energies(xi.Value, k.Value, s, l, k.Cols, b.Value[0], mask));
                if (moved < o.UpdateStepsEps) break;
            }
            var a = Associate(xi);
            if (mode.Training && o.Dropout > 0) a = tape.Dropout(a, DropoutKeep(a.Value.Length, h, mode.Step), o.Dropout);
            heads.Add(new HeadTrace(a, states, energies, xi, tape.MatMul(a, v)));
        }
        var joined = heads.Count == 1 ? heads[0].Output : tape.ConcatCols(heads.Select(t => t.Output).ToList());
        return new HopfieldResult(output is null ? joined : tape.MatMul(joined, tape.Use(output)), heads);
    }

    bool[] DropoutKeep(int n, int head, uint step)
    {
        var rng = Philox4x32.FromSeed(Options.Seed);
        var keep = new bool[n];
        uint threshold = (uint)Math.Round(Options.Dropout * 4294967295.0);
        for (int i = 0; i < n; i += 4)
        {
            var (w0, w1, w2, w3) = rng.Next((uint)(i >> 2), step, (uint)head, 0xFFFFFFEF);
            uint[] w = [w0, w1, w2, w3];
            for (int j = 0; j < 4 && i + j < n; j++) keep[i + j] = w[j] >= threshold;
        }
        return keep;
    }

    /// <summary>The modern Hopfield energy of each state row with the head's (unmasked) keys as stored patterns.</summary>
    static double[] Energies(double[] states, double[] keys, int s, int l, int d, double beta, bool[] mask)
    {
        var e = new double[s];
        for (int i = 0; i < s; i++)
        {
            var patterns = Enumerable.Range(0, l).Where(j => !mask[i * l + j]).Select(j => keys.AsSpan(j * d, d).ToArray()).ToArray();
            if (patterns.Length == 0 || !(beta > 0)) { e[i] = double.NaN; continue; }
            e[i] = new ModernHopfield(patterns, beta).Energy(states.AsSpan(i * d, d).ToArray());
        }
        return e;
    }
}

/// <summary>A Hopfield association whose stored patterns (and, optionally, separate values) are trainable: a learned lookup table [HopfieldLayer].</summary>
public sealed class HopfieldLayer
{
    public Hopfield Association { get; }
    public Parameter Stored { get; }
    public Parameter? Values { get; }

    public HopfieldLayer(int stateSize, int quantity, HopfieldOptions? options = null, bool separateValues = false, int? valueSize = null)
    {
        Association = new Hopfield(stateSize, stateSize, separateValues ? valueSize ?? stateSize : stateSize, options, "hopfield_layer");
        Stored = Parameter.Glorot("hopfield_layer.stored", quantity, stateSize, Association.Options.Seed, 1000);
        Values = separateValues ? Parameter.Glorot("hopfield_layer.values", quantity, valueSize ?? stateSize, Association.Options.Seed, 1001) : null;
    }

    public IEnumerable<Parameter> Parameters() => Association.Parameters().Append(Stored).Concat(Values is null ? [] : [Values]);

    public HopfieldResult Forward(Tape tape, Node state, bool[]? association = null, ForwardMode mode = default)
    {
        var stored = tape.Use(Stored);
        return Association.Forward(tape, state, stored, Values is null ? stored : tape.Use(Values), null, association, mode);
    }
}

/// <summary>A Hopfield association whose state patterns are trainable queries: pooling a set of instances to a fixed size [HopfieldPooling].</summary>
public sealed class HopfieldPooling
{
    public Hopfield Association { get; }
    public Parameter Queries { get; }

    public HopfieldPooling(int inputSize, int queries = 1, HopfieldOptions? options = null)
    {
        Association = new Hopfield(inputSize, inputSize, inputSize, options, "hopfield_pooling");
        Queries = Parameter.Glorot("hopfield_pooling.queries", queries, inputSize, Association.Options.Seed, 2000);
    }

    public IEnumerable<Parameter> Parameters() => Association.Parameters().Append(Queries);

    /// <summary>Pools the instances (rows) into queries x output rows.</summary>
    public HopfieldResult Forward(Tape tape, Node instances, bool[]? padding = null, ForwardMode mode = default)
        => Association.Forward(tape, tape.Use(Queries), instances, null, padding, null, mode);
}
