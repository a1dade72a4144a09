using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace Physics.Simulation;

/// <summary>A store that belongs to another kind of run, or is no store at all.</summary>
public sealed class IncompatibleStoreException(string message) : Exception(message);

/// <summary>One finished grid point of a Monte Carlo sweep.</summary>
public sealed record PointResult(
    double Alpha, double Temperature, int Neurons, int Patterns, ulong Seed, int Samples,
    int EquilibrationSweeps, int MeasurementSweeps, string Dynamics, string Start,
    double Overlap, double OverlapError, double Energy, double EnergyError, double Acceptance,
    double Seconds, double AttemptsPerSecond, string CodeVersion);

/// <summary>One finished point of the modern network's capacity sweep: retrieval success rate at (d, N), errors relative to M, Theorem 3's bound.</summary>
public sealed record CapacityPointResult(
    int Dimension, int Patterns, double Beta, double RadiusFactor, double Noise, double Tolerance, int Trials, ulong Seed,
    double SuccessRate, double MeanError, double MaxError, double? BoundPatterns, double Seconds, string CodeVersion);

/// <summary>One finished grid point of the multitasking (d, T) sweep: ranked amplitudes |m| with their errors.</summary>
public sealed record MultitaskPointResult(
    double Dilution, double Temperature, int Neurons, int Patterns, ulong Seed, int Samples,
    int EquilibrationSweeps, int MeasurementSweeps, string Dynamics, string Start,
    double[] Amplitudes, double[] AmplitudeErrors, double Energy, double EnergyError, double Acceptance,
    double Seconds, double AttemptsPerSecond, string CodeVersion);

/// <summary>
/// Embedded SQLite results store (WAL, synchronous=FULL). One row per grid point, written in its
/// own transaction once the point is finished, keyed by (alpha, temperature): a run killed at any
/// moment leaves only whole rows, and a rerun skips them (INSERT OR IGNORE never duplicates).
/// The run's settings are kept in a meta table; a rerun with other settings is refused before
/// anything is written.
/// </summary>
public sealed class ResultStore : IDisposable
{
    public const string FileName = "results.db";
    const string SchemaVersion = "1";
    readonly SqliteConnection connection;
    readonly object gate = new();

    ResultStore(SqliteConnection connection) => this.connection = connection;

    /// <summary>
    /// Hosts that load this library from its folder (notebook kernels) do not read its deps.json, so
    /// SQLite's native e_sqlite3 is looked for beside the host instead. Resolve it from this library's
    /// own runtimes/&lt;rid&gt;/native folder when it is there; otherwise the default probing applies.
    /// </summary>
    static ResultStore()
    {
        Assembly provider;
        try { provider = Assembly.Load("SQLitePCLRaw.provider.e_sqlite3"); }
        catch (IOException) { return; }
        string folder = Path.GetDirectoryName(typeof(ResultStore).Assembly.Location) ?? "";
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string file = OperatingSystem.IsWindows() ? "e_sqlite3.dll" : OperatingSystem.IsMacOS() ? "libe_sqlite3.dylib" : "libe_sqlite3.so";
        string path = Path.Combine(folder, "runtimes", $"{os}-{arch}", "native", file);
        try
        {
            NativeLibrary.SetDllImportResolver(provider, (name, _, _) =>
                name == "e_sqlite3" && File.Exists(path) && NativeLibrary.TryLoad(path, out var handle) ? handle : IntPtr.Zero);
        }
        catch (InvalidOperationException) { } // a resolver is already set by the host: leave it
    }

