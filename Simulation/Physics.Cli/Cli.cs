using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Physics.Cli;

/// <summary>A mistake in the command line or its values: reported as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Shared option builders, validation and JSON output.</summary>
public static class Cli
{
    public const int UsageError = 2;
    public const int Interrupted = 130;

    public static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static Option<bool> JsonOption() => new("--json") { Description = "Print exactly one JSON object on stdout" };

    public static Option<T> Option<T>(string name, string description, T defaultValue) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<T> Required<T>(string name, string description) =>
        new(name) { Description = description, Required = true };

    /// <summary>Runs an action, turning argument errors into usage errors.</summary>
    public static int Guard(Func<int> action)
    {
        try { return action(); }
        catch (ArgumentException e) { throw new UsageException(FirstLine(e.Message)); }
        catch (Physics.Simulation.IncompatibleStoreException e) { throw new UsageException(FirstLine(e.Message)); }
    }

    static string FirstLine(string s) => s.Split('\n')[0].Replace(" (Parameter", " (parameter").TrimEnd();

    public static double Positive(double value, string option)
        => value > 0 && !double.IsInfinity(value) ? value : throw new UsageException($"{option} must be a positive finite number, not {Format(value)}");

    public static double NonNegative(double value, string option)
        => value >= 0 && !double.IsInfinity(value) ? value : throw new UsageException($"{option} must be a finite number >= 0, not {Format(value)}");

    /// <summary>
    /// A temperature for the finite-T replica theory: T = 0 (where it has closed forms) or T &gt;=
    /// <see cref="Physics.Theory.FieldMoments.SmallestTemperature"/> times the model's temperature scale.
    /// </summary>
    public static double TheoryTemperature(double value, bool zeroAllowed, double scale = 1)
    {
        double smallest = Physics.Theory.FieldMoments.SmallestTemperature * scale;
        if ((zeroAllowed && value == 0) || (value >= smallest && !double.IsInfinity(value))) return value;
        throw new UsageException($"--temperature must be {(zeroAllowed ? "0 or " : "")}a finite number >= {smallest:G3} (below it the equations lose their digits), not {Format(value)}");
    }

    public static int AtLeast(int value, int least, string option)
        => value >= least ? value : throw new UsageException($"{option} must be at least {least}, not {value}");

    public static string Format(double x) => x.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A comma-separated list of numbers.</summary>
    public static List<double> Numbers(string text, string option)
    {
        var list = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
                throw new UsageException($"{option}: '{part}' is not a number");
            list.Add(x);
        }
        if (list.Count == 0) throw new UsageException($"{option} needs at least one number");
        return list;
    }

    public static void Print(JsonObject o) => Console.Out.WriteLine(o.ToJsonString(Json));

    /// <summary>A number for JSON (NaN and infinities become null: JSON has no such numbers).</summary>
    public static JsonNode? Number(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;

    public static JsonArray Pairs(IEnumerable<(double, double)> points)
        => new(points.Select(p => (JsonNode)new JsonArray(Number(p.Item1), Number(p.Item2))).ToArray());
}
