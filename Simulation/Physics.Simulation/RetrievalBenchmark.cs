using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physics.Networks;

namespace Physics.Simulation;

/// <summary>
/// Batched retrieval (B queries against N stored patterns of dimension d: two matrix products and a
/// softmax) beside NumPy on the same shapes, measured alternately in one run; medians reported.
/// </summary>
public static class RetrievalBenchmark
{
    public sealed record Settings(int Patterns = 10000, int Dimension = 256, int Queries = 1024, int Repeats = 5, string Device = "cpu");

    /// <summary>Rates in queries per second: ours (on the device asked for), the CPU BLAS path when the device is an accelerator, NumPy.</summary>
    public sealed record Outcome(double QueriesPerSecond, double? NumpyQueriesPerSecond, string Provider, string? Note)
    {
        public double? Ratio => NumpyQueriesPerSecond is { } n ? QueriesPerSecond / n : null;
        public string Device { get; init; } = "cpu";
        public double? CpuBlasQueriesPerSecond { get; init; }
    }

    const string NumpyScript = """
        import json, sys, time
        import numpy as np
        n, d, b, reps = (int(a) for a in sys.argv[1:5])
        rng = np.random.default_rng(1)
        x = rng.standard_normal((n, d)); q = rng.standard_normal((b, d)); beta = 1.0 / np.sqrt(d)
        def run():
            s = beta * (q @ x.T)
            s -= s.max(axis=1, keepdims=True)
            np.exp(s, out=s)
            s /= s.sum(axis=1, keepdims=True)
            return s @ x
        run()
        times = []
        for _ in range(reps):
            t = time.perf_counter(); run(); times.append(time.perf_counter() - t)
        print(json.dumps({"seconds": sorted(times)[len(times) // 2]}))
        """;

    public static Outcome Run(Settings s)
    {
        var net = new ModernHopfield(ModernHopfield.RandomSphere(s.Patterns, s.Dimension, Math.Sqrt(s.Dimension), 1), 1 / Math.Sqrt(s.Dimension));
        var queries = ModernHopfield.RandomSphere(s.Queries, s.Dimension, Math.Sqrt(s.Dimension), 1, stream: 1).SelectMany(v => v).ToArray();
        net.UpdateBatch(queries, s.Queries); // warm-up
        string device = Physics.MonteCarlo.Devices.Resolve(s.Device);
        using var accelerated = device == Physics.MonteCarlo.Devices.Cpu ? null
            : new Physics.MonteCarlo.IlgpuRetrieval(Enumerable.Range(0, s.Patterns).SelectMany(net.Pattern).ToArray(), s.Patterns, s.Dimension, device == Physics.MonteCarlo.Devices.Cuda);
        accelerated?.Retrieve(queries, s.Queries, net.Beta); // kernel compilation outside the timing
        var ours = new List<double>();
        var blas = new List<double>();
        var theirs = new List<double>();
        string? note = Blas.NativeUnavailable;
        for (int r = 0; r < s.Repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            net.UpdateBatch(queries, s.Queries);
            blas.Add(clock.Elapsed.TotalSeconds);
            if (accelerated is not null)
            {
                clock.Restart();
                accelerated.Retrieve(queries, s.Queries, net.Beta);
                ours.Add(clock.Elapsed.TotalSeconds);
            }
            if (theirs.Count == r && Numpy(s) is { } t) theirs.Add(t);
        }
        if (theirs.Count == 0) note = (note is null ? "" : note + "; ") + "NumPy not found (apt-get install python3-numpy)";
        double Median(List<double> x) { x.Sort(); return x[x.Count / 2]; }
        double? numpy = theirs.Count > 0 ? s.Queries / Median(theirs) : null;
        if (accelerated is null) return new Outcome(s.Queries / Median(blas), numpy, Blas.Provider.Name, note);
        return new Outcome(s.Queries / Median(ours), numpy, accelerated.Device, note) { Device = device, CpuBlasQueriesPerSecond = s.Queries / Median(blas) };
    }

    static double? Numpy(Settings s)
    {
        foreach (var python in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var info = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "-c", NumpyScript, s.Patterns.ToString(CultureInfo.InvariantCulture), s.Dimension.ToString(CultureInfo.InvariantCulture),
                             s.Queries.ToString(CultureInfo.InvariantCulture), "1" })
                    info.ArgumentList.Add(a);
                using var p = Process.Start(info)!;
                string output = p.StandardOutput.ReadToEnd();
                p.StandardError.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0) continue;
                return JsonDocument.Parse(output).RootElement.GetProperty("seconds").GetDouble();
            }
            catch (System.ComponentModel.Win32Exception) { }
        }
        return null;
    }
}
