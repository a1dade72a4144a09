using FsCheck;
using FsCheck.Fluent;
using Physics.Networks;
using Physics.Networks.Layers;
using Xunit;

namespace Physics.Networks.Tests;

[Collection("blas")]
public class HopfieldLayerTests
{
    static double[] RandomMatrix(Random rng, int rows, int cols, double scale = 1) =>
        Enumerable.Range(0, rows * cols).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();

    static double[] Get(Parameter p) => p.Value;

    /// <summary>Multi-head scaled dot-product attention computed with plain loops, independent of the layer.</summary>
    static double[] Attention(double[] r, double[] y, int s, int l, int dr, int dy, IReadOnlyList<double[]> wq, IReadOnlyList<double[]> wk, IReadOnlyList<double[]> wv, double[] wo, int dk, int dv, int dout)
    {
        int heads = wq.Count;
        var joined = new double[s * heads * dv];
        for (int h = 0; h < heads; h++)
        {
            double[] Project(double[] x, int rows, int din, double[] w, int dout2)
            {
                var o = new double[rows * dout2];
                for (int i = 0; i < rows; i++) for (int j = 0; j < dout2; j++) for (int t = 0; t < din; t++) o[i * dout2 + j] += x[i * din + t] * w[t * dout2 + j];
                return o;
            }
            var q = Project(r, s, dr, wq[h], dk); var k = Project(y, l, dy, wk[h], dk); var v = Project(y, l, dy, wv[h], dv);
            for (int i = 0; i < s; i++)
            {
                var logits = new double[l];
                for (int j = 0; j < l; j++) { for (int t = 0; t < dk; t++) logits[j] += q[i * dk + t] * k[j * dk + t]; logits[j] /= Math.Sqrt(dk); }
                double max = logits.Max(), sum = logits.Sum(z => Math.Exp(z - max));
                for (int j = 0; j < l; j++)
                {
                    double a = Math.Exp(logits[j] - max) / sum;
                    for (int t = 0; t < dv; t++) joined[i * heads * dv + h * dv + t] += a * v[j * dv + t];
                }
            }
        }
        var output = new double[s * dout];
        for (int i = 0; i < s; i++) for (int j = 0; j < dout; j++) for (int t = 0; t < heads * dv; t++) output[i * dout + j] += joined[i * heads * dv + t] * wo[t * dout + j];
        return output;
    }

