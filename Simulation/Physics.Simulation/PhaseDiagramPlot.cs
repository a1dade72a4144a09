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
    public static GenericChart Chart(AgsPhaseLines lines, IReadOnlyList<PointResult> points)
    {
        GenericChart Line(string name, IReadOnlyList<LinePoint> l) =>
            Plotly.NET.CSharp.Chart.Line<double, double, string>(x: l.Select(p => p.Alpha).ToArray(), y: l.Select(p => p.Temperature).ToArray(), Name: name);
        var charts = new List<GenericChart>
        {
            Line("T_g (spin glass)", lines.GlassTransition),
            Line("T_M (retrieval spinodal)", lines.RetrievalSpinodal),
            Line("T_c (retrieval is global minimum)", lines.RetrievalTransition),
        };
        if (points.Count > 0)
        {
            // Marker set through its dynamic members: the F# initialiser takes some thirty optional arguments.
            var marker = new Plotly.NET.TraceObjects.Marker();
            marker.SetProperty("color", points.Select(p => p.Overlap).ToArray());
            marker.SetProperty("colorscale", "Viridis");
            marker.SetProperty("cmin", 0.0);
            marker.SetProperty("cmax", 1.0);
            marker.SetProperty("size", 9);
            marker.SetProperty("showscale", true);
            // The colour bar sits low on the right so that the legend above it stays readable.
            marker.SetProperty("colorbar", new Dictionary<string, object>
            {
                ["title"] = new Dictionary<string, object> { ["text"] = "overlap m" },
                ["len"] = 0.6, ["y"] = 0.0, ["yanchor"] = "bottom",
            });
            charts.Add(Plotly.NET.CSharp.Chart.Point<double, double, string>(
                x: points.Select(p => p.Alpha).ToArray(), y: points.Select(p => p.Temperature).ToArray(),
                Name: "Monte Carlo", MultiText: points.Select(p => $"m = {p.Overlap:F3} ± {p.OverlapError:F3}").ToArray(), Marker: marker));
        }
        double alphaMax = Math.Max(0.2, points.Count > 0 ? points.Max(p => p.Alpha) + 0.01 : 0);
        return Plotly.NET.CSharp.Chart.Combine(charts)
            .WithXAxisStyle<double, double, string>(TitleText: "load alpha = P/N", MinMax: new Tuple<double, double>(0, alphaMax))
            .WithYAxisStyle<double, double, string>(TitleText: "temperature T", MinMax: new Tuple<double, double>(0, 1.5))
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
