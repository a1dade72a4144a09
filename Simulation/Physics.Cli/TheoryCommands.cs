using System.CommandLine;
using System.Text.Json.Nodes;
using Physics.Theory;

namespace Physics.Cli;

/// <summary>`physics theory ...`: the replica theory (RS, 1RSB, low-load mean field).</summary>
public static class TheoryCommands
{
    public static Command Build()
    {
        var theory = new Command("theory", "Replica theory of associative memories");
        theory.Subcommands.Add(Point());
        theory.Subcommands.Add(Lines());
        theory.Subcommands.Add(DensePoint());
        theory.Subcommands.Add(DenseCapacity());
        theory.Subcommands.Add(MultitaskPoint());
        theory.Subcommands.Add(MultitaskLines());
        theory.Subcommands.Add(LearningPoint());
        return theory;
    }

    static int Order(int p) => p is >= 2 and <= Dense.MaxOrder ? p : throw new UsageException($"--p must lie in 2..{Dense.MaxOrder}, not {p}");

    static Option<int> RsbOption() => Cli.Option("--rsb", "Level of replica symmetry breaking: 0 (RS) or 1 (one step)", 0);

    static int Rsb(int level) => level is 0 or 1 ? level : throw new UsageException($"--rsb must be 0 or 1, not {level}");

