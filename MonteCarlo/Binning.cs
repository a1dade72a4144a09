namespace Physics.MonteCarlo;

/// <summary>A mean with its one-sigma error.</summary>
public readonly record struct Estimate(double Mean, double Error)
{
    public override string ToString() => $"{Mean:G6} +- {Error:G2}";
}

/// <summary>Error bars for correlated Monte Carlo time series.</summary>
public static class Binning
{
    /// <summary>
    /// Mean and error by blocking (Flyvbjerg and Petersen 1989): the series is halved into bins of
    /// growing length; the naive error of the bin means grows until bins outlast the
    /// autocorrelation time. The largest value over levels with at least 64 bins is reported
    /// (fewer bins make the estimate itself too noisy, and the maximum then overshoots).
    /// </summary>
    public static Estimate Analyse(ReadOnlySpan<double> series)
    {
        int n = series.Length;
        if (n == 0) return new Estimate(double.NaN, double.NaN);
        double overall = 0;
        foreach (var x in series) overall += x;
        overall /= n;
        if (n < 2) return new Estimate(overall, double.NaN);
        var bins = series.ToArray();
        double mean = overall;
        int count = n;
        double error = 0;
        while (count >= 64 || error == 0)
        {
            double var = 0;
            for (int k = 0; k < count; k++) var += (bins[k] - mean) * (bins[k] - mean);
            var /= count - 1;
            error = Math.Max(error, Math.Sqrt(var / count));
            if (count < 4) break;
            int half = count / 2;
            for (int k = 0; k < half; k++) bins[k] = 0.5 * (bins[2 * k] + bins[2 * k + 1]);
            // A dropped odd element shifts the bin means slightly; recentre on them.
            count = half;
            mean = 0;
            for (int k = 0; k < count; k++) mean += bins[k];
            mean /= count;
        }
        return new Estimate(overall, error);
    }

    /// <summary>
    /// Combines per-disorder-sample estimates: the mean over samples, with error
    /// max(spread / sqrt(K), sqrt(sum of thermal errors^2) / K). The spread of sample means already
    /// contains their thermal noise; the thermal floor keeps a lucky small K honest.
    /// </summary>
    public static Estimate OverSamples(IReadOnlyList<Estimate> samples)
    {
        int k = samples.Count;
        double mean = samples.Average(e => e.Mean);
        double thermal = Math.Sqrt(samples.Sum(e => e.Error * e.Error)) / k;
        if (k < 2) return new Estimate(mean, thermal);
        double spread = Math.Sqrt(samples.Sum(e => (e.Mean - mean) * (e.Mean - mean)) / (k - 1));
        return new Estimate(mean, Math.Max(spread / Math.Sqrt(k), thermal));
    }
}
