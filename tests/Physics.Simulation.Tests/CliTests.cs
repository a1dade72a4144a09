using System.Text.Json;
namespace Physics.Simulation.Tests;

public class CliTests
{
    [Fact]
    public void Theory_point_json_has_the_documented_shape()
    {
        var o = PhysicsProgram.Json("theory", "hopfield", "--alpha", "0.05", "--temperature", "0.3");
        Assert.Equal(0.05, o.GetProperty("alpha").GetDouble());
        Assert.Equal(0.3, o.GetProperty("temperature").GetDouble());
        var names = o.GetProperty("branches").EnumerateArray().Select(b => b.GetProperty("name").GetString()).ToList();
        Assert.Equal(["retrieval", "spin_glass"], names);
        foreach (var b in o.GetProperty("branches").EnumerateArray())
            foreach (var key in new[] { "m", "q", "r", "free_energy", "global_minimum" }) Assert.True(b.TryGetProperty(key, out _), key);
        Assert.Equal(1, o.GetProperty("branches").EnumerateArray().Count(b => b.GetProperty("global_minimum").GetBoolean()));
    }

    [Fact]
    public void Theory_lines_json_has_the_documented_shape()
    {
        var o = PhysicsProgram.Json("theory", "hopfield-lines");
        Assert.Equal(0.1379, o.GetProperty("alpha_c").GetDouble(), 4);
        Assert.Equal(0.9674, o.GetProperty("m_c").GetDouble(), 4);
        foreach (var line in new[] { "T_g", "T_M", "T_c" })
        {
            var points = o.GetProperty("lines").GetProperty(line).EnumerateArray().ToList();
            Assert.True(points.Count >= 200, line);
            Assert.All(points, p => Assert.Equal(2, p.GetArrayLength()));
        }
    }

    [Fact]
    public void Monte_Carlo_json_has_the_documented_shape()
    {
        var o = PhysicsProgram.Json("mc", "hopfield", "--neurons", "200", "--alpha", "0.05", "--temperature", "0.2", "--sweeps", "50", "--equilibration", "10", "--samples", "2", "--seed", "3");
        foreach (var key in new[] { "overlap", "overlap_error", "energy", "energy_error", "acceptance", "attempts_per_second" })
            Assert.True(o.TryGetProperty(key, out _), key);
        Assert.InRange(o.GetProperty("overlap").GetDouble(), 0.9, 1.0);
        var again = PhysicsProgram.Json("mc", "hopfield", "--neurons", "200", "--alpha", "0.05", "--temperature", "0.2", "--sweeps", "50", "--equilibration", "10", "--samples", "2", "--seed", "3", "--threads", "1");
        Assert.Equal(o.GetProperty("final_state_sha256").GetString(), again.GetProperty("final_state_sha256").GetString());
        Assert.Equal(o.GetProperty("overlap").GetDouble(), again.GetProperty("overlap").GetDouble());
    }

    [Fact]
    public void Devices_give_the_same_state_hash()
    {
        string[] args = ["mc", "hopfield", "--neurons", "64", "--alpha", "0.1", "--temperature", "0.5", "--sweeps", "15", "--equilibration", "5", "--samples", "2", "--seed", "21"];
        var cpu = PhysicsProgram.Json([.. args, "--device", "cpu"]);
        var sim = PhysicsProgram.Json([.. args, "--device", "ilgpu-cpu"]);
        Assert.Equal("cpu", cpu.GetProperty("device").GetString());
        Assert.Equal("ilgpu-cpu", sim.GetProperty("device").GetString());
        Assert.Equal(cpu.GetProperty("final_state_sha256").GetString(), sim.GetProperty("final_state_sha256").GetString());
        Assert.Equal(cpu.GetProperty("overlap").GetDouble(), sim.GetProperty("overlap").GetDouble());
    }