    [Fact]
    public void Without_update_steps_the_layer_is_multi_head_attention_to_1e_12()
    {
        var rng = new Random(3);
        int s = 4, l = 7, dr = 5, dy = 6, heads = 3, dk = 4, dv = 3, dout = 5;
        var layer = new Hopfield(dr, dy, null, new HopfieldOptions { Heads = heads, HiddenSize = dk, ValueSize = dv, OutputSize = dout });
        var ps = layer.Parameters().ToList();
        var wq = ps.Where(p => p.Name.Contains("query")).Select(Get).ToList();
        var wk = ps.Where(p => p.Name.Contains("key")).Select(Get).ToList();
        var wv = ps.Where(p => p.Name.Contains("value")).Select(Get).ToList();
        var wo = ps.Single(p => p.Name.EndsWith("output")).Value;
        var r = RandomMatrix(rng, s, dr); var y = RandomMatrix(rng, l, dy);
        var tape = new Tape();
        var result = layer.Forward(tape, tape.Constant(s, dr, r), tape.Constant(l, dy, y));
        var expected = Attention(r, y, s, l, dr, dy, wq, wk, wv, wo, dk, dv, dout);
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(result.Output.Value[i] - expected[i]) < 1e-12, $"entry {i}: {result.Output.Value[i]} vs {expected[i]}");
    }

    /// <summary>Loss = a fixed random linear probe of the output; gradients of every parameter and input against central differences.</summary>
    static void CheckGradients(Func<Tape, (Node Loss, Node[] Inputs)> build, IReadOnlyList<Parameter> parameters, double tolerance = 1e-6)
    {
        foreach (var p in parameters) p.ZeroGradient();
        var tape = new Tape();
        var (loss, inputs) = build(tape);
        tape.Backpropagate(loss);
        double Loss() { var t = new Tape(); return build(t).Loss.Value[0]; }
        const double h = 1e-6;
        foreach (var p in parameters)
            for (int i = 0; i < p.Value.Length; i++)
            {
                double keep = p.Value[i];
                p.Value[i] = keep + h; double up = Loss();
                p.Value[i] = keep - h; double down = Loss();
                p.Value[i] = keep;
                double numeric = (up - down) / (2 * h);
                Assert.True(Math.Abs(numeric - p.Gradient[i]) <= tolerance * (1 + Math.Abs(numeric)), $"{p.Name}[{i}]: backward {p.Gradient[i]} vs finite difference {numeric}");
            }
        _ = inputs;
    }

    static HopfieldOptions RandomOptions(int code) => new()
    {
        Heads = 1 + code % 2,
        HiddenSize = 3,
        LearnableBeta = (code & 2) != 0,
        UpdateStepsMax = (code & 4) != 0 ? 2 : 0,
        UpdateStepsEps = 0, // a fixed number of steps: the finite differences see the same graph
        NormalizeState = (code & 8) != 0,
        NormalizeStored = (code & 16) != 0,
        NormalizeProjection = (code & 16) != 0,
        ValuesFromKeys = (code & 32) != 0,
        AddZeroAssociation = (code & 64) != 0,
        Dropout = (code & 128) != 0 ? 0.3 : 0,
        Seed = (ulong)code,
    };

    [Fact]
    public void Backward_pass_matches_finite_differences_for_every_parameter_and_input()
    {
        Prop.ForAll(Gen.Choose(0, 255).ToArbitrary(), code =>
        {
            var rng = new Random(code);
            var options = RandomOptions(code);
            var layer = new Hopfield(4, 5, null, options);
            int s = 2, l = 3;
            var state = Parameter.Glorot("state", s, 4, (ulong)code, 7);
            var stored = Parameter.Glorot("stored", l, 5, (ulong)code, 8);
            var padding = code % 3 == 0 ? new[] { false, true, false } : null;
            var probe = RandomMatrix(rng, s, layer.OutputSize);
            var all = layer.Parameters().Append(state).Append(stored).ToList();
            CheckGradients(t =>
            {
                var r = t.Use(state); var y = t.Use(stored);
                var o = layer.Forward(t, r, y, null, padding, null, new ForwardMode(true, 5)).Output;
                return (t.WeightedSum(o, probe), [r, y]);
            }, all);
            return true;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40));
    }

    [Fact]
    public void Layer_norm_and_binary_cross_entropy_backward_match_finite_differences()
    {
        var x = Parameter.Glorot("x", 3, 4, 5, 0);
        var gain = Parameter.Glorot("gain", 1, 4, 5, 1);
        var bias = Parameter.Glorot("bias", 1, 4, 5, 2);
        var w = Parameter.Glorot("w", 4, 1, 5, 3);
        CheckGradients(t =>
        {
            var n = t.LayerNormRows(t.Use(x), t.Use(gain), t.Use(bias));
            var logits = t.MatMul(t.Relu(n), t.Use(w));
            return (t.BinaryCrossEntropy(logits, [1, 0, 1]), []);
        }, [x, gain, bias, w]);
        var pooled = Parameter.Glorot("p", 5, 3, 6, 0);
        CheckGradients(t => (t.WeightedSum(t.MeanRows(t.Use(pooled)), [0.3, -1.2, 0.7]), []), [pooled]);
    }

    [Fact]
    public void Energy_never_increases_along_the_update_steps_and_the_trace_is_returned()
    {
        var rng = new Random(11);
        var layer = new Hopfield(6, 6, null, new HopfieldOptions { Heads = 2, UpdateStepsMax = 6, UpdateStepsEps = 1e-12, Beta = [2.0, 0.5] });
        var tape = new Tape();
        var result = layer.Forward(tape, tape.Constant(3, 6, RandomMatrix(rng, 3, 6)), tape.Constant(8, 6, RandomMatrix(rng, 8, 6, 2)), mode: new ForwardMode(false, 0, Energies: true));
        foreach (var head in result.Heads)
        {
            Assert.Equal(head.States.Count, head.Energies.Count);
            Assert.True(head.States.Count >= 2);
            for (int t = 1; t < head.Energies.Count; t++)
                for (int i = 0; i < 3; i++) Assert.True(head.Energies[t][i] <= head.Energies[t - 1][i] + 1e-12, $"step {t}, state {i}: energy rose");
            Assert.Equal(head.States[^1], head.Retrieved.Value);
            for (int i = 0; i < 3; i++) Assert.Equal(1, Enumerable.Range(0, 8).Sum(j => head.Association[i, j]), 12);
        }
    }

    [Fact]
    public void Every_option_has_an_effect()
    {
        var rng = new Random(5);
        var r = RandomMatrix(rng, 3, 4); var y = RandomMatrix(rng, 5, 4, 2); var shifted = r.Select(x => 3 * x + 7).ToArray();
        HopfieldResult Run(HopfieldOptions o, double[]? state = null, bool[]? padding = null, bool[]? association = null, ForwardMode mode = default)
        {
            var tape = new Tape();
            return new Hopfield(4, 4, null, o).Forward(tape, tape.Constant(3, 4, state ?? r), tape.Constant(5, 4, y), null, padding, association, mode);
        }
        double Distance(HopfieldResult a, HopfieldResult b) => a.Output.Value.Zip(b.Output.Value, (x, z) => Math.Abs(x - z)).Max();
        var plain = Run(new HopfieldOptions());
        Assert.True(Distance(plain, Run(new HopfieldOptions { Beta = [5.0] })) > 1e-3);                      // beta
        Assert.True(Distance(plain, Run(new HopfieldOptions { UpdateStepsMax = 3 })) > 1e-6);                 // update steps
        Assert.True(Run(new HopfieldOptions { UpdateStepsMax = 50, UpdateStepsEps = 1e-2 }).Heads[0].States.Count
                    < Run(new HopfieldOptions { UpdateStepsMax = 50, UpdateStepsEps = 0 }).Heads[0].States.Count);  // eps
        Assert.Equal(6, Run(new HopfieldOptions { OutputSize = 6 }).Output.Cols);                              // output size
        Assert.Equal(2 * 3, Run(new HopfieldOptions { Heads = 2, HiddenSize = 3, DisableOutProjection = true }).Output.Cols); // heads, no W_O
        Assert.True(Distance(plain, Run(new HopfieldOptions { HiddenSize = 2 })) > 1e-6);                     // hidden size
        // Layer norm on the state: the output no longer sees a shift and scale of the state.
        Assert.True(Distance(Run(new HopfieldOptions { NormalizeState = true }), Run(new HopfieldOptions { NormalizeState = true }, shifted)) < 1e-4);
        Assert.True(Distance(plain, Run(new HopfieldOptions(), shifted)) > 1e-3);
        // Static state and stored patterns: raw inputs associate (no W_Q, W_K).
        var stat = Run(new HopfieldOptions { StaticState = true, StaticStored = true, StaticProjection = true, DisableOutProjection = true, Beta = [1.0] });
        var expected = new ModernHopfield(Enumerable.Range(0, 5).Select(j => y.AsSpan(j * 4, 4).ToArray()).ToArray(), 1.0).Update(r.AsSpan(0, 4).ToArray()).State;
        for (int t = 0; t < 4; t++) Assert.Equal(expected[t], stat.Output[0, t], 12);
        Assert.True(Distance(plain, Run(new HopfieldOptions { ValuesFromKeys = true })) > 1e-6);             // values from keys
        // Padding and association masks: masked pairs get weight exactly 0.
        var padded = Run(new HopfieldOptions(), padding: [false, true, false, false, true]);
        for (int i = 0; i < 3; i++) { Assert.Equal(0, padded.Heads[0].Association[i, 1]); Assert.Equal(0, padded.Heads[0].Association[i, 4]); }
        var pairs = new bool[15]; pairs[0] = true; pairs[7] = true;
        var masked = Run(new HopfieldOptions(), association: pairs);
        Assert.Equal(0, masked.Heads[0].Association[0, 0]); Assert.Equal(0, masked.Heads[0].Association[1, 2]);
        Assert.True(masked.Heads[0].Association[0, 1] > 0);
        // Dropout: only in training, and the same step gives the same mask.
        var dropout = new HopfieldOptions { Dropout = 0.5 };
        Assert.True(Distance(Run(dropout), Run(dropout, mode: new ForwardMode(true, 1))) > 1e-6);
        Assert.Equal(0, Distance(Run(dropout), plain));
        Assert.Equal(0, Distance(Run(dropout, mode: new ForwardMode(true, 1)), Run(dropout, mode: new ForwardMode(true, 1))));
        // Zero association: one more column, and the real patterns' weights sum to less than 1.
        var zero = Run(new HopfieldOptions { AddZeroAssociation = true });
        Assert.Equal(6, zero.Heads[0].Association.Cols);
        Assert.True(Enumerable.Range(0, 5).Sum(j => zero.Heads[0].Association[0, j]) < 1 - 1e-6);
        // Layer norms on the stored patterns and on the projection; value size; each static mode alone.
        var yShifted = y.Select(v => 2 * v + 5).ToArray();
        HopfieldResult RunStored(HopfieldOptions o, double[] stored)
        {
            var t = new Tape();
            return new Hopfield(4, 4, null, o).Forward(t, t.Constant(3, 4, r), t.Constant(5, 4, stored));
        }
        Assert.True(Distance(RunStored(new HopfieldOptions { NormalizeStored = true, NormalizeProjection = true }, y),
                             RunStored(new HopfieldOptions { NormalizeStored = true, NormalizeProjection = true }, yShifted)) < 1e-4);
        Assert.True(Distance(RunStored(new HopfieldOptions { NormalizeStored = true }, y), RunStored(new HopfieldOptions { NormalizeStored = true }, yShifted)) > 1e-3);
        Assert.True(Distance(RunStored(new HopfieldOptions(), y), RunStored(new HopfieldOptions { NormalizeProjection = true }, y)) > 1e-6);
        Assert.Equal(2 * 5, Run(new HopfieldOptions { Heads = 2, ValueSize = 5, DisableOutProjection = true }).Output.Cols);
        Assert.DoesNotContain(new Hopfield(4, 4, null, new HopfieldOptions { StaticState = true }).Parameters(), p => p.Name.Contains("query"));
        Assert.DoesNotContain(new Hopfield(4, 4, null, new HopfieldOptions { StaticStored = true }).Parameters(), p => p.Name.Contains("key"));
        Assert.DoesNotContain(new Hopfield(4, 4, null, new HopfieldOptions { StaticProjection = true }).Parameters(), p => p.Name.Contains("value"));
        Assert.True(Distance(plain, Run(new HopfieldOptions { StaticState = true })) > 1e-6);
        Assert.True(Distance(plain, Run(new HopfieldOptions { StaticStored = true })) > 1e-6);
        Assert.True(Distance(plain, Run(new HopfieldOptions { StaticProjection = true })) > 1e-6);
        // Learnable beta: it receives a gradient.
        var learn = new Hopfield(4, 4, null, new HopfieldOptions { LearnableBeta = true });
        var tape = new Tape();
        tape.Backpropagate(tape.WeightedSum(learn.Forward(tape, tape.Constant(3, 4, r), tape.Constant(5, 4, y)).Output, RandomMatrix(rng, 3, 4)));
        Assert.NotEqual(0, learn.Parameters().Single(p => p.Name.Contains("beta")).Gradient[0]);
    }

    [Fact]
    public void Heads_are_characterised_by_their_association_rows()
    {
        // One global-average row, one metastable row (3 of 8 carry the mass), two single-pattern rows.
        double[] a =
        [
            .125, .125, .125, .125, .125, .125, .125, .125,
            .33, .33, .32, .01, .01, 0, 0, 0,
            .97, .01, .01, .01, 0, 0, 0, 0,
            0, 0, 0, 0, 0, 0, 0, 1,
        ];
        var kinds = ModernHopfield.ClassifyHead(a, 4, 8);
        Assert.Equal(0.25, kinds[FixedPointKind.GlobalAverage], 12);
        Assert.Equal(0.25, kinds[FixedPointKind.Metastable], 12);
        Assert.Equal(0.5, kinds[FixedPointKind.SinglePattern], 12);
        // A layer's head: tiny beta averages globally, large beta picks single patterns.
        var rng = new Random(4);
        foreach (var (beta, kind) in new[] { (1e-4, FixedPointKind.GlobalAverage), (50.0, FixedPointKind.SinglePattern) })
        {
            var layer = new Hopfield(6, 6, null, new HopfieldOptions { StaticState = true, StaticStored = true, StaticProjection = true, DisableOutProjection = true, Beta = [beta] });
            var tape = new Tape();
            var y = RandomMatrix(rng, 10, 6, 3);
            var head = layer.Forward(tape, tape.Constant(4, 6, y.AsSpan(0, 24).ToArray()), tape.Constant(10, 6, y)).Heads[0].Association;
            Assert.Equal(1.0, ModernHopfield.ClassifyHead(head.Value, 4, 10)[kind], 12);
        }
    }

    [Fact]
    public void Lookup_and_pooling_layers_have_trainable_patterns_and_queries()
    {
        var rng = new Random(2);
        var lookup = new HopfieldLayer(4, quantity: 6, new HopfieldOptions { Heads = 2, HiddenSize = 3 }, separateValues: true, valueSize: 5);
        var tape = new Tape();
        var o = lookup.Forward(tape, tape.Constant(3, 4, RandomMatrix(rng, 3, 4)));
        Assert.Equal((3, 4), (o.Output.Rows, o.Output.Cols));
        Assert.Equal(6, o.Heads[0].Association.Cols);
        tape.Backpropagate(tape.WeightedSum(o.Output, RandomMatrix(rng, 3, 4)));
        Assert.Contains(lookup.Stored.Gradient, g => g != 0);
        Assert.Contains(lookup.Values!.Gradient, g => g != 0);
        var pooling = new HopfieldPooling(4, queries: 2);
        tape = new Tape();
        var pooled = pooling.Forward(tape, tape.Constant(9, 4, RandomMatrix(rng, 9, 4)));
        Assert.Equal((2, 4), (pooled.Output.Rows, pooled.Output.Cols));
        tape.Backpropagate(tape.WeightedSum(pooled.Output, RandomMatrix(rng, 2, 4)));
        Assert.Contains(pooling.Queries.Gradient, g => g != 0);
    }

    [Fact]
    public void Adam_minimises_a_quadratic()
    {
        var x = new Parameter("x", 1, 3, [3.0, -2.0, 0.5]);
        var adam = new Adam([x], learningRate: 0.05);
        for (int t = 0; t < 2000; t++)
        {
            adam.ZeroGradients();
            var tape = new Tape();
            var node = tape.Use(x);
            var shifted = tape.AddRow(node, tape.Constant(1, 3, [-1, 2, -3]));
            tape.Backpropagate(tape.WeightedSum(tape.MatMul(shifted, shifted, transposeB: true), [1.0]));
            adam.Step();
        }
        Assert.Equal([1.0, -2.0, 3.0], x.Value.Select(v => Math.Round(v, 3)).ToArray());
    }
}

