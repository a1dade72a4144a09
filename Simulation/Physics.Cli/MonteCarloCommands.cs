using System.CommandLine;
using System.Text.Json.Nodes;
using Physics.MonteCarlo;
using Physics.Networks;

namespace Physics.Cli;

/// <summary>`physics mc ...`: Monte Carlo simulation.</summary>
public static class MonteCarloCommands
{
    public static Command Build()
    {
        var mc = new Command("mc", "Monte Carlo simulation");
        mc.Subcommands.Add(Hopfield());
        mc.Subcommands.Add(Multitask());
        mc.Subcommands.Add(Dense());
        mc.Subcommands.Add(LearningCommand());
        return mc;
    }

    public static Option<string> DynamicsOption() =>
        Cli.Option("--dynamics", "Single-spin-flip dynamics: metropolis or heat-bath (Glauber)", "metropolis");

    public static Option<string> StartOption() =>
        Cli.Option("--start", "Initial state: pattern (retrieval, reports m_1) or random (reports max |m_mu|)", "pattern");

    public static Option<string> DeviceOption() =>
        Cli.Option("--device", "auto (CUDA when present, else cpu), cpu (native, SIMD, all cores), ilgpu-cpu (ILGPU's GPU simulator), cuda", Devices.Auto);

    /// <summary>The device name checked up front, so that a bad or absent device is a usage error before any work.</summary>
    public static string ParseDevice(string s)
    {
        string d = Devices.Resolve(s);
        if (d == Devices.Cuda && !IlgpuEnsemble.CudaAvailable()) throw new UsageException("--device cuda: no CUDA device is present");
        return d;
    }

    public static Dynamics ParseDynamics(string s) => s switch
    {
        "metropolis" => Dynamics.Metropolis,
        "heat-bath" or "glauber" => Dynamics.HeatBath,
        _ => throw new UsageException($"--dynamics must be metropolis or heat-bath, not '{s}'"),
    };

    public static InitialState ParseStart(string s) => s switch
    {
        "pattern" => InitialState.Pattern,
        "random" => InitialState.Random,
        _ => throw new UsageException($"--start must be pattern or random, not '{s}'"),
    };

