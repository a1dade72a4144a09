using System.CommandLine;
using System.Text.Json.Nodes;
using Physics.Simulation;
using Spectre.Console;

namespace Physics.Cli;

/// <summary>`physics phase-diagram hopfield`: theory lines plus a stored, resumable Monte Carlo grid, and the plot.</summary>
public static class PhaseDiagramCommands
{
    public static Command Build()
    {
        var pd = new Command("phase-diagram", "Phase diagrams: theory lines over Monte Carlo points");
        pd.Subcommands.Add(Hopfield());
        pd.Subcommands.Add(Multitask());
        pd.Subcommands.Add(Dense());
        return pd;
    }

    static Command Hopfield()
    {
        var defaults = new PhaseDiagramSettings();
        var neurons = Cli.Option("--neurons", "Number of neurons N", defaults.Neurons);
        var outDir = OutOption("phase-diagram-hopfield");
        var alphas = Cli.Option("--alphas", "Loads of the grid, comma-separated", string.Join(",", defaults.Loads));
        var temperatures = Cli.Option("--temperatures", "Temperatures of the grid, comma-separated", string.Join(",", defaults.Temperatures));
        var common = new RunOptions(defaults.Samples, defaults.MeasurementSweeps, defaults.EquilibrationSweeps, defaults.Seed);
        var cmd = new Command("hopfield", "The classical (alpha, T) phase diagram: AGS lines and a Monte Carlo grid (resumes an interrupted run)")
            { neurons, outDir, alphas, temperatures };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var settings = new PhaseDiagramSettings
            {
                Neurons = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons"),
                Loads = Cli.Numbers(r.GetValue(alphas)!, "--alphas").Select(a => Cli.Positive(a, "--alphas")).ToList(),
                Temperatures = Cli.Numbers(r.GetValue(temperatures)!, "--temperatures").Select(t => Cli.Positive(t, "--temperatures")).ToList(),
                Samples = common.Samples(r), MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Seed = r.GetValue(common.Seed), Threads = common.Threads(r), Dynamics = common.Dynamics(r), Start = common.Start(r),
                Device = common.Device(r),
            };
            settings.Validate();
            string dir = Prepare(r.GetValue(outDir)!, settings.StoreKey());
            return Run(dir, r.GetValue(common.Json), (progress, cancel) =>
            {
                var outcome = PhaseDiagramSweep.Run(settings, dir, progress, cancel);
                File.WriteAllText(Path.Combine(dir, "theory-lines.json"), TheoryCommands.ToJson(outcome.Lines).ToJsonString(Cli.Json));
                return new Written(PhaseDiagramPlot.Chart(outcome.Lines, outcome.Points), outcome.Points.Count, outcome.Computed, outcome.Skipped,
                    new JsonObject { ["alpha_c"] = outcome.Lines.AlphaC, ["m_c"] = outcome.Lines.MC },
                    $"theory: alpha_c(T=0) = {outcome.Lines.AlphaC:F6}, m_c = {outcome.Lines.MC:F6}");
            });
        }));
        return cmd;
    }

    static Command Multitask()
    {
        var defaults = new MultitaskSettings();
        var patterns = Cli.Option("--patterns", "Number of diluted patterns K (2..6)", defaults.Patterns);
        var neurons = Cli.Option("--neurons", "Number of neurons N", defaults.Neurons);
        var outDir = OutOption("phase-diagram-multitask");
        var dilutions = Cli.Option("--dilutions", "Dilutions of the grid, comma-separated", string.Join(",", defaults.Dilutions));
        var temperatures = Cli.Option("--temperatures", "Temperatures of the grid, comma-separated", string.Join(",", defaults.Temperatures));
        var common = new RunOptions(defaults.Samples, defaults.MeasurementSweeps, defaults.EquilibrationSweeps, defaults.Seed);
        var cmd = new Command("multitask", "The multitasking network's (d, T) phase diagram at K patterns: instability lines and a Monte Carlo grid (resumes an interrupted run)")
            { patterns, neurons, outDir, dilutions, temperatures };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var settings = new MultitaskSettings
            {
                Patterns = r.GetValue(patterns),
                Neurons = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons"),
                Dilutions = Cli.Numbers(r.GetValue(dilutions)!, "--dilutions"),
                Temperatures = Cli.Numbers(r.GetValue(temperatures)!, "--temperatures").Select(t => Cli.Positive(t, "--temperatures")).ToList(),
                Samples = common.Samples(r), MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Seed = r.GetValue(common.Seed), Threads = common.Threads(r), Dynamics = common.Dynamics(r), Start = common.Start(r),
                Device = common.Device(r),
            };
            settings.Validate();
            string dir = Prepare(r.GetValue(outDir)!, settings.StoreKey());
            return Run(dir, r.GetValue(common.Json), (progress, cancel) =>
            {
                var outcome = MultitaskSweep.Run(settings, dir, progress, cancel);
                var lines = new JsonObject();
                foreach (var (name, line) in outcome.Lines.Lines) lines[name] = Cli.Pairs(line.Select(p => (p.D, p.T)));
                File.WriteAllText(Path.Combine(dir, "theory-lines.json"),
                    new JsonObject { ["patterns"] = settings.Patterns, ["hierarchical_limit"] = outcome.Lines.HierarchicalLimit, ["lines"] = lines }.ToJsonString(Cli.Json));
                return new Written(PhaseDiagramPlot.MultitaskChart(outcome.Lines, outcome.Points), outcome.Points.Count, outcome.Computed, outcome.Skipped,
                    new JsonObject { ["hierarchical_limit"] = outcome.Lines.HierarchicalLimit },
                    $"theory: T = 0 hierarchical state up to d_K = {outcome.Lines.HierarchicalLimit:F6}");
            });
        }));
        return cmd;
    }

    static Command Dense()
    {
        var defaults = new DenseSettings();
        var p = Cli.Option("--p", "Interaction order P (3 or more)", defaults.Order);
        var neurons = new Option<int?>("--neurons") { Description = "Number of neurons N (K = alpha N^(P-1) patterns; default 120, fewer where the largest load would need more than 5000 patterns: 49 for P = 4, 27 for P = 5, 19 for P = 6)" };
        var outDir = OutOption("phase-diagram-dense");
        var alphas = new Option<string?>("--alphas") { Description = "Loads of the grid, comma-separated (default: 12 up to 1.25 alpha_c(P))" };
        var temperatures = new Option<string?>("--temperatures") { Description = "Temperatures of the grid, comma-separated (default: 14 up to 1.4 times the alpha = 0 spinodal)" };
        var common = new RunOptions(defaults.Samples, defaults.MeasurementSweeps, defaults.EquilibrationSweeps, defaults.Seed, device: false);
        var cmd = new Command("dense", "The dense (P-spin) network's (alpha, T) phase diagram: the RS retrieval spinodal and a Monte Carlo grid (resumes an interrupted run)")
            { p, neurons, outDir, alphas, temperatures };
        common.AddTo(cmd);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var settings = new DenseSettings
            {
                Order = r.GetValue(p) >= 3 ? r.GetValue(p) : throw new UsageException($"--p must be at least 3 (P = 2 is phase-diagram hopfield), not {r.GetValue(p)}"),
                Neurons = r.GetValue(neurons) is { } n ? Cli.AtLeast(n, 3, "--neurons") : 0,
                Loads = r.GetValue(alphas) is { } a ? Cli.Numbers(a, "--alphas").Select(x => Cli.Positive(x, "--alphas")).ToList() : [],
                Temperatures = r.GetValue(temperatures) is { } t ? Cli.Numbers(t, "--temperatures").Select(x => Cli.Positive(x, "--temperatures")).ToList() : [],
                Samples = common.Samples(r), MeasurementSweeps = common.Sweeps(r), EquilibrationSweeps = common.Equilibration(r),
                Seed = r.GetValue(common.Seed), Threads = common.Threads(r), Dynamics = common.Dynamics(r), Start = common.Start(r),
            };
            settings.Validate();
            settings = settings with { Neurons = settings.Resolved().Neurons };
            string dir = Prepare(r.GetValue(outDir)!, settings.StoreKey());
            return Run(dir, r.GetValue(common.Json), (progress, cancel) =>
            {
                var outcome = DenseSweep.Run(settings, dir, progress, cancel);
                File.WriteAllText(Path.Combine(dir, "theory-lines.json"), new JsonObject
                {
                    ["p"] = settings.Order, ["alpha_c"] = outcome.Lines.AlphaC, ["m_c"] = outcome.Lines.MC,
                    ["alpha_c_1rsb"] = double.IsNaN(outcome.Lines.AlphaCOneStep) ? null : outcome.Lines.AlphaCOneStep,
                    ["alpha_t"] = double.IsNaN(outcome.Lines.GroundStateTransition) ? null : outcome.Lines.GroundStateTransition,
                    ["lines"] = new JsonObject
                    {
                        ["T_M"] = Cli.Pairs(outcome.Lines.Spinodal.Select(x => (x.Alpha, x.T))),
                        ["T_low"] = Cli.Pairs(outcome.Lines.LowerEdge.Select(x => (x.Alpha, x.T))),
                        ["alpha_f_1rsb"] = Cli.Pairs(outcome.Lines.LowerEdgeOneStep.Select(x => (x.Alpha, x.T))),
                        ["T_c"] = Cli.Pairs(outcome.Lines.Thermodynamic.Select(x => (x.Alpha, x.T))),
                        ["T_c_lower"] = Cli.Pairs(outcome.Lines.ThermodynamicLower.Select(x => (x.Alpha, x.T))),
                        ["T_s_1rsb"] = Cli.Pairs(outcome.Lines.GlassStatic.Select(x => (x.Alpha, x.T))),
                        ["T_d_1rsb"] = Cli.Pairs(outcome.Lines.GlassDynamical.Select(x => (x.Alpha, x.T))),
                    },
                }.ToJsonString(Cli.Json));
                return new Written(PhaseDiagramPlot.DenseChart(outcome.Lines, outcome.Points), outcome.Points.Count, outcome.Computed, outcome.Skipped,
                    new JsonObject { ["p"] = settings.Order, ["neurons"] = settings.Neurons, ["alpha_c"] = outcome.Lines.AlphaC, ["m_c"] = outcome.Lines.MC },
                    $"N = {settings.Neurons}; theory: alpha_c(P = {settings.Order}, T = 0) = {outcome.Lines.AlphaC:G6} (RS, m_c = {outcome.Lines.MC:F6}), {outcome.Lines.AlphaCOneStep:G6} (1RSB); RS retrieval is re-entrant up to alpha = {outcome.Lines.Spinodal.Max(x => x.Alpha):G4}"
                        + (outcome.Lines.LowerEdgeOneStep.Count > 1 ? $", 1RSB up to {outcome.Lines.LowerEdgeOneStep.Max(x => x.Alpha):G6} (T = {outcome.Lines.LowerEdgeOneStep[^1].T:G2})" : ""));
            });
        }));
        return cmd;
    }

    /// <summary>What a finished sweep hands back for the plot and the report.</summary>
    internal sealed record Written(Plotly.NET.GenericChart Chart, int Points, int Computed, int Skipped, JsonObject Theory, string TheoryLine);

    internal static Option<string> OutOption(string folder) =>
        Cli.Option("--out", "Output folder: results.db (resumable store), phase-diagram.html/.png, theory-lines.json", folder);

    /// <summary>Before any work: the store in dir (if any) must match, and dir must be writable. Returns dir.</summary>
    internal static string Prepare(string dir, IReadOnlyDictionary<string, string> storeKey)
    {
        ResultStore.CheckCompatible(Path.Combine(dir, ResultStore.FileName), storeKey);
        EnsureWritable(dir);
        return dir;
    }

    static void EnsureWritable(string dir)
    {
        try
        {
            Directory.CreateDirectory(dir);
            var probe = Path.Combine(dir, $".write-probe-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new UsageException($"--out: cannot write to '{dir}' ({e.Message.Split('\n')[0]})");
        }
    }

    /// <summary>Runs a sweep with a progress bar on a terminal (quiet otherwise), stops cleanly on Ctrl-C, then writes the plot.</summary>
    internal static int Run(string dir, bool json, Func<IProgress<(int Done, int Total)>?, CancellationToken, Written> sweep)
    {
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel;
        Written written;
        try
        {
            bool interactive = !json && !Console.IsOutputRedirected && !Console.IsErrorRedirected;
            if (interactive)
            {
                written = null!;
                AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask("Monte Carlo grid");
                        written = sweep(new Progress<(int Done, int Total)>(p => { task.MaxValue = p.Total; task.Value = p.Done; }), cancel.Token);
                        task.Value = task.MaxValue;
                    });
            }
            else written = sweep(null, cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("interrupted: finished points are stored; run the same command again to resume");
            return Cli.Interrupted;
        }
        finally { Console.CancelKeyPress -= onCancel; }

        string html = Path.Combine(dir, "phase-diagram.html"), png = Path.Combine(dir, "phase-diagram.png");
        PhaseDiagramPlot.SaveHtml(written.Chart, html);
        bool rendered = PhaseDiagramPlot.TryRenderPng(html, png, out var why);
        if (json)
        {
            var o = new JsonObject
            {
                ["out"] = Path.GetFullPath(dir), ["store"] = Path.GetFullPath(Path.Combine(dir, ResultStore.FileName)),
                ["points"] = written.Points, ["computed"] = written.Computed, ["skipped"] = written.Skipped,
                ["html"] = Path.GetFullPath(html), ["png"] = rendered ? Path.GetFullPath(png) : null,
            };
            foreach (var (key, value) in written.Theory) o[key] = value?.DeepClone();
            Cli.Print(o);
        }
        else
        {
            Console.WriteLine($"{written.Points} grid points in {Path.Combine(dir, ResultStore.FileName)} ({written.Computed} computed now, {written.Skipped} already stored)");
            Console.WriteLine($"{written.TheoryLine}; lines in {Path.Combine(dir, "theory-lines.json")}");
            Console.WriteLine($"plot: {html}" + (rendered ? $" and {png}" : $" (no PNG: {why})"));
        }
        return 0;
    }
}
