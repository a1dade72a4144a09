using System.Diagnostics;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using Physics.Theory;
using Plotly.NET;
using Plotly.NET.CSharp;
using XmlNode = Giraffe.ViewEngine.HtmlElements.XmlNode;

namespace Physics.Simulation;

/// <summary>
/// The phase-diagram picture: AGS lines over Monte Carlo points coloured by the condensed overlap.
/// HTML embeds plotly.js (a CDN link renders blank offline); PNG comes from headless Chromium when
/// it is installed.
/// </summary>
public static class PhaseDiagramPlot
{
    static GenericChart Line(string name, IEnumerable<(double X, double Y)> l) =>
        Plotly.NET.CSharp.Chart.Line<double, double, string>(x: l.Select(p => p.X).ToArray(), y: l.Select(p => p.Y).ToArray(), Name: name);

    /// <summary>Monte Carlo points coloured by a value in [low, high], with a colour bar low on the right (the legend stays readable above it).</summary>
    static GenericChart Points(double[] x, double[] y, double[] colour, string[] text, string colourTitle, double low, double high)
    {
        // Marker set through its dynamic members: the F# initialiser takes some thirty optional arguments.
        var marker = new Plotly.NET.TraceObjects.Marker();
        marker.SetProperty("color", colour);
        marker.SetProperty("colorscale", "Viridis");
        marker.SetProperty("cmin", low);
        marker.SetProperty("cmax", high);
        marker.SetProperty("size", 9);
        marker.SetProperty("showscale", true);
        marker.SetProperty("colorbar", new Dictionary<string, object>
        {
            ["title"] = new Dictionary<string, object> { ["text"] = colourTitle },
            ["len"] = 0.6, ["y"] = 0.0, ["yanchor"] = "bottom",
        });
        return Plotly.NET.CSharp.Chart.Point<double, double, string>(x: x, y: y, Name: "Monte Carlo", MultiText: text, Marker: marker);
    }