[Collection("blas")]
public class MultipleInstanceTests
{
    [Fact]
    public void Hopfield_pooling_learns_the_bit_pattern_task_at_least_as_well_as_mean_pooling_of_the_same_size()
    {
        var o = MultipleInstanceDemo.Run(new MultipleInstanceDemo.Settings(TrainBags: 256, TestBags: 256, Epochs: 20));
        Assert.True(o.HopfieldTestAccuracy > 0.95, $"Hopfield pooling test accuracy {o.HopfieldTestAccuracy}");
        Assert.True(o.HopfieldTestAccuracy >= o.MeanTestAccuracy, $"{o.HopfieldTestAccuracy} < {o.MeanTestAccuracy}");
        Assert.InRange(o.MeanParameters, 0.9 * o.HopfieldParameters, 1.1 * o.HopfieldParameters);
    }

    [Fact]
    public void Bags_are_reproducible_and_balanced_and_only_positives_hold_the_planted_pattern()
    {
        var a = new BitPatternBags(6, 5, 40, 10, 3);
        var b = new BitPatternBags(6, 5, 40, 10, 3);
        Assert.Equal(a.Train.SelectMany(x => x.Bag), b.Train.SelectMany(x => x.Bag));
        Assert.Equal(20, a.Train.Count(x => x.Label == 1));
        foreach (var (bag, label) in a.Train)
        {
            bool has = Enumerable.Range(0, 5).Any(i => bag.AsSpan(i * 6, 6).SequenceEqual(a.Planted));
            Assert.Equal(label == 1, has);
        }
    }
}

