using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;
using Physics.Theory;

namespace Physics.Simulation;

/// <summary>
/// Phase-diagram HTML rendered in an isolated AssemblyLoadContext. Notebook kernels (dotnet-repl
/// 0.3.259) preload older FSharp.Core and Giraffe.ViewEngine than Plotly.NET 6 needs, and those
/// win the binding in the default context (MissingMethodException). Here Plotly.NET and its F#
/// dependencies are loaded from this library's own folder instead; only a JSON string and the
/// resulting HTML string cross the boundary.
/// </summary>
public static class IsolatedPlot
{
    sealed record PlotData(AgsPhaseLines? Lines, List<PointResult>? Points, MultitaskLines? Multitask, List<MultitaskPointResult>? MultitaskPoints);

    // Value tuples (the multitask lines) are fields, which System.Text.Json skips unless asked.
    static readonly JsonSerializerOptions Options = new() { IncludeFields = true };

    sealed class FolderContext(string folder) : AssemblyLoadContext("physics-plots")
    {
        protected override Assembly? Load(AssemblyName name)
        {
            var path = Path.Combine(folder, name.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null; // framework assemblies: default context
        }
    }

    static readonly Lazy<MethodInfo> Renderer = new(() =>
    {
        var self = typeof(IsolatedPlot).Assembly.Location;
        var context = new FolderContext(Path.GetDirectoryName(self)!);
        return context.LoadFromAssemblyPath(self).GetType(typeof(IsolatedPlot).FullName!)!
            .GetMethod(nameof(HtmlFromJson), BindingFlags.Public | BindingFlags.Static)!;
    });

    /// <summary>Self-contained HTML (plotly.js inlined) of the phase diagram, safe to call from a notebook kernel.</summary>
    public static string PhaseDiagramHtml(AgsPhaseLines lines, IReadOnlyList<PointResult> points)
        => (string)Renderer.Value.Invoke(null, [JsonSerializer.Serialize(new PlotData(lines, points.ToList(), null, null), Options)])!;

    /// <summary>The multitasking (d, T) diagram, likewise.</summary>
    public static string MultitaskHtml(MultitaskLines lines, IReadOnlyList<MultitaskPointResult> points)
        => (string)Renderer.Value.Invoke(null, [JsonSerializer.Serialize(new PlotData(null, null, lines, points.ToList()), Options)])!;

    /// <summary>Runs inside the isolated context.</summary>
    public static string HtmlFromJson(string json)
    {
        var data = JsonSerializer.Deserialize<PlotData>(json, Options)!;
        var chart = data.Lines is not null
            ? PhaseDiagramPlot.Chart(data.Lines, data.Points!)
            : PhaseDiagramPlot.MultitaskChart(data.Multitask!, data.MultitaskPoints!);
        return PhaseDiagramPlot.SelfContainedHtml(chart);
    }
}