    static Command DensePoint()
    {
        var p = Cli.Required<int>("--p", "Interaction order P (2 is the classical model)");
        var alpha = Cli.Required<double>("--alpha", "Load alpha = K / N^(P-1)");
        var temperature = Cli.Required<double>("--temperature", "Temperature T (> 0 for RS; >= 0 with --rsb 1)");
        var rsb = RsbOption();
        var json = Cli.JsonOption();
        var cmd = new Command("dense", "Retrieval state of the dense (P-spin) network, distinct-index convention, RS or 1RSB") { p, alpha, temperature, rsb, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int order = Order(r.GetValue(p)), level = Rsb(r.GetValue(rsb));
            double a = Cli.NonNegative(r.GetValue(alpha), "--alpha");
            double t = Cli.TheoryTemperature(r.GetValue(temperature), zeroAllowed: level == 1, Dense.TemperatureScale(order));
            JsonObject? retrieval;
            string line;
            if (level == 0)
            {
                var state = Dense.Retrieval(order, a, t);
                retrieval = state is null ? null : new JsonObject { ["m"] = state.M, ["q"] = state.Q, ["free_energy"] = state.FreeEnergy };
                line = state is null ? "no retrieval state" : $"m = {state.M:F6}, q = {state.Q:F6}, f = {state.FreeEnergy:F7} (RS)";
            }
            else
            {
                if (a == 0) throw new UsageException("--alpha must be > 0 with --rsb 1 (at zero load there is no glassy noise to break)");
                var state = OneStepRsb.Solve(order, a, t);
                retrieval = state is null ? null : Describe(state);
                line = state is null ? "no retrieval state"
                    : !state.Broken ? $"m = {state.M:F6}, q = {state.Q0:F6}, f = {state.FreeEnergy:F7} (RS: the breaking vanishes here)"
                    : $"m = {state.M:F6}, q0 = {state.Q0:F6}, q1 = {state.Q1:F6}, {(t == 0 ? $"mu = beta theta = {state.Mu:F4}" : $"theta = {state.Theta:F6}")}, f = {state.FreeEnergy:F7} (1RSB)";
            }
            var result = new JsonObject { ["p"] = order, ["alpha"] = a, ["temperature"] = t, ["rsb"] = level, ["retrieval"] = retrieval };
            string? failure = null;
            var transitions = order > 2 && t > 0 ? DenseGlass.Transitions(order) : null;
            GlassState? glass = null;
            try { if (transitions is not null) glass = DenseGlass.State(order, a, t, transitions); }
            catch (NonConvergenceException e) { failure = e.Message; }
            if (failure is not null)
            {
                result["not_converged"] = new JsonArray((JsonNode)failure);
                line += $"; not converged: {failure}";
            }
            if (transitions is not null && glass is not null)
            {
                // The phase retrieval competes with: the paramagnet above the static glass transition, the 1RSB glass below.
                double scale = DenseGlass.Scale(order, a);
                result["glass"] = new JsonObject
                {
                    ["phase"] = glass.Frozen ? "glass" : "paramagnet", ["q1"] = glass.Q1, ["theta"] = glass.Theta, ["free_energy"] = glass.FreeEnergy,
                    ["static_temperature"] = transitions.Static * scale, ["dynamical_temperature"] = transitions.Dynamical * scale,
                };
                if (retrieval?["free_energy"]?.GetValue<double>() is double fr)
                {
                    result["retrieval_global_minimum"] = fr < glass.FreeEnergy;
                    line += fr < glass.FreeEnergy ? "; the global minimum" : $"; metastable ({(glass.Frozen ? "glass" : "paramagnet")} f = {glass.FreeEnergy:F7})";
                }
                else line += $"; {(glass.Frozen ? $"glass, q1 = {glass.Q1:F6}, theta = {glass.Theta:F6}" : "paramagnet")}, f = {glass.FreeEnergy:F7}";
            }
            if (r.GetValue(json)) Cli.Print(result);
            else Console.WriteLine($"P = {order}, alpha = {a}, T = {t}: {line}");
            return failure is null ? 0 : 1;
        }));
        return cmd;
    }

    static JsonObject Describe(RsbState s)
    {
        var o = new JsonObject { ["m"] = s.M, ["q0"] = s.Q0, ["q1"] = s.Q1, ["free_energy"] = s.FreeEnergy, ["broken"] = s.Broken };
        if (s.Temperature > 0) o["theta"] = s.Theta;
        else { if (!double.IsNaN(s.Mu)) o["mu"] = s.Mu; if (!double.IsNaN(s.C)) o["c"] = s.C; }
        return o;
    }

    static Command DenseCapacity()
    {
        var p = Cli.Required<int>("--p", "Interaction order P (2 is the classical model)");
        var rsb = RsbOption();
        var temperature = Cli.Option("--temperature", "With --rsb 1: the largest load with a broken retrieval state at this T (the fold; above the T = 0 capacity where retrieval is re-entrant)", 0.0);
        var json = Cli.JsonOption();
        var cmd = new Command("dense-capacity", "The capacity alpha_c(P) and the retrieval overlap there, RS (T = 0) or 1RSB (T >= 0)") { p, rsb, temperature, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int order = Order(r.GetValue(p)), level = Rsb(r.GetValue(rsb));
            double t = Cli.TheoryTemperature(r.GetValue(temperature), zeroAllowed: true, Dense.TemperatureScale(order));
            if (level == 0 && t > 0) throw new UsageException("--temperature > 0 needs --rsb 1 (the RS retrieval line at T > 0 is `phase-diagram dense`)");
            if (t > 0)
            {
                var f = OneStepRsb.Fold(order, t);
                if (r.GetValue(json))
                    Cli.Print(new JsonObject { ["p"] = order, ["rsb"] = 1, ["temperature"] = t, ["alpha_max"] = f?.Alpha, ["at_limit"] = f is null ? null : Describe(f) });
                else Console.WriteLine(f is null ? $"P = {order}, T = {t}: the broken retrieval branch is not found at this temperature"
                    : $"P = {order}, T = {t}: alpha_max = {f.Alpha:G8}, m = {f.M:F6}, q1 = {f.Q1:F6}, q0 = {f.Q0:F6}, theta = {f.Theta:F6} (1RSB, K = alpha N^(P-1))");
                return 0;
            }
            if (level == 0)
            {
                var (a, m) = Dense.ZeroTemperatureCapacity(order);
                if (r.GetValue(json)) Cli.Print(new JsonObject { ["p"] = order, ["rsb"] = 0, ["alpha_c"] = a, ["m_c"] = m });
                else Console.WriteLine($"P = {order}: alpha_c = {a:G8}, m_c = {m:F6} (RS, T = 0, K = alpha N^(P-1))");
            }
            else
            {
                var c = OneStepRsb.Capacity(order);
                // For P > 2 also the load below which retrieval is the ground state (against the 1RSB glass).
                double? groundState = order > 2 ? DenseGlass.GroundStateTransition(order) : null;
                if (r.GetValue(json))
                {
                    var o = Describe(c);
                    o.Remove("m"); o.Remove("free_energy"); o.Remove("broken"); o.Remove("q1");
                    var result = new JsonObject { ["p"] = order, ["rsb"] = 1, ["alpha_c"] = c.Alpha, ["m_c"] = c.M, ["energy"] = c.FreeEnergy, ["at_capacity"] = o };
                    if (order > 2) { result["alpha_t"] = groundState; result["glass_ground_energy_over_j"] = DenseGlass.GroundStateEnergy(order); }
                    Cli.Print(result);
                }
                else Console.WriteLine($"P = {order}: alpha_c = {c.Alpha:G8}, m_c = {c.M:F6}, q0 = {c.Q0:F6}, mu = {c.Mu:F4} (1RSB, T = 0, K = alpha N^(P-1))"
                    + (groundState is { } at ? $"; retrieval is the ground state (below the glass's) up to alpha_t = {at:G6}" : ""));
            }
            return 0;
        }));
        return cmd;
    }

    static Command LearningPoint()
    {
        var flags = new LearningOptions("Number of archetypes K (low load; (2M + 3)^K site configurations averaged exactly)", 1);
        var json = Cli.JsonOption();
        var cmd = new Command("learning", "Low-load mean field of a Hebbian network learned from noisy examples: archetype and example overlaps, stability");
        flags.AddTo(cmd);
        cmd.Options.Add(json);
        cmd.SetAction(r => Cli.Guard(() =>
        {
            string rule = flags.Protocol(r);
            double q = flags.Quality(r), d = flags.Dilution(r), t = flags.Temperature(r);
            Learning model;
            try { model = new Learning(q, flags.Examples(r), d, flags.Patterns(r)); }
            catch (ArgumentOutOfRangeException e) { throw new UsageException(e.Message.Split(" (Parameter")[0]); }
            var s = model.Solve(t, rule);
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["protocol"] = rule, ["quality"] = q, ["examples"] = model.Examples, ["dilution"] = d, ["patterns"] = model.Patterns,
                    ["temperature"] = t, ["rho"] = model.Entropy, ["normalisation"] = model.Normalisation,
                    ["archetype_overlap"] = new JsonArray(s.ArchetypeOverlap.Select(x => (JsonNode?)x).ToArray()),
                    ["example_overlap"] = new JsonArray(s.ExampleOverlap.Select(x => (JsonNode?)x).ToArray()),
                    ["free_energy"] = s.FreeEnergy, ["stable"] = s.Stable, ["lowest_curvature"] = s.LowestCurvature,
                    ["example_splitting_curvature"] = double.IsPositiveInfinity(s.ExampleSymmetricCurvature) ? null : s.ExampleSymmetricCurvature,
                    // rho* of the pure archetype state; null: stable at every rho in reach (no threshold).
                    ["threshold_rho"] = Learning.Threshold(model.Examples, d, model.Patterns, t, rule) is var th && double.IsPositiveInfinity(th) ? null : th,
                    ["states"] = new JsonArray(model.States(t, rule).Select(x => (JsonNode?)new JsonObject
                    {
                        ["type"] = x.Type, ["archetype_overlap"] = new JsonArray(x.ArchetypeOverlap.Select(v => (JsonNode?)v).ToArray()),
                        ["free_energy"] = x.FreeEnergy, ["stable"] = x.Stable,
                    }).ToArray()),
                });
            else Console.WriteLine($"{rule}, r = {q}, M = {model.Examples}, rho = {model.Entropy:G4}, d = {d}, T = {t}: archetype m = [{string.Join(", ", s.ArchetypeOverlap.Select(x => x.ToString("F5")))}], "
                + $"example n = [{string.Join(", ", s.ExampleOverlap.Select(x => x.ToString("F5")))}], f = {s.FreeEnergy:F6}, {(s.Stable ? "stable" : "unstable")}");
            return 0;
        }));
        return cmd;
    }

    static Command MultitaskPoint()
    {
        var dilution = Cli.Required<double>("--dilution", "Dilution d = P(xi = 0), in [0, 1)");
        var patterns = Cli.Required<int>("--patterns", $"Number of patterns K (1..{Multitask.MaxExactPatterns}; low load, averaged exactly)");
        var temperature = Cli.Required<double>("--temperature", "Temperature T >= 0 (no 1/(1-d) normalisation of the couplings)");
        var json = Cli.JsonOption();
        var cmd = new Command("multitask", "Mean-field states of the multitasking (diluted) Hebbian network at low load: type, amplitudes, free energy, stability")
            { dilution, patterns, temperature, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            double d = r.GetValue(dilution);
            if (!(d >= 0 && d < 1)) throw new UsageException($"--dilution must lie in [0, 1), not {Cli.Format(d)}");
            int k = r.GetValue(patterns);
            if (k < 1 || k > Multitask.MaxExactPatterns) throw new UsageException($"--patterns must lie in 1..{Multitask.MaxExactPatterns}, not {k}");
            double t = Cli.NonNegative(r.GetValue(temperature), "--temperature");
            var states = new Multitask(d, k).States(t);
            if (r.GetValue(json))
                Cli.Print(new JsonObject
                {
                    ["dilution"] = d, ["patterns"] = k, ["temperature"] = t,
                    ["states"] = new JsonArray(states.Select(s => (JsonNode)new JsonObject
                    {
                        ["type"] = s.Type, ["m"] = new JsonArray(s.M.Select(x => (JsonNode?)x).ToArray()),
                        ["free_energy"] = s.FreeEnergy, ["stable"] = s.Stable,
                    }).ToArray()),
                });
            else
            {
                Console.WriteLine($"Multitasking network, d = {d}, K = {k}, T = {t}: {states.Count} states (canonical form: amplitudes positive, decreasing)");
                foreach (var s in states)
                    Console.WriteLine($"{s.Type,-13} f = {s.FreeEnergy,10:F6}  {(s.Stable ? "stable  " : "unstable")}  m = [{string.Join(", ", s.M.Select(x => x.ToString("F5")))}]");
            }
            return 0;
        }));
        return cmd;
    }

    static Command MultitaskLines()
    {
        var patterns = Cli.Required<int>("--patterns", "Number of patterns K (2..6 for the stability lines)");
        var json = Cli.JsonOption();
        var cmd = new Command("multitask-lines", "The (d, T) phase diagram of the multitasking network at low load: instability lines and the T = 0 hierarchical limit")
            { patterns, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            int k = r.GetValue(patterns);
            if (k < 2 || k > 6) throw new UsageException($"--patterns must lie in 2..6 for the lines, not {k}");
            var grid = Enumerable.Range(0, 101).Select(j => j / 100.0).Where(d => d < 1).ToList();
            var paramagnet = grid.Select(d => (d, Multitask.ParamagnetInstability(d)));
            var pure = grid.Where(d => d > 0).Select(d => (d, Multitask.PureInstability(d)!.Value));
            var lines = new JsonObject
            {
                ["paramagnet_unstable"] = Cli.Pairs(paramagnet),
                ["pure_unstable"] = Cli.Pairs(pure),
                ["parallel_stable_boundary"] = Cli.Pairs(Multitask.StabilityBoundary(k, Multitask.Parallel)),
                ["hierarchical_stable_boundary"] = Cli.Pairs(Multitask.StabilityBoundary(k, Multitask.Hierarchical)),
            };
            double limit = Multitask.HierarchicalLimit(k);
            if (r.GetValue(json)) Cli.Print(new JsonObject { ["patterns"] = k, ["hierarchical_limit"] = limit, ["lines"] = lines });
            else
            {
                Console.WriteLine($"K = {k}: T = 0 hierarchical state exists up to d_K = {limit:F6}");
                foreach (var (name, value) in lines) Console.WriteLine($"{name}: {value!.AsArray().Count} points");
            }
            return 0;
        }));
        return cmd;
    }

    static Command Point()
    {
        var alpha = Cli.Required<double>("--alpha", "Load alpha = P/N (>= 0; 0 is the Curie-Weiss limit)");
        var temperature = Cli.Required<double>("--temperature", "Temperature T (>= 0; 0 is the ground-state limit)");
        var json = Cli.JsonOption();
        var cmd = new Command("hopfield", "Every AGS replica-symmetric branch at (alpha, T), with free energies and the global minimum") { alpha, temperature, json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            double a = Cli.NonNegative(r.GetValue(alpha), "--alpha");
            double t = Cli.TheoryTemperature(r.GetValue(temperature), zeroAllowed: true);
            var s = Ags.Solve(a, t);
            if (r.GetValue(json))
            {
                var branches = new JsonArray(s.Branches.Select(b => (JsonNode)new JsonObject
                {
                    ["name"] = b.Name, ["m"] = Cli.Number(b.M), ["q"] = Cli.Number(b.Q), ["r"] = Cli.Number(b.R),
                    ["free_energy"] = Cli.Number(b.FreeEnergy), ["global_minimum"] = b.GlobalMinimum,
                    ["replica_symmetric_stable"] = b.ReplicaSymmetric,
                }).ToArray());
                var o = new JsonObject { ["alpha"] = a, ["temperature"] = t, ["branches"] = branches };
                if (s.Failures.Count > 0) o["not_converged"] = new JsonArray(s.Failures.Select(f => (JsonNode)f).ToArray());
                Cli.Print(o);
            }
            else
            {
                Console.WriteLine($"AGS replica-symmetric branches at alpha = {a}, T = {t}");
                Console.WriteLine($"{"branch",-11} {"m",10} {"q",10} {"r",10} {"f",12}  RS-stable  global-min");
                foreach (var b in s.Branches)
                    Console.WriteLine($"{b.Name,-11} {b.M,10:F6} {b.Q,10:F6} {b.R,10:F5} {b.FreeEnergy,12:F7}  {(b.ReplicaSymmetric ? "yes" : "no"),-9}  {(b.GlobalMinimum ? "yes" : "")}");
                foreach (var f in s.Failures) Console.WriteLine($"not converged: {f}");
            }
            return s.Failures.Count > 0 ? 1 : 0;
        }));
        return cmd;
    }

    static Command Lines()
    {
        var json = Cli.JsonOption();
        var cmd = new Command("hopfield-lines", "alpha_c and m_c at T = 0, and the lines T_g, T_M, T_c of the (alpha, T) phase diagram") { json };
        cmd.SetAction(r => Cli.Guard(() =>
        {
            var lines = AgsLines.Compute();
            if (r.GetValue(json)) Cli.Print(ToJson(lines));
            else
            {
                Console.WriteLine($"alpha_c(T=0) = {lines.AlphaC:F6}, m_c = {lines.MC:F6}");
                foreach (var (name, l) in new[] { ("T_g", lines.GlassTransition), ("T_M", lines.RetrievalSpinodal), ("T_c", lines.RetrievalTransition) })
                    Console.WriteLine($"{name}: {l.Count} points, alpha up to {l.Max(p => p.Alpha):F6}");
                foreach (var f in lines.Failures) Console.WriteLine($"not converged: {f}");
            }
            return lines.Failures.Count > 0 ? 1 : 0;
        }));
        return cmd;
    }

    public static JsonObject ToJson(AgsPhaseLines lines)
    {
        JsonArray L(IReadOnlyList<LinePoint> l) => Cli.Pairs(l.Select(p => (p.Alpha, p.Temperature)));
        var o = new JsonObject
        {
            ["alpha_c"] = lines.AlphaC,
            ["m_c"] = lines.MC,
            ["lines"] = new JsonObject { ["T_g"] = L(lines.GlassTransition), ["T_M"] = L(lines.RetrievalSpinodal), ["T_c"] = L(lines.RetrievalTransition) },
        };
        if (lines.Failures.Count > 0) o["not_converged"] = new JsonArray(lines.Failures.Select(f => (JsonNode)f).ToArray());
        return o;
    }
}