public class ModernHopfieldBoundTests
{
    [Fact]
    public void Lambert_W_inverts_w_exp_w()
    {
        foreach (double x in new[] { -1 / Math.E + 1e-9, -0.2, 0.01, 0.5, 1, Math.E, 10, 1e3, 1e10 })
        {
            double w = ModernHopfieldBounds.LambertW0(x);
            Assert.True(Math.Abs(w * Math.Exp(w) - x) <= 1e-12 * Math.Max(1, Math.Abs(x)), $"W0({x}) = {w}");
            Assert.True(w >= -1);
        }
        // W0(e^y) where e^y overflows: w + ln w = y, and the two forms agree where both exist.
        foreach (double y in new[] { 800.0, 1e5, 1e300 })
        {
            double w = ModernHopfieldBounds.LambertW0OfExp(y);
            Assert.True(Math.Abs(w + Math.Log(w) - y) <= 1e-13 * y, $"W0(e^{y}) = {w}");
        }
        Assert.Equal(ModernHopfieldBounds.LambertW0(Math.Exp(650)), ModernHopfieldBounds.LambertW0OfExp(650), 12);
        // beta = 1e300 gave a NaN bound (W0 of infinity) that the store refused: now the largest double.
        Assert.Equal(double.MaxValue, ModernHopfieldBounds.CapacityBound(8, 1e300, 1, 0.001));
    }

