using System.CommandLine;
using Physics.Theory;

namespace Physics.Cli;

/// <summary>The flags `theory learning` and `mc learning` share, declared and validated once.</summary>
public sealed class LearningOptions
{
    readonly Option<double> quality = Cli.Required<double>("--quality", "Example quality r in (0, 1]: P(chi = +-1) = (1 +- r)/2");
    readonly Option<int> examples = Cli.Required<int>("--examples", "Examples per archetype M >= 1");
    readonly Option<double> dilution = Cli.Option("--dilution", "Dilution d = P(xi = 0), in [0, 1)", 0.0);
    readonly Option<int> patterns;
    readonly Option<double> temperature = Cli.Required<double>("--temperature", "Temperature T > 0 (couplings normalised by R = r^2 (1 + rho))");
    readonly Option<string> protocol = Cli.Option("--protocol", "Learning rule: supervised (example averages) or unsupervised (every example)", Learning.Supervised);

    public LearningOptions(string patternsHelp, int defaultPatterns) => patterns = Cli.Option("--patterns", patternsHelp, defaultPatterns);

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option[] { quality, examples, dilution, patterns, temperature, protocol }) cmd.Options.Add(o);
    }

    public double Quality(ParseResult r) => r.GetValue(quality) is var q && q > 0 && q <= 1 ? q : throw new UsageException($"--quality must lie in (0, 1], not {Cli.Format(r.GetValue(quality))}");
    public int Examples(ParseResult r) => Cli.AtLeast(r.GetValue(examples), 1, "--examples");
    public double Dilution(ParseResult r) => r.GetValue(dilution) is var d && d >= 0 && d < 1 ? d : throw new UsageException($"--dilution must lie in [0, 1), not {Cli.Format(r.GetValue(dilution))}");
    public int Patterns(ParseResult r) => Cli.AtLeast(r.GetValue(patterns), 1, "--patterns");
    public double Temperature(ParseResult r) => Cli.Positive(r.GetValue(temperature), "--temperature");

    /// <summary>The rule's name, supervised or unsupervised.</summary>
    public string Protocol(ParseResult r) => r.GetValue(protocol) is Learning.Supervised or Learning.Unsupervised
        ? r.GetValue(protocol)! : throw new UsageException($"--protocol must be supervised or unsupervised, not '{r.GetValue(protocol)}'");
}
