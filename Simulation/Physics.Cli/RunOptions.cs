using System.CommandLine;
using Physics.MonteCarlo;

namespace Physics.Cli;

/// <summary>
/// The options every Monte Carlo command shares (samples, sweeps, equilibration, seed, threads, dynamics,
/// start, device, --json), declared once with their validation. Commands that run on the native CPU only
/// leave --device out.
/// </summary>
public sealed class RunOptions(int samples, int sweeps, int equilibration, ulong seed, bool device = true)
{
    readonly Option<int> samplesOption = Cli.Option("--samples", "Disorder samples (independent pattern sets)", samples);
    readonly Option<int> sweepsOption = Cli.Option("--sweeps", "Measurement sweeps per chain (N attempts each)", sweeps);
    readonly Option<int> equilibrationOption = Cli.Option("--equilibration", "Equilibration sweeps per chain", equilibration);
    readonly Option<int> threadsOption = Cli.Option("--threads", "Worker threads (0: all cores); results do not depend on it", 0);
    readonly Option<string> dynamicsOption = MonteCarloCommands.DynamicsOption();
    readonly Option<string> startOption = MonteCarloCommands.StartOption();
    readonly Option<string>? deviceOption = device ? MonteCarloCommands.DeviceOption() : null;

    /// <summary>Seed: (seed, sample, chain) fixes every random number.</summary>
    public Option<ulong> Seed { get; } = Cli.Option("--seed", "Seed: (seed, sample, chain) fixes every random number", seed);
    public Option<bool> Json { get; } = Cli.JsonOption();

    public void AddTo(Command cmd)
    {
        foreach (Option o in new Option?[] { samplesOption, sweepsOption, equilibrationOption, Seed, threadsOption, dynamicsOption, startOption, deviceOption, Json }.OfType<Option>())
            cmd.Options.Add(o);
    }

    public int Samples(ParseResult r) => Cli.AtLeast(r.GetValue(samplesOption), 1, "--samples");
    public int Sweeps(ParseResult r) => Cli.AtLeast(r.GetValue(sweepsOption), 1, "--sweeps");
    public int Equilibration(ParseResult r) => Cli.AtLeast(r.GetValue(equilibrationOption), 0, "--equilibration");
    public int Threads(ParseResult r) => Cli.AtLeast(r.GetValue(threadsOption), 0, "--threads");
    public Dynamics Dynamics(ParseResult r) => MonteCarloCommands.ParseDynamics(r.GetValue(dynamicsOption)!);
    public InitialState Start(ParseResult r) => MonteCarloCommands.ParseStart(r.GetValue(startOption)!);
    /// <summary>The resolved device (cpu for commands without --device).</summary>
    public string Device(ParseResult r) => deviceOption is null ? Devices.Cpu : MonteCarloCommands.ParseDevice(r.GetValue(deviceOption)!);
}