    [Fact]
    public void Multitask_theory_json_has_the_documented_shape()
    {
        var o = PhysicsProgram.Json("theory", "multitask", "--dilution", "0.3", "--patterns", "3", "--temperature", "0.1");
        var states = o.GetProperty("states").EnumerateArray().ToList();
        Assert.Contains(states, st => st.GetProperty("type").GetString() == "hierarchical" && st.GetProperty("stable").GetBoolean());
        foreach (var st in states)
        {
            Assert.Contains(st.GetProperty("type").GetString(), new[] { "pure", "hierarchical", "parallel", "mixture", "paramagnet" });
            Assert.Equal(3, st.GetProperty("m").GetArrayLength());
            Assert.True(st.TryGetProperty("free_energy", out _));
        }
        var lines = PhysicsProgram.Json("theory", "multitask-lines", "--patterns", "3");
        Assert.Equal((Math.Sqrt(5) - 1) / 2, lines.GetProperty("hierarchical_limit").GetDouble(), 9);
        Assert.True(lines.GetProperty("lines").GetProperty("paramagnet_unstable").GetArrayLength() > 50);
        Assert.True(lines.GetProperty("lines").GetProperty("pure_unstable").GetArrayLength() > 50);
        var mc = PhysicsProgram.Json("mc", "multitask", "--neurons", "400", "--patterns", "2", "--dilution", "0.5", "--temperature", "0.1", "--sweeps", "50", "--equilibration", "50");
        Assert.Equal(2, mc.GetProperty("m").GetArrayLength());
        Assert.Equal(2, mc.GetProperty("m_error").GetArrayLength());
    }

