using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Physics.MonteCarlo;
using Physics.Theory;

namespace Physics.Simulation.Tests;

public class StoreAndSweepTests
{
    static PhaseDiagramSettings Small => new()
    {
        Neurons = 120, Loads = [0.05, 0.1], Temperatures = [0.2, 0.6, 1.0], Samples = 2,
        EquilibrationSweeps = 20, MeasurementSweeps = 40, Seed = 9,
    };

    /// <summary>The physics columns of the table (timing columns differ from run to run by nature).</summary>
    static List<string> Table(IEnumerable<PointResult> points)
        => points.Select(p => string.Join("|", p.Alpha, p.Temperature, p.Neurons, p.Patterns, p.Seed, p.Samples,
            p.EquilibrationSweeps, p.MeasurementSweeps, p.Dynamics, p.Start, p.Overlap, p.OverlapError, p.Energy, p.EnergyError, p.Acceptance)).ToList();

    [Fact]
    public void Interrupted_sweep_resumes_to_the_same_table_without_duplicates()
    {
        string whole = PhysicsProgram.TempDir(), broken = PhysicsProgram.TempDir();
        var reference = PhaseDiagramSweep.Run(Small, whole);
        Assert.Equal(6, reference.Points.Count);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Done >= 2) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => PhaseDiagramSweep.Run(Small with { Threads = 1 }, broken, progress, cancel.Token));
        var resumed = PhaseDiagramSweep.Run(Small, broken);
        Assert.True(resumed.Skipped >= 2 && resumed.Computed <= 4);
        Assert.Equal(Table(reference.Points), Table(resumed.Points));
        var again = PhaseDiagramSweep.Run(Small, broken);
        Assert.Equal(0, again.Computed);
        Assert.Equal(Table(reference.Points), Table(again.Points));
    }

    sealed class SynchronousProgress(Action<(int Done, int Total)> action) : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => action(value);
    }

    [Fact]
    public void Store_from_an_incompatible_run_is_refused_and_left_untouched()
    {
        string dir = PhysicsProgram.TempDir();
        PhaseDiagramSweep.Run(Small with { Loads = [0.05], Temperatures = [0.5] }, dir);
        string db = Path.Combine(dir, ResultStore.FileName);
        SqliteConnection.ClearAllPools();
        byte[] before = SHA256.HashData(File.ReadAllBytes(db));
        var e = Assert.Throws<IncompatibleStoreException>(() => PhaseDiagramSweep.Run(Small with { Neurons = 200 }, dir));
        Assert.Contains("--neurons", e.Message);
        Assert.Equal(before, SHA256.HashData(File.ReadAllBytes(db)));
    }

    [Fact]
    public void A_file_that_is_not_a_store_is_refused()
    {
        string dir = PhysicsProgram.TempDir();
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ResultStore.FileName), "not a database, just text that is long enough to be read as a header");
        Assert.Throws<IncompatibleStoreException>(() => ResultStore.CheckCompatible(Path.Combine(dir, ResultStore.FileName), Small.StoreKey()));
    }

    [Fact]
    public void Kill_9_at_any_moment_then_rerun_gives_the_uninterrupted_table()
    {
        string[] args(string dir) => ["phase-diagram", "hopfield", "--neurons", "300", "--alphas", "0.05,0.1,0.15", "--temperatures", "0.2,0.4,0.6,0.8",
            "--samples", "2", "--equilibration", "100", "--sweeps", "1500", "--out", dir, "--json"];
        string whole = PhysicsProgram.TempDir(), killed = PhysicsProgram.TempDir();
        Assert.Equal(0, PhysicsProgram.Run(args(whole)).Code);

        using (var p = PhysicsProgram.Start(args(killed)))
        {
            string db = Path.Combine(killed, ResultStore.FileName);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < deadline && !p.HasExited && Count(db) < 3) Thread.Sleep(20);
            if (!p.HasExited) p.Kill(entireProcessTree: true); // SIGKILL: no chance to clean up
            p.WaitForExit();
        }
        int partial = Count(Path.Combine(killed, ResultStore.FileName));
        Assert.InRange(partial, 0, 12);
        Assert.Equal(0, PhysicsProgram.Run(args(killed)).Code);
        Assert.Equal(Table(Read(whole)), Table(Read(killed)));
        Assert.Equal(12, Read(killed).Count);
    }

    static int Count(string db)
    {
        if (!File.Exists(db)) return 0;
        try
        {
            using var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT count(*) FROM points";
            return Convert.ToInt32(cmd.ExecuteScalar());
        }
        catch (SqliteException) { return 0; }
    }

    static List<PointResult> Read(string dir)
    {
        using var store = ResultStore.Open(Path.Combine(dir, ResultStore.FileName), new Dictionary<string, string>());
        return store.Points();
    }

    static MultitaskSettings SmallMultitask => new()
    {
        Patterns = 2, Neurons = 150, Dilutions = [0.2, 0.6], Temperatures = [0.1, 0.5, 0.9], Samples = 2,
        EquilibrationSweeps = 20, MeasurementSweeps = 30, Seed = 4,
    };

    static List<string> Table(IEnumerable<MultitaskPointResult> points)
        => points.Select(p => string.Join("|", p.Dilution, p.Temperature, p.Neurons, p.Patterns, p.Seed, p.Samples,
            string.Join(",", p.Amplitudes), string.Join(",", p.AmplitudeErrors), p.Energy, p.EnergyError, p.Acceptance)).ToList();

    [Fact]
    public void Interrupted_multitask_sweep_resumes_to_the_same_table()
    {
        string whole = PhysicsProgram.TempDir(), broken = PhysicsProgram.TempDir();
        var reference = MultitaskSweep.Run(SmallMultitask, whole);
        Assert.Equal(6, reference.Points.Count);
        Assert.All(reference.Points, p => Assert.Equal(2, p.Amplitudes.Length));
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Done >= 2) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => MultitaskSweep.Run(SmallMultitask with { Threads = 1 }, broken, progress, cancel.Token));
        var resumed = MultitaskSweep.Run(SmallMultitask, broken);
        Assert.True(resumed.Skipped >= 2);
        Assert.Equal(Table(reference.Points), Table(resumed.Points));
        // A classical sweep may not write into a multitask store.
        var e = Assert.Throws<IncompatibleStoreException>(() => PhaseDiagramSweep.Run(Small, broken));
        Assert.Contains("multitask", e.Message);
    }

    /// <summary>
    /// K = alpha N^(P-1) grows so fast with N that one default size cannot serve every P: N = 120 would need 7e4 patterns
    /// for P = 4 and 4e7 for P = 6. Unless given, N is the largest up to 120 that keeps K at the largest load within 5000.
    /// </summary>
    [Fact]
    public void Dense_sweep_sizes_its_network_to_keep_K_at_most_5000()
    {
        Assert.Equal([120, 49, 27, 19], new[] { 3, 4, 5, 6 }.Select(p => new DenseSettings { Order = p }.Resolved().Neurons));
        for (int p = 3; p <= 9; p++)
        {
            var resolved = new DenseSettings { Order = p }.Resolved();
            Assert.InRange(resolved.RunAt(resolved.Loads.Max(), 0.1).Patterns, 1, 5000);
            Assert.True(resolved.Neurons >= p);
            resolved.Validate();
        }
        Assert.Equal(200, new DenseSettings { Order = 4, Neurons = 200 }.Resolved().Neurons);
        Assert.Equal(29, new DenseSettings { Order = 4, Loads = [0.1, 0.2] }.Resolved().Neurons); // 0.2 N^3 <= 5000 (N = 29: 4878)
        Assert.Equal(new DenseSettings { Order = 4, Neurons = 49 }.StoreKey(), new DenseSettings { Order = 4 }.StoreKey());
        Assert.Throws<ArgumentException>(() => new DenseSettings { Order = 6, Neurons = 120 }.Validate());
    }

    /// <summary>
    /// The dense lines' temperatures fall like 1/(P-1)!: T_M(0) = 0.29 (P = 3), 0.0035 (P = 6), 5.589e-4 (P = 7). The
    /// searches shrink with them, so from P = 7, where T_M(0) lies below a fixed grid's first point, the lines are still
    /// found, to the same relative accuracy.
    /// </summary>
    [Fact]
    public void Dense_lines_are_found_at_high_order_where_temperatures_are_small()
    {
        Assert.Equal(1, Dense.TemperatureScale(3));
        Assert.Equal(1, Dense.TemperatureScale(4));
        var lines = DenseLines.Compute(7, points: 8);
        Assert.True(lines.Spinodal.Count >= 8, $"{lines.Spinodal.Count} T_M points");
        Assert.Equal(5.589e-4, lines.Spinodal[0].T, 1e-5);
        Assert.All(lines.Spinodal.Zip(lines.Spinodal.Skip(1)).Where(pair => pair.Second.Alpha <= lines.AlphaC), pair => Assert.True(pair.Second.T < pair.First.T));
        Assert.InRange(lines.Thermodynamic[0].T, 1e-4, lines.Spinodal[0].T);
        var grid = new DenseSettings { Order = 7 }.Resolved();
        Assert.Equal(1.4 * 5.589e-4, grid.Temperatures[^1], 2e-5);
    }

    [Fact]
    public void Dense_sweep_resumes_to_the_same_table_and_keeps_models_apart()
    {
        var settings = new DenseSettings { Order = 3, Neurons = 40, Loads = [0.02, 0.06], Temperatures = [0.1, 0.3], Samples = 1, EquilibrationSweeps = 10, MeasurementSweeps = 20, Seed = 2 };
        string whole = PhysicsProgram.TempDir(), broken = PhysicsProgram.TempDir();
        var reference = DenseSweep.Run(settings, whole);
        Assert.Equal(4, reference.Points.Count);
        Assert.Equal(0.126095, reference.Lines.AlphaC, 6);
        // T_c (retrieval the global minimum below it) lies below the spinodal, starts at the Curie-Weiss P = 3 point and
        // falls with the load; the glass transitions are parabolas with T_s < T_d.
        var lines = reference.Lines;
        Assert.True(lines.Thermodynamic.Count >= 20, $"{lines.Thermodynamic.Count} T_c points");
        Assert.InRange(lines.Thermodynamic[0].T, 0.2478, 0.2481);
        Assert.All(lines.Thermodynamic.Where(c => lines.Spinodal.Any(s => s.Alpha == c.Alpha)), c => Assert.True(c.T < lines.Spinodal.First(s => s.Alpha == c.Alpha).T));
        Assert.InRange(lines.Thermodynamic[^1].Alpha, 0.1410, 0.1416); // the tip, bisected in alpha, just beyond alpha_t
        Assert.All(lines.Thermodynamic.Zip(lines.Thermodynamic.Skip(1)), pair => Assert.True(pair.Second.T < pair.First.T));
        Assert.All(lines.GlassStatic.Zip(lines.GlassDynamical), pair => Assert.True(pair.First.T <= pair.Second.T));
        Assert.InRange(lines.GroundStateTransition, 0.1407, 0.1409); // retrieval the T = 0 ground state up to alpha_t
        // From alpha_t the region's lower edge rises towards the tip, below T_c there.
        Assert.Equal((lines.GroundStateTransition, 0.0), lines.ThermodynamicLower[0]);
        Assert.Equal(5, lines.ThermodynamicLower.Count);
        Assert.All(lines.ThermodynamicLower.Zip(lines.ThermodynamicLower.Skip(1)), pair => Assert.True(pair.Second.Alpha > pair.First.Alpha && pair.Second.T > pair.First.T));
        Assert.Equal(lines.Thermodynamic[^1].Alpha, lines.ThermodynamicLower[^1].Alpha);
        Assert.InRange(lines.ThermodynamicLower[^1].T, 0.11, lines.Thermodynamic[^1].T);
        Assert.Equal(0.651385 * Math.Sqrt(2 * 0.1 / 6), lines.GlassStatic.Last(s => s.Alpha <= 0.1).T / Math.Sqrt(lines.GlassStatic.Last(s => s.Alpha <= 0.1).Alpha / 0.1), 5);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(p => { if (p.Done >= 1) cancel.Cancel(); });
        Assert.ThrowsAny<OperationCanceledException>(() => DenseSweep.Run(settings with { Threads = 1 }, broken, progress, cancel.Token));
        var resumed = DenseSweep.Run(settings, broken);
        Assert.Equal(Table(reference.Points), Table(resumed.Points));
        Assert.Throws<IncompatibleStoreException>(() => PhaseDiagramSweep.Run(Small, broken));
    }

    [Fact]
    public void Plot_is_self_contained_html()
    {
        string dir = PhysicsProgram.TempDir();
        var outcome = PhaseDiagramSweep.Run(Small with { Loads = [0.05], Temperatures = [0.5] }, dir);
        var html = Path.Combine(dir, "p.html");
        PhaseDiagramPlot.SaveHtml(PhaseDiagramPlot.Chart(outcome.Lines, outcome.Points), html);
        var text = File.ReadAllText(html);
        Assert.Contains("plotly.js v", text);               // the library itself is inlined
        Assert.DoesNotContain("<script src=\"https://", text); // no CDN link that renders blank offline
        Assert.Contains("T_M (retrieval spinodal)", text);
        Assert.Contains("Monte Carlo", text);
    }
}