    /// <summary>
    /// Checks, without writing, that the store at <paramref name="path"/> (if any) was made by a run
    /// with the same settings. Throws <see cref="IncompatibleStoreException"/> naming the first difference.
    /// </summary>
    public static void CheckCompatible(string path, IReadOnlyDictionary<string, string> settings)
    {
        if (!File.Exists(path)) return;
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            var stored = ReadMeta(c);
            if (!stored.TryGetValue("schema", out var schema) || schema != SchemaVersion)
                throw new IncompatibleStoreException($"--out: {path} was written by an incompatible version of the store (schema {schema ?? "none"}, expected {SchemaVersion})");
            foreach (var (key, value) in settings)
                if (stored.TryGetValue(key, out var old) && old != value)
                    throw new IncompatibleStoreException(key == "model"
                        ? $"--out: {path} holds a {old} phase diagram, not a {value} one; choose another --out"
                        : $"--out: {path} holds a run with --{key} {old}, not {value}; choose another --out or the same settings");
        }
        catch (SqliteException e)
        {
            throw new IncompatibleStoreException($"--out: {path} is not a results store ({e.Message.Split('\n')[0]})");
        }
    }

    public static ResultStore Open(string path, IReadOnlyDictionary<string, string> settings)
    {
        CheckCompatible(path, settings);
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        c.Open();
        Execute(c, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Execute(c, """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS points (
              alpha REAL NOT NULL, temperature REAL NOT NULL,
              neurons INTEGER NOT NULL, patterns INTEGER NOT NULL, seed INTEGER NOT NULL, samples INTEGER NOT NULL,
              equilibration_sweeps INTEGER NOT NULL, measurement_sweeps INTEGER NOT NULL, dynamics TEXT NOT NULL, start TEXT NOT NULL,
              overlap REAL NOT NULL, overlap_error REAL NOT NULL, energy REAL NOT NULL, energy_error REAL NOT NULL, acceptance REAL NOT NULL,
              seconds REAL NOT NULL, attempts_per_second REAL NOT NULL, code_version TEXT NOT NULL, finished_at TEXT NOT NULL,
              PRIMARY KEY (alpha, temperature));
            CREATE TABLE IF NOT EXISTS multitask_points (
              dilution REAL NOT NULL, temperature REAL NOT NULL,
              neurons INTEGER NOT NULL, patterns INTEGER NOT NULL, seed INTEGER NOT NULL, samples INTEGER NOT NULL,
              equilibration_sweeps INTEGER NOT NULL, measurement_sweeps INTEGER NOT NULL, dynamics TEXT NOT NULL, start TEXT NOT NULL,
              amplitudes TEXT NOT NULL, amplitude_errors TEXT NOT NULL, energy REAL NOT NULL, energy_error REAL NOT NULL, acceptance REAL NOT NULL,
              seconds REAL NOT NULL, attempts_per_second REAL NOT NULL, code_version TEXT NOT NULL, finished_at TEXT NOT NULL,
              PRIMARY KEY (dilution, temperature));
            CREATE TABLE IF NOT EXISTS capacity_points (
              dimension INTEGER NOT NULL, patterns INTEGER NOT NULL, beta REAL NOT NULL, radius_factor REAL NOT NULL, noise REAL NOT NULL,
              tolerance REAL NOT NULL, trials INTEGER NOT NULL, seed INTEGER NOT NULL, success_rate REAL NOT NULL, mean_error REAL NOT NULL,
              max_error REAL NOT NULL, bound_patterns REAL, seconds REAL NOT NULL, code_version TEXT NOT NULL, finished_at TEXT NOT NULL,
              PRIMARY KEY (dimension, patterns));
            """);
        using (var tx = c.BeginTransaction())
        {
            foreach (var (key, value) in settings.Append(new("schema", SchemaVersion)))
            {
                using var cmd = c.CreateCommand();
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT OR IGNORE INTO meta(key, value) VALUES ($k, $v)";
                cmd.Parameters.AddWithValue("$k", key);
                cmd.Parameters.AddWithValue("$v", value);
                cmd.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return new ResultStore(c);
    }

    static Dictionary<string, string> ReadMeta(SqliteConnection c)
    {
        var meta = new Dictionary<string, string>();
        using var probe = c.CreateCommand();
        probe.CommandText = "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'";
        if (Convert.ToInt64(probe.ExecuteScalar(), CultureInfo.InvariantCulture) == 0) return meta;
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT key, value FROM meta";
        using var r = cmd.ExecuteReader();
        while (r.Read()) meta[r.GetString(0)] = r.GetString(1);
        return meta;
    }

    static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Stores a finished point (ignored if that (alpha, T) is already stored).</summary>
    public void Add(PointResult p) => Insert("points",
    [
        p.Alpha, p.Temperature, p.Neurons, p.Patterns, (long)p.Seed, p.Samples, p.EquilibrationSweeps, p.MeasurementSweeps,
        p.Dynamics, p.Start, p.Overlap, p.OverlapError, p.Energy, p.EnergyError, p.Acceptance, p.Seconds, p.AttemptsPerSecond, p.CodeVersion,
    ]);

    /// <summary>Stores a finished multitask point (ignored if that (d, T) is already stored).</summary>
    public void Add(MultitaskPointResult p) => Insert("multitask_points",
    [
        p.Dilution, p.Temperature, p.Neurons, p.Patterns, (long)p.Seed, p.Samples, p.EquilibrationSweeps, p.MeasurementSweeps,
        p.Dynamics, p.Start, Numbers(p.Amplitudes), Numbers(p.AmplitudeErrors), p.Energy, p.EnergyError, p.Acceptance,
        p.Seconds, p.AttemptsPerSecond, p.CodeVersion,
    ]);

    /// <summary>Stores a finished capacity point (ignored if that (d, N) is already stored).</summary>
    public void Add(CapacityPointResult p) => Insert("capacity_points",
    [
        p.Dimension, p.Patterns, p.Beta, p.RadiusFactor, p.Noise, p.Tolerance, p.Trials, (long)p.Seed, p.SuccessRate, p.MeanError, p.MaxError,
        p.BoundPatterns is { } b ? b : DBNull.Value, p.Seconds, p.CodeVersion,
    ]);

    /// <summary>Every stored capacity point, ordered by (d, N).</summary>
    public List<CapacityPointResult> CapacityPoints()
    {
        lock (gate)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT * FROM capacity_points ORDER BY dimension, patterns";
            using var r = cmd.ExecuteReader();
            var list = new List<CapacityPointResult>();
            while (r.Read())
                list.Add(new CapacityPointResult(r.GetInt32(0), r.GetInt32(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4), r.GetDouble(5), r.GetInt32(6),
                    (ulong)r.GetInt64(7), r.GetDouble(8), r.GetDouble(9), r.GetDouble(10), r.IsDBNull(11) ? null : r.GetDouble(11), r.GetDouble(12), r.GetString(13)));
            return list;
        }
    }

    static string Numbers(double[] x) => string.Join(",", x.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
    static double[] Numbers(string s) => s.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>One row, in its own transaction, with the finishing time appended.</summary>
    void Insert(string table, object[] values)
    {
        lock (gate)
        {
            using var tx = connection.BeginTransaction();
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            values = [.. values, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture)];
            cmd.CommandText = $"INSERT OR IGNORE INTO {table} VALUES ({string.Join(", ", values.Select((_, k) => $"$v{k}"))})";
            for (int k = 0; k < values.Length; k++) cmd.Parameters.AddWithValue($"$v{k}", values[k]);
            cmd.ExecuteNonQuery();
            tx.Commit();
        }
    }

    /// <summary>Every stored multitask point, ordered by (d, T).</summary>
    public List<MultitaskPointResult> MultitaskPoints()
    {
        lock (gate)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT * FROM multitask_points ORDER BY dilution, temperature";
            using var r = cmd.ExecuteReader();
            var list = new List<MultitaskPointResult>();
            while (r.Read())
                list.Add(new MultitaskPointResult(r.GetDouble(0), r.GetDouble(1), r.GetInt32(2), r.GetInt32(3), (ulong)r.GetInt64(4), r.GetInt32(5),
                    r.GetInt32(6), r.GetInt32(7), r.GetString(8), r.GetString(9), Numbers(r.GetString(10)), Numbers(r.GetString(11)),
                    r.GetDouble(12), r.GetDouble(13), r.GetDouble(14), r.GetDouble(15), r.GetDouble(16), r.GetString(17)));
            return list;
        }
    }

    /// <summary>Every stored point, ordered by (alpha, T).</summary>
    public List<PointResult> Points()
    {
        lock (gate)
        {
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "SELECT * FROM points ORDER BY alpha, temperature";
            using var r = cmd.ExecuteReader();
            var list = new List<PointResult>();
            while (r.Read())
                list.Add(new PointResult(r.GetDouble(0), r.GetDouble(1), r.GetInt32(2), r.GetInt32(3), (ulong)r.GetInt64(4), r.GetInt32(5),
                    r.GetInt32(6), r.GetInt32(7), r.GetString(8), r.GetString(9), r.GetDouble(10), r.GetDouble(11), r.GetDouble(12),
                    r.GetDouble(13), r.GetDouble(14), r.GetDouble(15), r.GetDouble(16), r.GetString(17)));
            return list;
        }
    }

    public void Dispose()
    {
        connection.Dispose();
    }
}