    public static GenericChart Chart(AgsPhaseLines lines, IReadOnlyList<PointResult> points)
    {
        static IEnumerable<(double, double)> L(IReadOnlyList<LinePoint> l) => l.Select(p => (p.Alpha, p.Temperature));
        var charts = new List<GenericChart>
        {
            Line("T_g (spin glass)", L(lines.GlassTransition)),
            Line("T_M (retrieval spinodal)", L(lines.RetrievalSpinodal)),
            Line("T_c (retrieval is global minimum)", L(lines.RetrievalTransition)),
        };
        if (points.Count > 0)
            charts.Add(Points(points.Select(p => p.Alpha).ToArray(), points.Select(p => p.Temperature).ToArray(), points.Select(p => p.Overlap).ToArray(),
                points.Select(p => $"m = {p.Overlap:F3} ± {p.OverlapError:F3}").ToArray(), "overlap m", 0, 1));
        double alphaMax = Math.Max(0.2, points.Count > 0 ? points.Max(p => p.Alpha) + 0.01 : 0);
        return Plotly.NET.CSharp.Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "load alpha = P/N", MinMax: new Tuple<double, double>(0, alphaMax))
            .WithYAxisStyle<double, double, string>(TitleText: "temperature T", MinMax: new Tuple<double, double>(0, 1.5))
            .WithSize(900, 650);
    }

    /// <summary>The dense (alpha, T) diagram: the RS retrieval spinodal, T_c and the glass transitions over Monte Carlo points coloured by the overlap.</summary>
    public static GenericChart DenseChart(DenseLines lines, IReadOnlyList<PointResult> points)
    {
        var charts = new List<GenericChart>
        {
            Line($"T_M (RS retrieval spinodal, P = {lines.Order})", lines.Spinodal),
            Line("T_low (lower edge of RS retrieval, re-entrance)", lines.LowerEdge),
        };
        // T_c and its lower edge (alpha_t to the tip) drawn as one curve around the region where retrieval is the global minimum.
        if (lines.Thermodynamic.Count > 1)
            charts.Add(Line("T_c (retrieval is the global minimum inside)", [.. lines.Thermodynamic.OrderBy(c => c.Alpha), .. lines.ThermodynamicLower.OrderByDescending(c => c.Alpha)]));
        if (lines.GlassStatic.Count > 1) charts.Add(Line("T_s (static glass transition, 1RSB)", lines.GlassStatic));
        if (lines.GlassDynamical.Count > 1) charts.Add(Line("T_d (dynamical glass transition, 1RSB)", lines.GlassDynamical));
        if (lines.LowerEdgeOneStep.Count > 1)
            charts.Add(Line("1RSB load limit alpha_f(T) (lower edge beyond the 1RSB capacity)", lines.LowerEdgeOneStep));
        if (!double.IsNaN(lines.GroundStateTransition))
            charts.Add(Plotly.NET.CSharp.Chart.Point<double, double, string>(x: [lines.GroundStateTransition], y: [0.0], Name: "T = 0: retrieval is the ground state up to alpha_t"));
        if (!double.IsNaN(lines.AlphaCOneStep))
            charts.Add(Plotly.NET.CSharp.Chart.Point<double, double, string>(x: [lines.AlphaC, lines.AlphaCOneStep], y: [0.0, 0.0], Name: "T = 0 capacity: RS, 1RSB"));
        if (points.Count > 0)
            charts.Add(Points(points.Select(p => p.Alpha).ToArray(), points.Select(p => p.Temperature).ToArray(), points.Select(p => p.Overlap).ToArray(),
                points.Select(p => $"m = {p.Overlap:F3} ± {p.OverlapError:F3}").ToArray(), "overlap m", 0, 1));
        double xMax = Math.Max(Math.Max(lines.AlphaC * 1.3, lines.Spinodal.Max(p => p.Alpha) * 1.05), points.Count > 0 ? points.Max(p => p.Alpha) * 1.05 : 0);
        double yMax = Math.Max(lines.Spinodal.Max(p => p.T) * 1.2, points.Count > 0 ? points.Max(p => p.Temperature) * 1.05 : 0);
        return Plotly.NET.CSharp.Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: $"load alpha = K / N^{lines.Order - 1}", MinMax: new Tuple<double, double>(0, xMax))
            .WithYAxisStyle<double, double, string>(TitleText: "temperature T", MinMax: new Tuple<double, double>(0, yMax))
            .WithSize(900, 650);
    }

    /// <summary>
    /// The multitasking (d, T) diagram: instability lines over Monte Carlo points coloured by how many
    /// patterns are retrieved, the participation ratio (sum m)^2 / sum m^2 of the ranked amplitudes
    /// (1: pure, K: parallel; 0 where the largest amplitude is below 0.1, i.e. paramagnetic).
    /// </summary>
    public static GenericChart MultitaskChart(MultitaskLines lines, IReadOnlyList<MultitaskPointResult> points)
    {
        // Stability boundaries can have several temperatures at one d (upper and lower branches): drawn as points.
        var charts = lines.Lines.Select(l => l.Key.EndsWith("boundary")
            ? Plotly.NET.CSharp.Chart.Point<double, double, string>(x: l.Value.Select(p => p.D).ToArray(), y: l.Value.Select(p => p.T).ToArray(), Name: l.Key.Replace('_', ' '))
            : Line(l.Key.Replace('_', ' '), l.Value)).ToList();
        charts.Add(Line($"T = 0 hierarchical limit d_K = {lines.HierarchicalLimit:F4}", [(lines.HierarchicalLimit, 0), (lines.HierarchicalLimit, 0.05)]));
        if (points.Count > 0)
        {
            static double Participation(double[] m) => m[0] < 0.1 ? 0 : Math.Pow(m.Sum(), 2) / m.Sum(x => x * x);
            charts.Add(Points(points.Select(p => p.Dilution).ToArray(), points.Select(p => p.Temperature).ToArray(),
                points.Select(p => Participation(p.Amplitudes)).ToArray(),
                points.Select(p => "|m| = " + string.Join(", ", p.Amplitudes.Select(a => a.ToString("F3")))).ToArray(),
                "retrieved patterns", 0, lines.Patterns));
        }
        return Plotly.NET.CSharp.Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "dilution d", MinMax: new Tuple<double, double>(0, 1))
            .WithYAxisStyle<double, double, string>(TitleText: "temperature T", MinMax: new Tuple<double, double>(0, 1.05))
            .WithSize(900, 650);
    }

    /// <summary>The modern network's capacity: (d, N) points coloured by the retrieval success rate, and Theorem 3's guaranteed N(d) (log scale).</summary>
    public static GenericChart CapacityChart(IReadOnlyList<CapacityPointResult> points, IReadOnlyList<(int Dimension, double? Bound)> bounds)
    {
        var charts = new List<GenericChart>();
        var valid = bounds.Where(b => b.Bound is > 0).Select(b => ((double)b.Dimension, Math.Log10(b.Bound!.Value))).ToList();
        if (valid.Count > 0) charts.Add(Line("Theorem 3: guaranteed N (log10)", valid));
        if (points.Count > 0)
            charts.Add(Points(points.Select(p => (double)p.Dimension).ToArray(), points.Select(p => Math.Log10(p.Patterns)).ToArray(),
                points.Select(p => p.SuccessRate).ToArray(),
                points.Select(p => $"N = {p.Patterns}: success {p.SuccessRate:F3}, mean error {p.MeanError:E2} M").ToArray(), "success rate", 0, 1));
        return Plotly.NET.CSharp.Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "dimension d")
            .WithYAxisStyle<double, double, string>(TitleText: "log10 N (stored patterns)")
            .WithSize(900, 650);
    }

    /// <summary>Self-contained HTML (plotly.js inlined).</summary>
    public static string SelfContainedHtml(GenericChart chart)
    {
        var display = DisplayOptions.init(FSharpOption<string>.None, FSharpOption<string>.None, FSharpOption<string>.None,
            FSharpOption<XmlNode>.None, FSharpOption<FSharpList<XmlNode>>.None, FSharpOption<FSharpList<XmlNode>>.None,
            PlotlyJSReference.Full);
        return GenericChart.toEmbeddedHTML(GenericChart.addDisplayOptions(display, chart));
    }

    public static void SaveHtml(GenericChart chart, string path) => File.WriteAllText(path, SelfContainedHtml(chart));

    /// <summary>Headless Chromium, if installed (Debian package chromium).</summary>
    public static string? FindChromium()
    {
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(dir, name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Renders an HTML file to PNG with headless Chromium. Returns false (with the reason) when it cannot.</summary>
    public static bool TryRenderPng(string htmlPath, string pngPath, out string reason)
    {
        var chromium = FindChromium();
        if (chromium is null) { reason = "chromium not installed (apt-get install chromium)"; return false; }
        var profile = Directory.CreateTempSubdirectory("physics-chromium-");
        try
        {
            var info = new ProcessStartInfo(chromium)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                         $"--user-data-dir={profile.FullName}", "--window-size=920,670", "--virtual-time-budget=15000",
                         $"--screenshot={Path.GetFullPath(pngPath)}", new Uri(Path.GetFullPath(htmlPath)).AbsoluteUri })
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000)) { process.Kill(true); reason = "chromium timed out"; return false; }
            reason = process.ExitCode == 0 && File.Exists(pngPath) ? "" : $"chromium exited with {process.ExitCode}";
            return reason == "";
        }
        finally
        {
            try { profile.Delete(true); } catch (IOException) { }
        }
    }
}