    [Fact]
    public void Measured_one_step_errors_respect_the_retrieval_bound()
    {
        foreach (var (d, n, beta) in new[] { (32, 20, 1.0), (64, 100, 0.5), (16, 8, 2.0) })
        {
            double m = Math.Sqrt(d - 1);
            var x = ModernHopfield.RandomSphere(n, d, m, 5, 0);
            var net = new ModernHopfield(x, beta);
            var delta = ModernHopfieldBounds.Separation(x);
            double r = ModernHopfieldBounds.SphereRadius(n, beta, m);
            var shift = ModernHopfield.RandomSphere(n, d, 0.9 * r, 5, 1);
            for (int i = 0; i < n; i++)
            {
                var xi = x[i].Zip(shift[i], (a, b) => a + b).ToArray();
                var f = net.Update(xi).State;
                double error = Math.Sqrt(f.Zip(x[i], (a, b) => (a - b) * (a - b)).Sum());
                double bound = ModernHopfieldBounds.OneStepErrorBound(n, beta, delta[i], m, 0.9 * r);
                Assert.True(error <= bound, $"d={d}, N={n}, beta={beta}, pattern {i}: error {error} above the bound {bound}");
            }
        }
    }

    [Fact]
    public void Patterns_below_the_capacity_bound_are_retrieved()
    {
        // beta = 1, K = 1, p = 0.001: the bound guarantees a handful of patterns at d = 64 and grows exponentially with d.
        var small = ModernHopfieldBounds.CapacityBound(64, 1, 1, 0.001)!.Value;
        var large = ModernHopfieldBounds.CapacityBound(128, 1, 1, 0.001)!.Value;
        Assert.True(small >= 1 && large > 10 * small, $"{small}, {large}");
        var trial = ModernHopfieldBounds.Measure(64, (int)Math.Floor(small), 1, 1, 0.05, 0.05, 20, 3);
        Assert.Equal(1.0, trial.SuccessRate);
    }
}
