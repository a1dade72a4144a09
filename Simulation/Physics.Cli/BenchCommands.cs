using System.CommandLine;
using System.Text.Json.Nodes;
using Physics.MonteCarlo;
using Physics.Simulation;

namespace Physics.Cli;

/// <summary>`physics bench ...`: throughput benchmarks with a peer measured in the same run.</summary>
public static class BenchCommands
{
    public static Command Build()
    {
        var bench = new Command("bench", "Benchmarks (ratios against a peer measured in the same run)");
        bench.Subcommands.Add(Mc());
        bench.Subcommands.Add(Theory());
        bench.Subcommands.Add(Retrieval());
        bench.Subcommands.Add(Dense());
        return bench;
    }

    static Command Dense()
    {
        var d = new DenseBenchmark.Settings();
        var p = Cli.Option("--p", "Interaction order P", d.Order);
        var neurons = Cli.Option("--neurons", "Number of neurons N", d.Neurons);
        var patterns = Cli.Option("--patterns", "Number of patterns K (the same for both models)", d.Patterns);
        var temperature = Cli.Option("--temperature", "Temperature T", d.Temperature);
        var sweeps = Cli.Option("--sweeps", "Sweeps per timed run (more where they make fewer than 50000 attempts)", d.Sweeps);
        var repeats = Cli.Option("--repeats", "Timed runs of each, alternating (medians reported)", d.Repeats);
        var device = MonteCarloCommands.DeviceOption();
        var chains = Cli.Option("--chains", "Chains on an accelerator (--device cuda or ilgpu-cpu); the CPU benchmark runs single chains", 1);
        var kernel = Cli.Option("--kernel", "On an accelerator: auto (the flip polynomials where their sums fit 64 bits, else the tables) or tables", "auto");
        var json = Cli.JsonOption();
        var cmd = new Command("dense", "Cost of a dense (P-spin) attempt against a classical attempt with the same N and K, at the same temperature and at the same acceptance (single native chains, or many chains on an accelerator)")
            { p, neurons, patterns, temperature, sweeps, repeats, device, chains, kernel, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int order = Cli.AtLeast(r.GetValue(p), 2, "--p");
            var s = new DenseBenchmark.Settings(order, Cli.AtLeast(r.GetValue(neurons), order, "--neurons"), Cli.AtLeast(r.GetValue(patterns), 1, "--patterns"),
                Cli.Positive(r.GetValue(temperature), "--temperature"), Cli.AtLeast(r.GetValue(sweeps), 1, "--sweeps"), Cli.AtLeast(r.GetValue(repeats), 1, "--repeats"),
                Device: MonteCarloCommands.ParseDevice(r.GetValue(device)!), Chains: Cli.AtLeast(r.GetValue(chains), 1, "--chains"),
                Kernel: r.GetValue(kernel) switch
                {
                    "auto" => DenseKernelForm.Auto, "tables" => DenseKernelForm.Tables,
                    var k => throw new UsageException($"--kernel: '{k}' is not auto or tables"),
                });
            if (s.Device == Physics.MonteCarlo.Devices.Cuda && !Physics.MonteCarlo.IlgpuEnsemble.CudaAvailable()) throw new UsageException("--device cuda: no CUDA device is present");
            DenseBenchmark.Outcome o;
            try { o = DenseBenchmark.Run(s); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException(e.Message.Split(" (Parameter")[0]); }
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["dense_attempts_per_second"] = o.DenseAttemptsPerSecond, ["classical_attempts_per_second"] = o.ClassicalAttemptsPerSecond,
                    ["cost_ratio"] = o.CostRatio, ["p"] = order, ["neurons"] = s.Neurons, ["patterns"] = s.Patterns, ["temperature"] = s.Temperature,
                    ["device"] = o.Device, ["chains"] = s.Chains, ["kernel"] = o.Kernel,
                    ["dense_acceptance"] = o.DenseAcceptance, ["classical_acceptance"] = o.ClassicalAcceptance,
                    ["matched_temperature"] = o.MatchedTemperature, ["matched_acceptance"] = o.MatchedAcceptance,
                    ["matched_attempts_per_second"] = o.MatchedAttemptsPerSecond, ["matched_cost_ratio"] = o.MatchedCostRatio,
                });
            else
            {
                Console.WriteLine($"P = {order}, N = {s.Neurons}, K = {s.Patterns}, T = {s.Temperature}, {o.Device}{(o.Kernel is null ? "" : $" ({o.Kernel})")}: dense {o.DenseAttemptsPerSecond:E3}/s "
                    + $"(accepting {o.DenseAcceptance:P1}), classical {o.ClassicalAttemptsPerSecond:E3}/s (accepting {o.ClassicalAcceptance:P1}): "
                    + $"a dense attempt costs {o.CostRatio:F2} classical attempts (target about 1.2)");
                Console.WriteLine($"  like for like: classical at T = {o.MatchedTemperature:G4} accepts {o.MatchedAcceptance:P1}, {o.MatchedAttemptsPerSecond:E3}/s: "
                    + $"a dense attempt costs {o.MatchedCostRatio:F2} of its attempts");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Retrieval()
    {
        var d = new RetrievalBenchmark.Settings();
        var patterns = Cli.Option("--patterns", "Stored patterns N", d.Patterns);
        var dimension = Cli.Option("--dimension", "Dimension d", d.Dimension);
        var queries = Cli.Option("--queries", "Queries B per batch", d.Queries);
        var repeats = Cli.Option("--repeats", "Timed batches of each (medians reported)", d.Repeats);
        var device = MonteCarloCommands.DeviceOption();
        var json = Cli.JsonOption();
        var cmd = new Command("retrieval", "Batched modern-Hopfield retrieval (two matrix products and a softmax) beside NumPy on the same shapes; --device cuda runs it through ILGPU")
            { patterns, dimension, queries, repeats, device, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var s = new RetrievalBenchmark.Settings(Cli.AtLeast(r.GetValue(patterns), 1, "--patterns"), Cli.AtLeast(r.GetValue(dimension), 1, "--dimension"),
                Cli.AtLeast(r.GetValue(queries), 1, "--queries"), Cli.AtLeast(r.GetValue(repeats), 1, "--repeats"),
                MonteCarloCommands.ParseDevice(r.GetValue(device)!));
            if (s.Device == Physics.MonteCarlo.Devices.Cuda && !Physics.MonteCarlo.IlgpuEnsemble.CudaAvailable()) throw new UsageException("--device cuda: no CUDA device is present");
            var o = RetrievalBenchmark.Run(s);
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["queries_per_second"] = o.QueriesPerSecond, ["numpy_queries_per_second"] = o.NumpyQueriesPerSecond, ["ratio"] = o.Ratio,
                    ["blas"] = o.Provider, ["note"] = o.Note, ["patterns"] = s.Patterns, ["dimension"] = s.Dimension, ["queries"] = s.Queries,
                    ["device"] = o.Device, ["cpu_blas_queries_per_second"] = o.CpuBlasQueriesPerSecond,
                });
            else
            {
                Console.WriteLine($"N = {s.Patterns}, d = {s.Dimension}, B = {s.Queries}, BLAS: {o.Provider}, median of {s.Repeats}");
                Console.WriteLine($"physics (C#, {o.Device}): {o.QueriesPerSecond:E3} queries/s" + (o.CpuBlasQueriesPerSecond is { } c ? $" (CPU BLAS in the same run: {c:E3})" : ""));
                Console.WriteLine(o.NumpyQueriesPerSecond is { } n ? $"NumPy:        {n:E3} queries/s\nratio:        {o.Ratio:F2}x" : $"NumPy:        not measured");
                if (o.Note is not null) Console.WriteLine($"note: {o.Note}");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Theory()
    {
        var repeats = Cli.Option("--repeats", "Timed computations (median reported); the first, with JIT, is reported apart", 3);
        var json = Cli.JsonOption();
        var cmd = new Command("theory", "Seconds to trace the three AGS lines (T_g, T_M, T_c) at 200+ points each") { repeats, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int n = Cli.AtLeast(r.GetValue(repeats), 1, "--repeats");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var lines = Physics.Theory.AgsLines.Compute();
            double first = clock.Elapsed.TotalSeconds;
            var times = new List<double>();
            for (int k = 0; k < n; k++)
            {
                clock.Restart();
                lines = Physics.Theory.AgsLines.Compute();
                times.Add(clock.Elapsed.TotalSeconds);
            }
            times.Sort();
            double median = times[times.Count / 2];
            int points = Math.Min(lines.RetrievalSpinodal.Count, lines.RetrievalTransition.Count);
            if (r.GetValue(json))
                Cli.Print(new JsonObject { ["seconds"] = median, ["first_seconds"] = first, ["points_per_line_at_least"] = points, ["converged"] = lines.Failures.Count == 0 });
            else
                Console.WriteLine($"three AGS lines (>= {points} points each): {median:F3} s median of {n} (first call, with JIT: {first:F3} s); target < 2 s");
            return 0;
        }));
        return cmd;
    }

