using System.Diagnostics;
using System.Text.Json;

namespace Physics.Simulation.Tests;

/// <summary>Runs the built `physics` program (physics.dll beside the tests) as a user would.</summary>
internal static class PhysicsProgram
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "physics.dll");

    public static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static JsonElement Json(params string[] args)
    {
        var (code, output, err) = Run([.. args, "--json"]);
        Assert.True(code == 0, $"exit {code}: {err}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        return JsonDocument.Parse(lines[0]).RootElement.Clone();
    }

    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "physics-tests-" + Guid.NewGuid().ToString("N"));
        return d;
    }
}
