using System.CommandLine;
using Physics.Simulation;
using System.Text.Json.Nodes;
using Physics.Networks;

namespace Physics.Cli;

/// <summary>`physics modern ...`: the continuous (modern) Hopfield network.</summary>
public static class ModernCommands
{
    public static Command Build()
    {
        var modern = new Command("modern", "Modern continuous Hopfield networks (log-sum-exp energy; the update is attention)");
        modern.Subcommands.Add(Retrieve());
        modern.Subcommands.Add(Capacity());
        modern.Subcommands.Add(MultipleInstance());
        return modern;
    }

    static Command Retrieve()
    {
        var patterns = Cli.Option("--patterns", "Stored patterns N (random on the sphere)", 100);
        var dimension = Cli.Option("--dimension", "Pattern dimension d", 64);
        var radius = Cli.Option("--radius", "Norm of every stored pattern (M)", 8.0);
        var beta = new Option<double?>("--beta") { Description = "Inverse temperature beta (default 1/sqrt(d), as in attention)" };
        var noise = Cli.Option("--noise", "Standard deviation of the Gaussian noise added to pattern 1 to make the query", 0.1);
        var steps = Cli.Option("--steps", "Largest number of updates", 100);
        var seed = Cli.Option("--seed", "Seed", 1UL);
        var json = Cli.JsonOption();
        var cmd = new Command("retrieve", "Retrieve a stored pattern from a noisy query: error, steps, fixed-point type, energies")
            { patterns, dimension, radius, beta, noise, steps, seed, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int n = Cli.AtLeast(r.GetValue(patterns), 1, "--patterns"), d = Cli.AtLeast(r.GetValue(dimension), 1, "--dimension");
            // The stored patterns are one N x d matrix of doubles: past one array's length it cannot be held.
            if ((long)n * d > Array.MaxLength)
                throw new UsageException($"--patterns {n} of --dimension {d} are {(double)n * d:G3} entries, more than one array holds ({Array.MaxLength:G3})");
            double m = Cli.Positive(r.GetValue(radius), "--radius"), sigma = Cli.NonNegative(r.GetValue(noise), "--noise");
            double b = Cli.Positive(r.GetValue(beta) ?? 1 / Math.Sqrt(d), "--beta");
            int maxSteps = Cli.AtLeast(r.GetValue(steps), 1, "--steps");
            ulong s = r.GetValue(seed);
            var x = ModernHopfield.RandomSphere(n, d, m, s);
            var jitter = ModernHopfield.RandomSphere(1, d, 1, s, stream: 1)[0];
            double scale = sigma * Math.Sqrt(d); // a unit vector times sqrt(d) sigma has per-entry deviation about sigma
            var query = x[0].Select((v, k) => v + scale * jitter[k]).ToArray();
            var net = new ModernHopfield(x, b);
            var trace = net.Iterate(query, maxSteps);
            var last = trace[^1];
            double error = Math.Sqrt(last.State.Zip(x[0], (a, c) => (a - c) * (a - c)).Sum());
            var kind = ModernHopfield.Classify(last.Weights);
            string type = kind switch { FixedPointKind.SinglePattern => "single_pattern", FixedPointKind.Metastable => "metastable", _ => "global_average" };
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["retrieval_error"] = error, ["steps"] = trace.Count - 1, ["fixed_point"] = type,
                    ["energies"] = new JsonArray(trace.Select(t => (JsonNode?)t.Energy).ToArray()),
                    ["patterns"] = n, ["dimension"] = d, ["beta"] = b, ["radius"] = m, ["noise"] = sigma, ["seed"] = s,
                });
            else
            {
                Console.WriteLine($"N = {n} patterns of dimension {d} (|x| = {m}), beta = {b:G4}, query = pattern 1 + noise {sigma}");
                Console.WriteLine($"retrieval error |xi* - x_1| = {error:E3} after {trace.Count - 1} updates; fixed point: {type}");
                Console.WriteLine("energies: " + string.Join(", ", trace.Take(6).Select(t => t.Energy.ToString("F6"))) + (trace.Count > 6 ? ", ..." : ""));
            }
            return 0;
        }));
        return cmd;
    }

    static int[] Integers(string text, string option, int min) => Cli.Numbers(text, option)
        .Select(x => x == Math.Floor(x) && x >= min && x <= int.MaxValue ? (int)x : throw new UsageException($"{option} must be integers >= {min}, not {x}")).ToArray();

    static Command Capacity()
    {
        var d = new CapacitySettings();
        var dimensions = Cli.Option("--dimensions", "Dimensions d of the grid, comma-separated", string.Join(",", d.Dimensions));
        var patterns = Cli.Option("--patterns", "Numbers of stored patterns N of the grid, comma-separated", string.Join(",", d.Patterns));
        var beta = Cli.Option("--beta", "Inverse temperature beta", d.Beta);
        var radius = Cli.Option("--radius-factor", "K: patterns on the sphere of radius K sqrt(d - 1)", d.RadiusFactor);
        var noise = Cli.Option("--noise", "Query displacement, in units of M", d.Noise);
        var tolerance = Cli.Option("--tolerance", "Success when the one-step error is at most this, in units of M", d.Tolerance);
        var trials = Cli.Option("--trials", "Random pattern sets per grid point", d.Trials);
        var seed = Cli.Option("--seed", "Seed of the patterns and queries", d.Seed);
        var threads = Cli.Option("--threads", "Worker threads (0: all cores)", 0);
        var outDir = PhaseDiagramCommands.OutOption("modern-capacity");
        var json = Cli.JsonOption();
        var cmd = new Command("capacity", "Capacity sweep of the modern Hopfield network over d and N: one-step retrieval success beside Theorem 3's bound (stored, resumable, plotted)")
            { dimensions, patterns, beta, radius, noise, tolerance, trials, seed, threads, outDir, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var settings = new CapacitySettings
            {
                Dimensions = Integers(r.GetValue(dimensions)!, "--dimensions", 2), Patterns = Integers(r.GetValue(patterns)!, "--patterns", 2),
                Beta = Cli.Positive(r.GetValue(beta), "--beta"), RadiusFactor = Cli.Positive(r.GetValue(radius), "--radius-factor"),
                Noise = Cli.NonNegative(r.GetValue(noise), "--noise"), Tolerance = Cli.Positive(r.GetValue(tolerance), "--tolerance"),
                Trials = Cli.AtLeast(r.GetValue(trials), 1, "--trials"), Seed = r.GetValue(seed), Threads = Cli.AtLeast(r.GetValue(threads), 0, "--threads"),
            };
            settings.Validate();
            string dir = PhaseDiagramCommands.Prepare(r.GetValue(outDir)!, settings.StoreKey());
            return PhaseDiagramCommands.Run(dir, r.GetValue(json), (progress, cancel) =>
            {
                var outcome = ModernCapacitySweep.Run(settings, dir, progress, cancel);
                var bounds = new JsonArray(outcome.Bounds.Select(b => (JsonNode?)new JsonObject { ["dimension"] = b.Dimension, ["guaranteed_patterns"] = b.Bound }).ToArray());
                var grid = new JsonArray(outcome.Points.Select(p => (JsonNode?)new JsonObject
                {
                    ["dimension"] = p.Dimension, ["patterns"] = p.Patterns, ["success_rate"] = p.SuccessRate, ["mean_error"] = p.MeanError, ["max_error"] = p.MaxError,
                }).ToArray());
                File.WriteAllText(Path.Combine(dir, "theory-lines.json"), new JsonObject { ["theorem3"] = bounds.DeepClone() }.ToJsonString(Cli.Json));
                string line = "Theorem 3 (p = 0.001): " + string.Join(", ", outcome.Bounds.Select(b => $"d = {b.Dimension}: {(b.Bound is { } x ? x.ToString("G3") : "no guarantee")}"));
                return new PhaseDiagramCommands.Written(PhaseDiagramPlot.CapacityChart(outcome.Points, outcome.Bounds), outcome.Points.Count, outcome.Computed, outcome.Skipped,
                    new JsonObject { ["theorem3"] = bounds, ["grid"] = grid }, line);
            });
        }));
        return cmd;
    }

    static Command MultipleInstance()
    {
        var d = new Physics.Networks.Layers.MultipleInstanceDemo.Settings();
        var bits = Cli.Option("--bits", "Bits per instance", d.Bits);
        var instances = Cli.Option("--instances", "Instances per bag", d.Instances);
        var train = Cli.Option("--train", "Training bags (half positive)", d.TrainBags);
        var test = Cli.Option("--test", "Test bags (half positive)", d.TestBags);
        var hidden = Cli.Option("--hidden", "Embedding size of the Hopfield model (the mean-pooling baseline is widened to as many parameters)", d.Hidden);
        var epochs = Cli.Option("--epochs", "Training epochs (Adam, mini-batches of 8)", d.Epochs);
        var seed = Cli.Option("--seed", "Seed of the bags and the initial weights", d.Seed);
        var json = Cli.JsonOption();
        var cmd = new Command("mil", "The bit-pattern multiple-instance task: HopfieldPooling against mean pooling of the same size, test accuracies")
            { bits, instances, train, test, hidden, epochs, seed, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var s = new Physics.Networks.Layers.MultipleInstanceDemo.Settings(Cli.AtLeast(r.GetValue(bits), 2, "--bits"), Cli.AtLeast(r.GetValue(instances), 1, "--instances"),
                Cli.AtLeast(r.GetValue(train), 2, "--train"), Cli.AtLeast(r.GetValue(test), 2, "--test"), Cli.AtLeast(r.GetValue(hidden), 1, "--hidden"),
                Cli.AtLeast(r.GetValue(epochs), 1, "--epochs"), r.GetValue(seed));
            if (s.Bits > 30) throw new UsageException($"--bits must be at most 30, not {s.Bits}");
            var o = Physics.Networks.Layers.MultipleInstanceDemo.Run(s);
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["hopfield_test_accuracy"] = o.HopfieldTestAccuracy, ["mean_pooling_test_accuracy"] = o.MeanTestAccuracy,
                    ["hopfield_train_accuracy"] = o.HopfieldTrainAccuracy, ["mean_pooling_train_accuracy"] = o.MeanTrainAccuracy,
                    ["hopfield_parameters"] = o.HopfieldParameters, ["mean_pooling_parameters"] = o.MeanParameters, ["seconds"] = o.Seconds,
                });
            else
                Console.WriteLine($"bit-pattern MIL ({s.Bits} bits, {s.Instances} instances a bag, {s.TrainBags}/{s.TestBags} bags): test accuracy "
                    + $"Hopfield pooling {o.HopfieldTestAccuracy:F3} ({o.HopfieldParameters} parameters), mean pooling {o.MeanTestAccuracy:F3} ({o.MeanParameters} parameters), {o.Seconds:F1} s");
            return 0;
        }));
        return cmd;
    }
}