    static Command Mc()
    {
        var d = new MonteCarloBenchmark.Settings();
        var neurons = Cli.Option("--neurons", "N", d.Neurons);
        var patterns = Cli.Option("--patterns", "P", d.Patterns);
        var temperature = Cli.Option("--temperature", "T", d.Temperature);
        var sweeps = Cli.Option("--sweeps", "Sweeps per timed run", d.Sweeps);
        var repeats = Cli.Option("--repeats", "Timed runs of each program (medians reported)", d.Repeats);
        var chains = Cli.Option("--chains", "Chains advanced together (aggregate attempts per second)", 1);
        var device = MonteCarloCommands.DeviceOption();
        device.DefaultValueFactory = _ => Devices.Cpu;
        var reference = new Option<string?>("--reference") { Description = "Path of hopfield_mc_ref.c (default: shared/bench found above the working folder)" };
        var json = Cli.JsonOption();
        var cmd = new Command("mc", "Single-chain Metropolis spin-flip attempts per second, beside the reference C program")
            { neurons, patterns, temperature, sweeps, repeats, chains, device, reference, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var s = new MonteCarloBenchmark.Settings(
                Cli.AtLeast(r.GetValue(neurons), 2, "--neurons"), Cli.AtLeast(r.GetValue(patterns), 1, "--patterns"),
                Cli.Positive(r.GetValue(temperature), "--temperature"), Cli.AtLeast(r.GetValue(sweeps), 1, "--sweeps"),
                Cli.AtLeast(r.GetValue(repeats), 1, "--repeats"), 1, r.GetValue(reference),
                Cli.AtLeast(r.GetValue(chains), 1, "--chains"), MonteCarloCommands.ParseDevice(r.GetValue(device)!));
            if (s.Reference is not null && !File.Exists(s.Reference)) throw new UsageException($"--reference: no file '{s.Reference}'");
            var o = MonteCarloBenchmark.Run(s);
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["attempts_per_second"] = o.AttemptsPerSecond,
                    ["reference_attempts_per_second"] = o.ReferenceAttemptsPerSecond,
                    ["ratio"] = o.Ratio,
                    ["neurons"] = s.Neurons, ["patterns"] = s.Patterns, ["temperature"] = s.Temperature, ["sweeps"] = s.Sweeps,
                    ["repeats"] = s.Repeats, ["chains"] = s.Chains, ["device"] = s.Device, ["reference_note"] = o.ReferenceNote,
                });
            else
            {
                Console.WriteLine($"N = {s.Neurons}, P = {s.Patterns}, T = {s.Temperature}, {s.Sweeps} sweeps, {s.Chains} chain(s) on {s.Device}, median of {s.Repeats}");
                Console.WriteLine($"physics (C#):     {o.AttemptsPerSecond:E3} attempts/s");
                if (o.ReferenceAttemptsPerSecond is { } c)
                    Console.WriteLine($"reference (C):    {c:E3} attempts/s\nratio:            {o.Ratio:F2}x");
                else Console.WriteLine($"reference (C):    not measured ({o.ReferenceNote})");
            }
            return 0;
        }));
        return cmd;
    }
}
