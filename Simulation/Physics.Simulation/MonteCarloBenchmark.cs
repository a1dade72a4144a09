using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physics.MonteCarlo;
using Physics.Networks;

namespace Physics.Simulation;

/// <summary>
/// Single-chain Metropolis throughput of the classical model against the reference C program
/// (shared/bench/hopfield_mc_ref.c: the same algorithm, gcc -O3 -march=native), measured
/// alternately in one run so that both see the same machine load. Medians are reported.
/// </summary>
public static class MonteCarloBenchmark
{
    public sealed record Settings(int Neurons = 4000, int Patterns = 400, double Temperature = 0.5, int Sweeps = 200, int Repeats = 5, ulong Seed = 1, string? Reference = null,
        int Chains = 1, string Device = Devices.Cpu);

    public sealed record Outcome(double AttemptsPerSecond, double? ReferenceAttemptsPerSecond, string? ReferenceNote, double[] Ours, double[] Theirs)
    {
        public double? Ratio => ReferenceAttemptsPerSecond is { } r ? AttemptsPerSecond / r : null;
    }

    /// <summary>
    /// One timed run of our sampler: chains started in pattern 1, as the reference does. One native
    /// chain runs alone on one core; several run as an ensemble on the device (aggregate rate).
    /// </summary>
    public static double Ours(PatternSet patterns, Settings s)
    {
        if (s.Chains == 1 && s.Device == Devices.Cpu)
        {
            var chain = new HebbianChain(patterns, s.Temperature, Dynamics.Metropolis, s.Seed, 0, 0, InitialState.Pattern);
            var clock = Stopwatch.StartNew();
            for (int t = 0; t < s.Sweeps; t++) chain.Sweep();
            return chain.Attempts / clock.Elapsed.TotalSeconds;
        }
        var specs = Enumerable.Range(0, s.Chains).Select(c => new ChainSpec(0, c, s.Temperature, InitialState.Pattern)).ToList();
        using var ensemble = Devices.Create(s.Device, new EnsembleSetup([patterns], specs, Dynamics.Metropolis, s.Seed));
        ensemble.Sweep(1); // kernel compilation and first touch stay outside the timing
        var timer = Stopwatch.StartNew();
        ensemble.Sweep(s.Sweeps);
        return (double)s.Chains * s.Neurons * s.Sweeps / timer.Elapsed.TotalSeconds;
    }

    public static Outcome Run(Settings s)
    {
        var patterns = PatternSet.Random(s.Neurons, s.Patterns, s.Seed, 0);
        Ours(patterns, s with { Sweeps = Math.Max(1, s.Sweeps / 10) }); // JIT warm-up
        string? binary = CompileReference(s.Reference, out var note);
        var ours = new List<double>();
        var theirs = new List<double>();
        for (int k = 0; k < s.Repeats; k++)
        {
            if (binary is not null)
            {
                var r = RunReference(binary, s);
                if (r is null) { note = "reference program failed to run"; binary = null; }
                else theirs.Add(r.Value);
            }
            ours.Add(Ours(patterns, s));
        }
        if (binary is not null) File.Delete(binary);
        return new Outcome(Median(ours), theirs.Count > 0 ? Median(theirs) : null, note, ours.ToArray(), theirs.ToArray());
    }

    static double Median(List<double> x)
    {
        var s = x.OrderBy(v => v).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : 0.5 * (s[s.Count / 2 - 1] + s[s.Count / 2]);
    }

    /// <summary>The reference source: given, or shared/bench/hopfield_mc_ref.c found beside or above the working folder.</summary>
    public static string? FindReference(string? given)
    {
        if (given is not null) return File.Exists(given) ? given : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                foreach (var candidate in new[] { Path.Combine(dir.FullName, "shared", "bench", "hopfield_mc_ref.c"), Path.Combine(dir.FullName, "..", "shared", "bench", "hopfield_mc_ref.c") })
                    if (File.Exists(candidate)) return Path.GetFullPath(candidate);
        return null;
    }

    static string? CompileReference(string? given, out string? note)
    {
        var source = FindReference(given);
        if (source is null) { note = "reference source shared/bench/hopfield_mc_ref.c not found (pass --reference)"; return null; }
        var binary = Path.Combine(Path.GetTempPath(), $"hopfield_mc_ref_{Environment.ProcessId}");
        var (code, _) = Execute("gcc", ["-O3", "-march=native", "-o", binary, source, "-lm"]);
        note = code == 0 ? null : "gcc failed to build the reference program";
        return code == 0 ? binary : null;
    }

    static double? RunReference(string binary, Settings s)
    {
        var (code, output) = Execute(binary, [s.Neurons.ToString(CultureInfo.InvariantCulture), s.Patterns.ToString(CultureInfo.InvariantCulture),
            s.Temperature.ToString("R", CultureInfo.InvariantCulture), s.Sweeps.ToString(CultureInfo.InvariantCulture), s.Seed.ToString(CultureInfo.InvariantCulture)]);
        if (code != 0) return null;
        using var doc = JsonDocument.Parse(output);
        return doc.RootElement.GetProperty("attempts_per_s").GetDouble();
    }

    static (int Code, string Output) Execute(string file, string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args) info.ArgumentList.Add(a);
            using var p = Process.Start(info)!;
            var output = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return (p.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception) { return (-1, ""); }
    }
}
