using System.CommandLine;
using Physics.Cli;

// Every failure a user can cause ends as one line on stderr naming the option, and exit code 2.
var root = new RootCommand("Physics: statistical mechanics of associative memories (theory and Monte Carlo).")
{
    TheoryCommands.Build(),
    MonteCarloCommands.Build(),
    PhaseDiagramCommands.Build(),
    BenchCommands.Build(),
    ModernCommands.Build(),
};
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    Console.Error.WriteLine($"error: {parsed.Errors[0].Message}");
    return Cli.UsageError;
}
try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (UsageException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return Cli.UsageError;
}
catch (Physics.Theory.NonConvergenceException e)
{
    // A solver that does not converge is not the user's error: one line (and the JSON object where asked), exit code 1.
    string message = e.Message.Split('\n')[0];
    if (args.Contains("--json")) Console.WriteLine(new System.Text.Json.Nodes.JsonObject { ["not_converged"] = new System.Text.Json.Nodes.JsonArray(message) }.ToJsonString());
    Console.Error.WriteLine($"not converged: {message}");
    return 1;
}