    static Command Hopfield()
    {
        var neurons = Cli.Option("--neurons", "Number of neurons N", 1000);
        var alpha = Cli.Required<double>("--alpha", "Load alpha = P/N (P = round(alpha N))");
        var temperature = new Option<double?>("--temperature") { Description = "Temperature T > 0 (or give a ladder with --temperatures)" };
        var temperatures = new Option<string?>("--temperatures") { Description = "Parallel tempering over this ladder, comma-separated: per-temperature results, swap rates, q_ab and P(q)" };
        var replicas = Cli.Option("--replicas", "Real replicas per sample in tempering runs (2 or more give q_ab)", 2);
        var chains = Cli.Option("--chains", "Chains per disorder sample", 1);
        var common = new RunOptions(samples: 4, sweeps: 1000, equilibration: 500, seed: 1);
        var cmd = new Command("hopfield", "Monte Carlo of the classical Hopfield model: condensed overlap, energy, acceptance")
            { neurons, alpha, temperature, temperatures, replicas, chains };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int n = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons");
            double a = Cli.Positive(r.GetValue(alpha), "--alpha");
            string dev = common.Device(r);
            if (r.GetValue(temperatures) is { } ladder)
                return Tempering(r, common, n, a, Cli.Numbers(ladder, "--temperatures").Select(x => Cli.Positive(x, "--temperatures")).ToList(),
                    Cli.AtLeast(r.GetValue(replicas), 1, "--replicas"), dev);
            double t = Cli.Positive(r.GetValue(temperature) ?? throw new UsageException("--temperature (or --temperatures) is required"), "--temperature");
            var run = new HopfieldRun
            {
                Neurons = n,
                Patterns = HopfieldRun.PatternsFor(n, a),
                Temperature = t,
                MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r), Samples = common.Samples(r),
                ChainsPerSample = Cli.AtLeast(r.GetValue(chains), 1, "--chains"),
                Seed = r.GetValue(common.Seed), Dynamics = common.Dynamics(r), Start = common.Start(r),
            };
            var result = HopfieldSimulation.Run(run, common.Threads(r), device: dev);
            if (r.GetValue(common.Json))
                Cli.Print(new JsonObject
                {
                    ["overlap"] = result.Overlap.Mean, ["overlap_error"] = Cli.Number(result.Overlap.Error),
                    ["energy"] = result.Energy.Mean, ["energy_error"] = Cli.Number(result.Energy.Error),
                    ["acceptance"] = result.Acceptance, ["attempts_per_second"] = result.AttemptsPerSecond,
                    ["neurons"] = run.Neurons, ["patterns"] = run.Patterns, ["alpha"] = (double)run.Patterns / run.Neurons,
                    ["temperature"] = t, ["samples"] = run.Samples, ["chains"] = run.ChainsPerSample, ["seed"] = run.Seed,
                    ["device"] = result.Device, ["final_state_sha256"] = result.FinalStateSha256,
                });
            else
            {
                Console.WriteLine($"Hopfield Monte Carlo: N = {run.Neurons}, P = {run.Patterns} (alpha = {(double)run.Patterns / run.Neurons:G4}), T = {t}, {run.Samples} samples x {run.ChainsPerSample} chains");
                Console.WriteLine($"condensed overlap  m = {result.Overlap.Mean:F5} +- {result.Overlap.Error:F5}");
                Console.WriteLine($"energy per spin    e = {result.Energy.Mean:F6} +- {result.Energy.Error:F6}");
                Console.WriteLine($"acceptance           = {result.Acceptance:F4}");
                Console.WriteLine($"attempts per second  = {result.AttemptsPerSecond:E3}");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Multitask()
    {
        var neurons = Cli.Option("--neurons", "Number of neurons N", 2000);
        var patterns = Cli.Required<int>("--patterns", "Number of diluted patterns K");
        var dilution = Cli.Required<double>("--dilution", "Dilution d = P(xi = 0), in [0, 1)");
        var temperature = Cli.Required<double>("--temperature", "Temperature T > 0");
        var common = new RunOptions(samples: 2, sweeps: 500, equilibration: 300, seed: 1);
        var cmd = new Command("multitask", "Monte Carlo of the multitasking network: overlaps with all K patterns, ranked by magnitude (the theory's canonical form)")
            { neurons, patterns, dilution, temperature };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            double d = r.GetValue(dilution);
            if (!(d >= 0 && d < 1)) throw new UsageException($"--dilution must lie in [0, 1), not {Cli.Format(d)}");
            var run = new MultitaskRun
            {
                Neurons = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons"), Patterns = Cli.AtLeast(r.GetValue(patterns), 1, "--patterns"),
                Dilution = d, Temperature = Cli.Positive(r.GetValue(temperature), "--temperature"),
                MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Samples = common.Samples(r), Seed = r.GetValue(common.Seed), Dynamics = common.Dynamics(r), Start = common.Start(r),
            };
            var result = MultitaskSimulation.Run(run, common.Device(r), threads: common.Threads(r));
            if (r.GetValue(common.Json))
                Cli.Print(new JsonObject
                {
                    ["m"] = new JsonArray(result.Amplitudes.Select(a => (JsonNode?)Cli.Number(a.Mean)).ToArray()),
                    ["m_error"] = new JsonArray(result.Amplitudes.Select(a => (JsonNode?)Cli.Number(a.Error)).ToArray()),
                    ["energy"] = Cli.Number(result.Energy.Mean), ["energy_error"] = Cli.Number(result.Energy.Error),
                    ["acceptance"] = result.Acceptance, ["attempts_per_second"] = result.AttemptsPerSecond,
                    ["neurons"] = run.Neurons, ["patterns"] = run.Patterns, ["dilution"] = d, ["temperature"] = run.Temperature,
                    ["samples"] = run.Samples, ["seed"] = run.Seed, ["device"] = result.Device, ["final_state_sha256"] = result.FinalStateSha256,
                });
            else
            {
                Console.WriteLine($"Multitasking Monte Carlo: N = {run.Neurons}, K = {run.Patterns}, d = {d}, T = {run.Temperature}, {run.Samples} samples, device {result.Device}");
                Console.WriteLine("ranked |m|: " + string.Join(", ", result.Amplitudes.Select(a => $"{a.Mean:F4} +- {a.Error:F4}")));
                Console.WriteLine($"energy per spin: {result.Energy.Mean:F5} +- {result.Energy.Error:F5}");
            }
            return 0;
        }));
        return cmd;
    }

    static Command LearningCommand()
    {
        var neurons = Cli.Option("--neurons", "Number of neurons N", 2000);
        var flags = new LearningOptions("Number of archetypes K", 1);
        var common = new RunOptions(samples: 2, sweeps: 300, equilibration: 200, seed: 1, device: false);
        var cmd = new Command("learning", "Monte Carlo of a network learned from noisy examples (supervised or unsupervised Hebbian couplings): overlaps with the archetypes and the example means") { neurons };
        flags.AddTo(cmd);
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var run = new LearningRun
            {
                Neurons = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons"), Patterns = flags.Patterns(r), Quality = flags.Quality(r),
                Examples = flags.Examples(r), Supervised = flags.Protocol(r) == Physics.Theory.Learning.Supervised, Temperature = flags.Temperature(r),
                Dilution = flags.Dilution(r), MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Samples = common.Samples(r), Seed = r.GetValue(common.Seed), Dynamics = common.Dynamics(r), Start = common.Start(r),
            };
            var result = LearningSimulation.Run(run, common.Threads(r));
            if (r.GetValue(common.Json))
                Cli.Print(new JsonObject
                {
                    ["protocol"] = flags.Protocol(r), ["archetype_overlap"] = Cli.Number(result.ArchetypeOverlap.Mean), ["archetype_overlap_error"] = Cli.Number(result.ArchetypeOverlap.Error),
                    ["example_overlap"] = Cli.Number(result.ExampleOverlap.Mean), ["example_overlap_error"] = Cli.Number(result.ExampleOverlap.Error),
                    ["other_archetypes"] = Cli.Number(result.OtherArchetypes.Mean), ["other_archetypes_error"] = Cli.Number(result.OtherArchetypes.Error),
                    ["energy"] = Cli.Number(result.Energy.Mean), ["energy_error"] = Cli.Number(result.Energy.Error), ["rho"] = result.Entropy,
                    ["acceptance"] = result.Acceptance, ["attempts_per_second"] = result.AttemptsPerSecond,
                    ["neurons"] = run.Neurons, ["patterns"] = run.Patterns, ["quality"] = run.Quality, ["examples"] = run.Examples, ["dilution"] = run.Dilution,
                    ["temperature"] = run.Temperature, ["samples"] = run.Samples, ["seed"] = run.Seed, ["final_state_sha256"] = result.FinalStateSha256,
                });
            else
            {
                Console.WriteLine($"Learning Monte Carlo ({flags.Protocol(r)}): N = {run.Neurons}, K = {run.Patterns}, r = {run.Quality}, M = {run.Examples}, rho = {result.Entropy:G4}, d = {run.Dilution}, T = {run.Temperature}");
                Console.WriteLine($"archetype overlap m = {result.ArchetypeOverlap.Mean:F5} +- {result.ArchetypeOverlap.Error:F5}, example-mean overlap n = {result.ExampleOverlap.Mean:F5} +- {result.ExampleOverlap.Error:F5}, largest other archetype {result.OtherArchetypes.Mean:F5} +- {result.OtherArchetypes.Error:F5}");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Dense()
    {
        var p = Cli.Required<int>("--p", "Interaction order P");
        var neurons = Cli.Option("--neurons", "Number of neurons N", 200);
        var alpha = Cli.Required<double>("--alpha", "Load alpha: K = round(alpha N^(P-1)) patterns");
        var temperature = Cli.Required<double>("--temperature", "Temperature T > 0");
        var common = new RunOptions(samples: 2, sweeps: 300, equilibration: 100, seed: 1);
        var cmd = new Command("dense", "Monte Carlo of the dense (P-spin) network with exact distinct-index energies (native CPU)")
            { p, neurons, alpha, temperature };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int order = r.GetValue(p);
            if (order < 2) throw new UsageException($"--p must be at least 2, not {order}");
            var run = new DenseRun
            {
                Order = order, Neurons = Cli.AtLeast(r.GetValue(neurons), order, "--neurons"),
                Load = Cli.Positive(r.GetValue(alpha), "--alpha"), Temperature = Cli.Positive(r.GetValue(temperature), "--temperature"),
                MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Samples = common.Samples(r), Seed = r.GetValue(common.Seed), Dynamics = common.Dynamics(r), Start = common.Start(r),
            };
            string device = common.Device(r);
            if (device == Devices.Cuda && !IlgpuEnsemble.CudaAvailable()) throw new UsageException("--device cuda: no CUDA device is present");
            var result = DenseSimulation.Run(run, common.Threads(r), device: device);
            var (overlap, en) = (result.Overlap, result.Energy);
            int n = run.Neurons, k = run.Patterns;
            double t = run.Temperature, rate = result.AttemptsPerSecond;
            if (r.GetValue(common.Json))
                Cli.Print(new JsonObject
                {
                    ["overlap"] = overlap.Mean, ["overlap_error"] = Cli.Number(overlap.Error), ["energy"] = en.Mean, ["energy_error"] = Cli.Number(en.Error),
                    ["acceptance"] = result.Acceptance, ["attempts_per_second"] = rate, ["final_state_sha256"] = result.FinalStateSha256,
                    ["p"] = order, ["neurons"] = n, ["patterns"] = k, ["alpha"] = k / Math.Pow(n, order - 1), ["temperature"] = t, ["device"] = result.Device,
                });
            else
                Console.WriteLine($"Dense P = {order}: N = {n}, K = {k}, T = {t}: m = {overlap.Mean:F5} +- {overlap.Error:F5}, e = {en.Mean:F6} +- {en.Error:F6}");
            return 0;
        }));
        return cmd;
    }

    static int Tempering(ParseResult r, RunOptions common, int n, double a, List<double> ladder, int replicas, string device)
    {
        bool json = r.GetValue(common.Json);
        var run = new TemperingRun
        {
            Neurons = n, Patterns = HopfieldRun.PatternsFor(n, a), Temperatures = ladder, Replicas = replicas,
            MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
            Samples = common.Samples(r), Seed = r.GetValue(common.Seed), Dynamics = common.Dynamics(r), Start = common.Start(r),
        };
        var result = ParallelTempering.Run(run, device, common.Threads(r));
        if (json)
        {
            Cli.Print(new JsonObject
            {
                ["temperatures"] = new JsonArray(result.Temperatures.Select(t => (JsonNode)new JsonObject
                {
                    ["temperature"] = t.Temperature,
                    ["overlap"] = Cli.Number(t.Overlap.Mean), ["overlap_error"] = Cli.Number(t.Overlap.Error),
                    ["energy"] = Cli.Number(t.Energy.Mean), ["energy_error"] = Cli.Number(t.Energy.Error),
                    ["binder"] = Cli.Number(t.Binder.Mean), ["binder_error"] = Cli.Number(t.Binder.Error),
                    ["q_ab"] = t.Qab is { } q ? Cli.Number(q.Mean) : null, ["q_ab_error"] = t.Qab is { } qe ? Cli.Number(qe.Error) : null,
                    ["q_histogram"] = t.QHistogram is { } h ? new JsonArray(h.Select(x => (JsonNode?)Cli.Number(x)).ToArray()) : null,
                }).ToArray()),
                ["swap_acceptance"] = new JsonArray(result.SwapAcceptance.Select(x => (JsonNode?)Cli.Number(x)).ToArray()),
                ["acceptance"] = result.Acceptance, ["attempts_per_second"] = result.AttemptsPerSecond,
                ["neurons"] = run.Neurons, ["patterns"] = run.Patterns, ["alpha"] = (double)run.Patterns / run.Neurons,
                ["samples"] = run.Samples, ["replicas"] = run.Replicas, ["seed"] = run.Seed,
                ["device"] = result.Device, ["final_state_sha256"] = result.FinalStateSha256,
            });
        }
        else
        {
            Console.WriteLine($"Parallel tempering: N = {run.Neurons}, P = {run.Patterns}, {run.Samples} samples x {run.Replicas} replicas, device {result.Device}");
            Console.WriteLine($"{"T",8} {"m",18} {"e",20} {"Binder",8} {"q_ab",18}");
            foreach (var t in result.Temperatures)
                Console.WriteLine($"{t.Temperature,8:G4} {t.Overlap.Mean,8:F4} +- {t.Overlap.Error,6:F4} {t.Energy.Mean,9:F5} +- {t.Energy.Error,7:F5} {t.Binder.Mean,8:F4} " +
                                  (t.Qab is { } q ? $"{q.Mean,8:F4} +- {q.Error,6:F4}" : ""));
            Console.WriteLine("swap acceptance: " + string.Join(", ", result.SwapAcceptance.Select(x => x.ToString("F3"))));
        }
        return 0;
    }
}
