using System.CommandLine;
using System.Text.Json.Nodes;
using Physics.MonteCarlo;

namespace Physics.Cli;

/// <summary>`physics mc ...`: Monte Carlo simulation.</summary>
public static class MonteCarloCommands
{
    public static Command Build()
    {
        var mc = new Command("mc", "Monte Carlo simulation");
        mc.Subcommands.Add(Hopfield());
        return mc;
    }

    public static Option<string> DynamicsOption() =>
        Cli.Option("--dynamics", "Single-spin-flip dynamics: metropolis or heat-bath (Glauber)", "metropolis");

    public static Option<string> StartOption() =>
        Cli.Option("--start", "Initial state: pattern (retrieval, reports m_1) or random (reports max |m_mu|)", "pattern");

    public static Dynamics ParseDynamics(string s) => s switch
    {
        "metropolis" => Dynamics.Metropolis,
        "heat-bath" or "glauber" => Dynamics.HeatBath,
        _ => throw new UsageException($"--dynamics must be metropolis or heat-bath, not '{s}'"),
    };

    public static InitialState ParseStart(string s) => s switch
    {
        "pattern" => InitialState.Pattern,
        "random" => InitialState.Random,
        _ => throw new UsageException($"--start must be pattern or random, not '{s}'"),
    };

    static Command Hopfield()
    {
        var neurons = Cli.Option("--neurons", "Number of neurons N", 1000);
        var alpha = Cli.Required<double>("--alpha", "Load alpha = P/N (P = round(alpha N))");
        var temperature = Cli.Required<double>("--temperature", "Temperature T > 0");
        var sweeps = Cli.Option("--sweeps", "Measurement sweeps (N attempts each)", 1000);
        var equilibration = Cli.Option("--equilibration", "Equilibration sweeps before measuring", 500);
        var samples = Cli.Option("--samples", "Disorder samples (independent pattern sets)", 4);
        var chains = Cli.Option("--chains", "Chains per disorder sample", 1);
        var seed = Cli.Option("--seed", "Seed: (seed, sample, chain) fixes every random number", 1UL);
        var threads = Cli.Option("--threads", "Worker threads (0: all cores); results do not depend on it", 0);
        var dynamics = DynamicsOption();
        var start = StartOption();
        var json = Cli.JsonOption();
        var cmd = new Command("hopfield", "Monte Carlo of the classical Hopfield model: condensed overlap, energy, acceptance")
            { neurons, alpha, temperature, sweeps, equilibration, samples, chains, seed, threads, dynamics, start, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int n = Cli.AtLeast(r.GetValue(neurons), 2, "--neurons");
            double a = Cli.Positive(r.GetValue(alpha), "--alpha");
            double t = Cli.Positive(r.GetValue(temperature), "--temperature");
            var run = new HopfieldRun
            {
                Neurons = n,
                Patterns = HopfieldRun.PatternsFor(n, a),
                Temperature = t,
                MeasurementSweeps = Cli.AtLeast(r.GetValue(sweeps), 1, "--sweeps"),
                EquilibrationSweeps = Cli.AtLeast(r.GetValue(equilibration), 0, "--equilibration"),
                Samples = Cli.AtLeast(r.GetValue(samples), 1, "--samples"),
                ChainsPerSample = Cli.AtLeast(r.GetValue(chains), 1, "--chains"),
                Seed = r.GetValue(seed),
                Dynamics = ParseDynamics(r.GetValue(dynamics)!),
                Start = ParseStart(r.GetValue(start)!),
            };
            var result = HopfieldSimulation.Run(run, Cli.AtLeast(r.GetValue(threads), 0, "--threads"));
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["overlap"] = result.Overlap.Mean, ["overlap_error"] = Cli.Number(result.Overlap.Error),
                    ["energy"] = result.Energy.Mean, ["energy_error"] = Cli.Number(result.Energy.Error),
                    ["acceptance"] = result.Acceptance, ["attempts_per_second"] = result.AttemptsPerSecond,
                    ["neurons"] = run.Neurons, ["patterns"] = run.Patterns, ["alpha"] = (double)run.Patterns / run.Neurons,
                    ["temperature"] = t, ["samples"] = run.Samples, ["chains"] = run.ChainsPerSample, ["seed"] = run.Seed,
                    ["device"] = "cpu", ["final_state_sha256"] = result.FinalStateSha256,
                });
            else
            {
                Console.WriteLine($"Hopfield Monte Carlo: N = {run.Neurons}, P = {run.Patterns} (alpha = {(double)run.Patterns / run.Neurons:G4}), T = {t}, {run.Samples} samples x {run.ChainsPerSample} chains");
                Console.WriteLine($"condensed overlap  m = {result.Overlap.Mean:F5} +- {result.Overlap.Error:F5}");
                Console.WriteLine($"energy per spin    e = {result.Energy.Mean:F6} +- {result.Energy.Error:F6}");
                Console.WriteLine($"acceptance           = {result.Acceptance:F4}");
                Console.WriteLine($"attempts per second  = {result.AttemptsPerSecond:E3}");
            }
            return 0;
        }));
        return cmd;
    }
}
