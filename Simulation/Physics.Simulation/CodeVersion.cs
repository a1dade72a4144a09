using System.Reflection;

namespace Physics.Simulation;

/// <summary>The version stamped on every stored result (informational version, with the commit when built from git).</summary>
public static class CodeVersion
{
    public static string Current { get; } =
        typeof(CodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
}
