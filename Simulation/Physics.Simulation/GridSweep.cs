using Physics.MonteCarlo;

namespace Physics.Simulation;

/// <summary>
/// The resumable grid loop shared by every phase-diagram sweep: points already in the store are
/// skipped, the rest run in parallel (one per core on the native CPU, one at a time on an accelerator),
/// and each finished point is stored in its own transaction, so an interruption loses nothing.
/// </summary>
public static class GridSweep
{
    /// <summary>Runs the missing (x, T) points of the grid. Returns (computed now, already stored).</summary>
    public static (int Computed, int Skipped) Run(
        IReadOnlyList<double> xs, IReadOnlyList<double> temperatures, ISet<(double, double)> stored,
        Action<double, double> compute, string device, int threads,
        IProgress<(int Done, int Total)>? progress, CancellationToken cancel)
    {
        var pending = (from x in xs from t in temperatures where !stored.Contains((x, t)) select (x, t)).ToList();
        int total = xs.Count * temperatures.Count, finished = total - pending.Count;
        progress?.Report((finished, total));
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = device != Devices.Cpu ? 1 : threads > 0 ? threads : Environment.ProcessorCount,
            CancellationToken = cancel,
        };
        Parallel.ForEach(pending, options, point =>
        {
            compute(point.x, point.t);
            progress?.Report((Interlocked.Increment(ref finished), total));
        });
        return (pending.Count, total - pending.Count);
    }
}