    [Fact]
    public void Multitask_phase_diagram_writes_store_lines_and_plot()
    {
        string dir = PhysicsProgram.TempDir();
        var o = PhysicsProgram.Json("phase-diagram", "multitask", "--patterns", "2", "--neurons", "100", "--dilutions", "0.3,0.7",
            "--temperatures", "0.2,0.8", "--sweeps", "20", "--equilibration", "10", "--samples", "1", "--out", dir);
        Assert.Equal(4, o.GetProperty("points").GetInt32());
        Assert.Equal(1.0, o.GetProperty("hierarchical_limit").GetDouble());
        Assert.True(File.Exists(Path.Combine(dir, "phase-diagram.html")));
        var lines = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "theory-lines.json"))).RootElement;
        Assert.True(lines.GetProperty("lines").GetProperty("paramagnet_unstable").GetArrayLength() > 50);
        var (code, _, err) = PhysicsProgram.Run("phase-diagram", "multitask", "--patterns", "9", "--out", PhysicsProgram.TempDir());
        Assert.Equal(2, code);
        Assert.Contains("--patterns", err);
    }

    [Fact]
    public void Modern_retrieval_reports_error_steps_fixed_point_and_non_increasing_energies()
    {
        var o = PhysicsProgram.Json("modern", "retrieve", "--patterns", "50", "--dimension", "32", "--seed", "4");
        Assert.Equal("single_pattern", o.GetProperty("fixed_point").GetString());
        var energies = o.GetProperty("energies").EnumerateArray().Select(e => e.GetDouble()).ToList();
        Assert.Equal(o.GetProperty("steps").GetInt32() + 1, energies.Count);
        Assert.All(energies.Zip(energies.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1e-9));
        var flat = PhysicsProgram.Json("modern", "retrieve", "--patterns", "50", "--dimension", "32", "--beta", "0.0001");
        Assert.Equal("global_average", flat.GetProperty("fixed_point").GetString());
        var dense = PhysicsProgram.Json("theory", "dense-capacity", "--p", "4");
        Assert.Equal(0.91792, dense.GetProperty("m_c").GetDouble(), 5);
        var rsb = PhysicsProgram.Json("theory", "dense-capacity", "--p", "2", "--rsb", "1");
        Assert.Equal(0.138186, rsb.GetProperty("alpha_c").GetDouble(), 6);
        var reentrant = PhysicsProgram.Json("theory", "dense-capacity", "--p", "4", "--rsb", "1", "--temperature", "0.01");
        Assert.InRange(reentrant.GetProperty("alpha_max").GetDouble(), 0.0382, 0.0384);
        Assert.Equal(2, PhysicsProgram.Run("theory", "dense-capacity", "--p", "4", "--temperature", "0.01").Code);
        var broken = PhysicsProgram.Json("theory", "dense", "--p", "2", "--alpha", "0.138", "--temperature", "0", "--rsb", "1");
        Assert.True(broken.GetProperty("retrieval").GetProperty("broken").GetBoolean());
        var lowLoad = PhysicsProgram.Json("theory", "dense", "--p", "4", "--alpha", "0.01", "--temperature", "0", "--rsb", "1");
        Assert.False(lowLoad.GetProperty("retrieval").GetProperty("broken").GetBoolean());
        // Against the glass phase: P = 3, alpha = 0.1 freezes below T_s = 0.651 sqrt(2 alpha/3!) = 0.1189; retrieval at
        // T = 0.05 is the global minimum, and at T = 0.3 there is none (the paramagnet).
        var cold = PhysicsProgram.Json("theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "0.05");
        Assert.Equal("glass", cold.GetProperty("glass").GetProperty("phase").GetString());
        Assert.Equal(0.1189, cold.GetProperty("glass").GetProperty("static_temperature").GetDouble(), 4);
        Assert.True(cold.GetProperty("retrieval_global_minimum").GetBoolean());
        var hot = PhysicsProgram.Json("theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "0.3");
        Assert.Equal(JsonValueKind.Null, hot.GetProperty("retrieval").ValueKind);
        Assert.Equal("paramagnet", hot.GetProperty("glass").GetProperty("phase").GetString());
        Assert.Equal(-0.3 * Math.Log(2) - 0.1 / 6 / 0.6, hot.GetProperty("glass").GetProperty("free_energy").GetDouble(), 12);
        // Colder than the glass solver reaches (theta below 1e-8): reported as not converged, exit code 1, never a number.
        var frozen = PhysicsProgram.Run("theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "1e-10", "--json");
        Assert.Equal(1, frozen.Code);
        Assert.Contains("not_converged", frozen.Out);
        // Below 1e-10 the RS equations lose their digits (at T = 1e-20 the AGS state came out wrong, and a NaN crashed
        // T = 1e-110): refused as input. A solver failing before anything is printed (P = 40 loses its 1RSB branch):
        // one JSON object, one line on stderr, exit code 1.
        Assert.Equal(2, PhysicsProgram.Run("theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "1e-200").Code);
        Assert.Equal(2, PhysicsProgram.Run("theory", "hopfield", "--alpha", "0.1", "--temperature", "1e-20").Code);
        var lost = PhysicsProgram.Run("theory", "dense-capacity", "--p", "40", "--rsb", "1", "--json");
        Assert.Equal(1, lost.Code);
        Assert.StartsWith("1RSB retrieval branch lost", JsonDocument.Parse(lost.Out).RootElement.GetProperty("not_converged")[0].GetString());
        Assert.Single(lost.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var sup = PhysicsProgram.Json("theory", "learning", "--quality", "0.6", "--examples", "5", "--dilution", "0.2", "--temperature", "0.3", "--protocol", "supervised");
        var unsup = PhysicsProgram.Json("theory", "learning", "--quality", "0.6", "--examples", "5", "--dilution", "0.2", "--temperature", "0.3", "--protocol", "unsupervised");
        Assert.Equal(sup.GetProperty("archetype_overlap")[0].GetDouble(), unsup.GetProperty("archetype_overlap")[0].GetDouble());
        Assert.Equal((1 - 0.36) / (5 * 0.36), sup.GetProperty("rho").GetDouble(), 12);
        var mc = PhysicsProgram.Json("mc", "learning", "--quality", "0.6", "--examples", "5", "--dilution", "0.2", "--temperature", "0.3", "--protocol", "unsupervised",
            "--neurons", "400", "--sweeps", "40", "--equilibration", "20");
        Assert.InRange(mc.GetProperty("archetype_overlap").GetDouble(), 0.3, 1.0);
        Assert.Equal(64, mc.GetProperty("final_state_sha256").GetString()!.Length);
    }

    [Fact]
    public void Modern_capacity_sweep_stores_resumes_and_reports_the_bound_and_mil_compares_poolings()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"physics-capacity-{Guid.NewGuid():N}");
        try
        {
            string[] args = ["modern", "capacity", "--dimensions", "8,64", "--patterns", "4,2048", "--trials", "1", "--out", dir];
            var first = PhysicsProgram.Json(args);
            Assert.Equal(4, first.GetProperty("computed").GetInt32());
            var again = PhysicsProgram.Json(args);
            Assert.Equal(0, again.GetProperty("computed").GetInt32());
            Assert.Equal(4, again.GetProperty("skipped").GetInt32());
            var bound = again.GetProperty("theorem3").EnumerateArray().Single(b => b.GetProperty("dimension").GetInt32() == 64).GetProperty("guaranteed_patterns").GetDouble();
            Assert.InRange(bound, 5, 5.3);
            var grid = again.GetProperty("grid").EnumerateArray().ToList();
            Assert.Equal(1.0, grid.Single(g => g.GetProperty("dimension").GetInt32() == 64 && g.GetProperty("patterns").GetInt32() == 4).GetProperty("success_rate").GetDouble());
            Assert.True(grid.Single(g => g.GetProperty("dimension").GetInt32() == 8 && g.GetProperty("patterns").GetInt32() == 2048).GetProperty("success_rate").GetDouble() < 0.5);
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
        var mil = PhysicsProgram.Json("modern", "mil", "--train", "128", "--test", "128", "--epochs", "15");
        Assert.True(mil.GetProperty("hopfield_test_accuracy").GetDouble() >= mil.GetProperty("mean_pooling_test_accuracy").GetDouble());
    }

    [Fact]
    public void Asking_for_CUDA_without_a_GPU_is_a_usage_error()
    {
        if (Physics.MonteCarlo.IlgpuEnsemble.CudaAvailable()) return; // on a GPU machine the request is valid
        var (code, output, err) = PhysicsProgram.Run("mc", "hopfield", "--alpha", "0.1", "--temperature", "0.5", "--device", "cuda");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains("--device cuda", err.Trim());
    }

    [Fact]
    public void Tempering_json_reports_every_temperature_swaps_and_replica_overlaps()
    {
        var o = PhysicsProgram.Json("mc", "hopfield", "--neurons", "100", "--alpha", "0.05", "--temperatures", "0.4,0.6,0.9", "--sweeps", "60", "--equilibration", "20", "--samples", "2", "--device", "cpu");
        var temps = o.GetProperty("temperatures").EnumerateArray().ToList();
        Assert.Equal([0.4, 0.6, 0.9], temps.Select(t => t.GetProperty("temperature").GetDouble()));
        foreach (var t in temps)
            foreach (var key in new[] { "overlap", "overlap_error", "q_ab", "q_ab_error", "q_histogram", "binder" }) Assert.True(t.TryGetProperty(key, out _), key);
        Assert.Equal(2, o.GetProperty("swap_acceptance").GetArrayLength());
        Assert.Equal(40, temps[0].GetProperty("q_histogram").GetArrayLength());
        Assert.False(string.IsNullOrEmpty(o.GetProperty("final_state_sha256").GetString()));
    }

    [Fact]
    public void Bench_reports_aggregate_throughput_of_several_chains()
    {
        var o = PhysicsProgram.Json("bench", "mc", "--neurons", "300", "--patterns", "30", "--sweeps", "5", "--repeats", "1", "--chains", "2", "--device", "cpu");
        Assert.True(o.GetProperty("attempts_per_second").GetDouble() > 0);
        Assert.Equal(2, o.GetProperty("chains").GetInt32());
    }

    /// <summary>
    /// bench dense times a third chain, classical at the temperature where it accepts the dense chain's fraction of
    /// flips: a P = 3 chain at T = 0.5 melts and accepts nearly every flip while the classical one retrieves.
    /// </summary>
    [Fact]
    public void Bench_dense_matches_the_classical_acceptance()
    {
        var o = PhysicsProgram.Json("bench", "dense", "--p", "3", "--neurons", "400", "--patterns", "40", "--temperature", "0.5", "--sweeps", "10", "--repeats", "3");
        double dense = o.GetProperty("dense_acceptance").GetDouble(), classical = o.GetProperty("classical_acceptance").GetDouble();
        double matched = o.GetProperty("matched_acceptance").GetDouble();
        Assert.True(dense > 0.9, $"dense acceptance {dense}");
        Assert.True(classical < 0.5, $"classical acceptance {classical}");
        Assert.True(Math.Abs(matched - dense) < 0.03, $"matched {matched} against dense {dense}");
        Assert.True(o.GetProperty("matched_temperature").GetDouble() > 1);
        Assert.True(o.GetProperty("matched_cost_ratio").GetDouble() > 0);
    }

    /// <summary>The matching temperature grows with the acceptance asked for (bisection on a monotone curve).</summary>
    [Fact]
    public void Matching_temperature_grows_with_acceptance()
    {
        var patterns = Physics.Networks.PatternSet.Random(400, 40, 3, 0);
        double[] temperatures = [.. new[] { 0.05, 0.3, 0.6, 0.9, 0.99 }.Select(a => Physics.Simulation.DenseBenchmark.MatchingTemperature(patterns, a, 3))];
        for (int j = 1; j < temperatures.Length; j++) Assert.True(temperatures[j] > temperatures[j - 1], string.Join(", ", temperatures));
    }

    [Theory]
    [InlineData("--device", "mc", "hopfield", "--alpha", "0.1", "--temperature", "0.5", "--device", "tpu")]
    [InlineData("--temperatures", "mc", "hopfield", "--alpha", "0.1", "--temperatures", "0.5,-1")]
    [InlineData("--temperature", "mc", "hopfield", "--alpha", "0.1")]
    [InlineData("--dilution", "theory", "multitask", "--dilution", "1.2", "--patterns", "3", "--temperature", "0.1")]
    [InlineData("--patterns", "theory", "multitask", "--dilution", "0.2", "--patterns", "0", "--temperature", "0.1")]
    [InlineData("--dilution", "mc", "multitask", "--dilution", "-0.2", "--patterns", "3", "--temperature", "0.1")]
    [InlineData("--beta", "modern", "retrieve", "--beta", "0")]
    [InlineData("--p", "theory", "dense", "--p", "1", "--alpha", "0.1", "--temperature", "0.1")]
    [InlineData("--protocol", "theory", "learning", "--quality", "0.5", "--examples", "3", "--temperature", "0.3", "--protocol", "hebb")]
    [InlineData("--quality", "theory", "learning", "--quality", "1.5", "--examples", "3", "--temperature", "0.3")]
    [InlineData("--examples", "mc", "learning", "--quality", "0.5", "--examples", "0", "--temperature", "0.3")]
    [InlineData("--protocol", "mc", "learning", "--quality", "0.5", "--examples", "3", "--temperature", "0.3", "--protocol", "teacher")]
    [InlineData("--dimensions", "modern", "capacity", "--dimensions", "8,1.5")]
    [InlineData("--tolerance", "modern", "capacity", "--tolerance", "0")]
    [InlineData("--bits", "modern", "mil", "--bits", "40")]
    [InlineData("--rsb", "theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "0.1", "--rsb", "2")]
    [InlineData("--temperature", "theory", "dense", "--p", "3", "--alpha", "0.1", "--temperature", "-0.1", "--rsb", "1")]
    [InlineData("--alpha", "theory", "hopfield", "--alpha", "-0.1", "--temperature", "0.5")]
    [InlineData("--temperature", "theory", "hopfield", "--alpha", "0.1", "--temperature", "NaN")]
    [InlineData("--alpha", "mc", "hopfield", "--alpha", "0", "--temperature", "0.5")]
    [InlineData("--temperature", "mc", "hopfield", "--alpha", "0.1", "--temperature", "0")]
    [InlineData("--neurons", "mc", "hopfield", "--alpha", "0.1", "--temperature", "0.5", "--neurons", "1")]
    [InlineData("--sweeps", "mc", "hopfield", "--alpha", "0.1", "--temperature", "0.5", "--sweeps", "0")]
    [InlineData("--dynamics", "mc", "hopfield", "--alpha", "0.1", "--temperature", "0.5", "--dynamics", "wolff")]
    [InlineData("--alphas", "phase-diagram", "hopfield", "--alphas", "0.1,-2")]
    [InlineData("--out", "phase-diagram", "hopfield", "--out", "/proc/version/inside")]
    [InlineData("--alpha", "theory", "hopfield", "--temperature", "0.5")]
    [InlineData("--temperature", "theory", "hopfield", "--alpha", "0.1", "--temperature", "1e-110")]
    [InlineData("--patterns", "modern", "retrieve", "--dimension", "100000", "--patterns", "100000")]
    [InlineData("--p", "theory", "dense", "--p", "200", "--alpha", "1e-60", "--temperature", "1e-9")] // (P-1)! overflows
    [InlineData("--p", "phase-diagram", "dense", "--p", "61")]
    [InlineData("--alphas", "phase-diagram", "dense", "--p", "31")] // N >= P = 31 already needs 2.5e11 patterns
    [InlineData("--kernel", "bench", "dense", "--kernel", "fast")]
    [InlineData("--alpha", "mc", "dense", "--p", "6", "--neurons", "200", "--alpha", "0.01", "--temperature", "0.1")] // K = 3.2e9
    [InlineData("--alpha", "mc", "hopfield", "--neurons", "30000", "--alpha", "1e6", "--temperature", "0.1")]
    [InlineData("--alphas", "phase-diagram", "dense", "--p", "6", "--neurons", "120")] // K = 4.1e7 at the largest default load
    public void Bad_input_is_one_line_naming_the_option_with_exit_code_2(string option, params string[] args)
    {
        var (code, output, err) = PhysicsProgram.Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains(option, lines[0]);
    }

    [Fact]
    public void Phase_diagram_refuses_an_incompatible_store_with_exit_code_2_and_keeps_it()
    {
        string dir = PhysicsProgram.TempDir();
        string[] common = ["phase-diagram", "hopfield", "--alphas", "0.05", "--temperatures", "0.5", "--sweeps", "20", "--equilibration", "5", "--samples", "1", "--out", dir];
        Assert.Equal(0, PhysicsProgram.Run([.. common, "--neurons", "100", "--json"]).Code);
        var db = Path.Combine(dir, "results.db");
        var before = File.ReadAllBytes(db);
        var (code, _, err) = PhysicsProgram.Run([.. common, "--neurons", "150"]);
        Assert.Equal(2, code);
        Assert.Contains("--neurons", err);
        Assert.Equal(before, File.ReadAllBytes(db));
    }
}
