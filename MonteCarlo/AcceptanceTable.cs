using System.Runtime.CompilerServices;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact acceptance decisions for the classical model. A flip changes the energy by
/// Delta H = 2k/N with the integer k = s_i sum_mu xi_i^mu M_mu - P, so every acceptance
/// probability is tabulated once as a 32-bit threshold and a decision is one integer compare
/// against a uniform 32-bit word: no transcendental function in the hot path, and the same
/// decision on every device.
/// </summary>
public sealed class AcceptanceTable
{
    readonly uint[] thresholds;   // index k + Reach, for k in [-Reach, Reach]
    readonly int alwaysAtOrBelow; // k at or below this is accepted without a draw

    /// <summary>Largest |k| tabulated; beyond it the probability is within 2^-32 of 0 or 1.</summary>
    public int Reach { get; }

    public int Neurons { get; }
    public int Patterns { get; }

    /// <summary>k at or below this is accepted without a draw (0 for Metropolis, -Reach-1 for heat bath).</summary>
    public int AlwaysAtOrBelow => alwaysAtOrBelow;

    /// <summary>Thresholds for k = -Reach .. Reach (index k + Reach), for device copies.</summary>
    public ReadOnlySpan<uint> Thresholds => thresholds;

    public AcceptanceTable(int neurons, int patterns, double temperature, Dynamics dynamics)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive finite number");
        Neurons = neurons; Patterns = patterns;
        long maxK = (long)neurons * patterns + patterns;
        // exp(-2 beta k / N) < 2^-32 once k > 16 ln2 N T: nothing to tabulate past that.
        double cutoff = 16 * Math.Log(2) * neurons * temperature + 2;
        Reach = (int)Math.Min(maxK, Math.Min(cutoff, int.MaxValue / 2));
        thresholds = new uint[2 * Reach + 1];
        double beta = 1 / temperature;
        for (int k = -Reach; k <= Reach; k++)
        {
            double x = 2 * beta * k / neurons;
            double p = dynamics == Dynamics.Metropolis ? Math.Min(1, Math.Exp(-x)) : 1 / (1 + Math.Exp(x));
            thresholds[k + Reach] = (uint)Math.Min(uint.MaxValue, Math.Floor(p * 4294967296.0));
        }
        alwaysAtOrBelow = dynamics == Dynamics.Metropolis ? 0 : -Reach - 1;
    }

    /// <summary>Accept the flip with half-scaled energy change k, given a uniform 32-bit word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Accept(long k, uint word)
    {
        if (k <= alwaysAtOrBelow) return true;
        if (k > Reach) return false;
        return word < thresholds[k + Reach];
    }

    /// <summary>The probability the table realises for k (threshold / 2^32, or 0 or 1 outside).</summary>
    public double Probability(long k)
        => k <= alwaysAtOrBelow ? 1 : k > Reach ? 0 : thresholds[k + Reach] / 4294967296.0;
}
