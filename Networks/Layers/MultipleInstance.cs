namespace Physics.Networks.Layers;

/// <summary>
/// The bit-pattern multiple-instance task of the reference implementation's demonstration: a bag holds binary
/// instances (entries +-1); a bag is positive when one of its instances is the planted pattern. Bags are drawn from
/// Philox streams (seed, split): the same seed gives the same data everywhere.
/// </summary>
public sealed class BitPatternBags
{
    public int Bits { get; }
    public int Instances { get; }
    public double[] Planted { get; }
    public IReadOnlyList<(double[] Bag, double Label)> Train { get; }
    public IReadOnlyList<(double[] Bag, double Label)> Test { get; }

    public BitPatternBags(int bits, int instances, int trainBags, int testBags, ulong seed)
    {
        if (bits < 2 || bits > 30) throw new ArgumentOutOfRangeException(nameof(bits), "--bits must lie in 2..30");
        if (instances < 1) throw new ArgumentOutOfRangeException(nameof(instances), "--instances must be at least 1");
        Bits = bits; Instances = instances;
        var rng = Philox4x32.FromSeed(seed);
        uint counter = 0;
        uint Word() { var (a, _, _, _) = rng.Next(counter++, 0xFFFFFFE0, 0, 0); return a; }
        int mask = (1 << bits) - 1;
        int planted = (int)(Word() & mask);
        Planted = Spins(planted, bits);
        List<(double[], double)> Make(int count)
        {
            var bags = new List<(double[], double)>();
            for (int b = 0; b < count; b++)
            {
                bool positive = (b & 1) == 0;
                var bag = new double[instances * bits];
                int where = positive ? (int)(Word() % (uint)instances) : -1;
                for (int i = 0; i < instances; i++)
                {
                    int code;
                    if (i == where) code = planted;
                    else do code = (int)(Word() & mask); while (code == planted);
                    Spins(code, bits).CopyTo(bag, i * bits);
                }
                bags.Add((bag, positive ? 1 : 0));
            }
            return bags;
        }
        Train = Make(trainBags);
        Test = Make(testBags);
    }

    static double[] Spins(int code, int bits) => Enumerable.Range(0, bits).Select(k => ((code >> k) & 1) == 1 ? 1.0 : -1.0).ToArray();
}

/// <summary>
/// A bag classifier: instance embedding (linear + ReLU), a pooling of the bag to one vector, and a linear read-out to
/// one logit. Pooling is <see cref="HopfieldPooling"/> (a trainable query attends to the instances) or the mean of
/// the embedded instances (the baseline, same embedding and read-out).
/// </summary>
public sealed class BagClassifier
{
    readonly Parameter embed, embedBias, readout, readoutBias;
    readonly HopfieldPooling? pooling;

    public BagClassifier(int bits, int hidden, bool hopfield, ulong seed, HopfieldOptions? options = null)
    {
        embed = Parameter.Glorot("embed", bits, hidden, seed, 3000);
        embedBias = Parameter.Constant("embed.bias", 1, hidden, 0);
        readout = Parameter.Glorot("readout", hidden, 1, seed, 3001);
        readoutBias = Parameter.Constant("readout.bias", 1, 1, 0);
        pooling = hopfield ? new HopfieldPooling(hidden, 1, options ?? new HopfieldOptions { Seed = seed, Beta = [1.0], LearnableBeta = true }) : null;
    }

    public IEnumerable<Parameter> Parameters() =>
        new[] { embed, embedBias, readout, readoutBias }.Concat(pooling?.Parameters() ?? []);

    public int ParameterCount => Parameters().Sum(p => p.Value.Length);

    public Node Logit(Tape tape, double[] bag, int bits, ForwardMode mode = default)
    {
        int instances = bag.Length / bits;
        var h = tape.Relu(tape.AddRow(tape.MatMul(tape.Constant(instances, bits, bag), tape.Use(embed)), tape.Use(embedBias)));
        var pooled = pooling is null ? tape.MeanRows(h) : pooling.Forward(tape, h, null, mode).Output;
        return tape.AddRow(tape.MatMul(pooled, tape.Use(readout)), tape.Use(readoutBias));
    }

    /// <summary>Trains with Adam on the mean binary cross-entropy of mini-batches (bags in a fixed order); returns the loss per epoch.</summary>
    public List<double> Train(IReadOnlyList<(double[] Bag, double Label)> data, int bits, int epochs, double learningRate = 0.01, int batch = 8)
    {
        var adam = new Adam(Parameters(), learningRate);
        var losses = new List<double>();
        uint step = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            double total = 0;
            for (int start = 0; start < data.Count; start += batch)
            {
                adam.ZeroGradients();
                int count = Math.Min(batch, data.Count - start);
                for (int b = start; b < start + count; b++)
                {
                    var tape = new Tape();
                    var loss = tape.Scale(tape.BinaryCrossEntropy(Logit(tape, data[b].Bag, bits, new ForwardMode(true, step)), [data[b].Label]), 1.0 / count);
                    tape.Backpropagate(loss);
                    total += loss.Value[0] * count;
                }
                adam.Step();
                step++;
            }
            losses.Add(total / data.Count);
        }
        return losses;
    }

    public double Accuracy(IReadOnlyList<(double[] Bag, double Label)> data, int bits) =>
        data.Count(d => (Logit(new Tape(), d.Bag, bits).Value[0] > 0 ? 1 : 0) == (int)d.Label) / (double)data.Count;
}

/// <summary>The demonstration: Hopfield pooling against mean pooling with as many parameters, on the same bags.</summary>
public static class MultipleInstanceDemo
{
    public sealed record Settings(int Bits = 8, int Instances = 16, int TrainBags = 512, int TestBags = 512, int Hidden = 8, int Epochs = 30, ulong Seed = 7);

    public sealed record Outcome(double HopfieldTestAccuracy, double MeanTestAccuracy, double HopfieldTrainAccuracy, double MeanTrainAccuracy,
        int HopfieldParameters, int MeanParameters, double Seconds);

    public static Outcome Run(Settings s)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var data = new BitPatternBags(s.Bits, s.Instances, s.TrainBags, s.TestBags, s.Seed);
        var hopfield = new BagClassifier(s.Bits, s.Hidden, hopfield: true, s.Seed);
        // The baseline gets a wider embedding so that both models have about the same number of parameters.
        int wide = Math.Max(s.Hidden, (int)Math.Round((hopfield.ParameterCount - 1.0) / (s.Bits + 2)));
        var mean = new BagClassifier(s.Bits, wide, hopfield: false, s.Seed);
        hopfield.Train(data.Train, s.Bits, s.Epochs);
        mean.Train(data.Train, s.Bits, s.Epochs);
        return new Outcome(hopfield.Accuracy(data.Test, s.Bits), mean.Accuracy(data.Test, s.Bits), hopfield.Accuracy(data.Train, s.Bits), mean.Accuracy(data.Train, s.Bits),
            hopfield.ParameterCount, mean.ParameterCount, clock.Elapsed.TotalSeconds);
    }
}
