using System.CommandLine;
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
}
