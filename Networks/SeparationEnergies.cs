namespace Physics.Networks;

/// <summary>
/// Dense associative memory with a polynomial separation function (Krotov and Hopfield 2016):
/// E = -sum_mu (xi^mu . s)^n = -sum_mu (N m_mu)^n, i.e. in the shared form E = -N sum_mu F(m) with
/// F(m) = N^(n-1) m^n. The sum keeps the repeated indices (no self-coupling correction), as in the paper.
/// n = 2 is the classical model with J_ii kept, up to the factor 2N.
/// </summary>
public sealed class PolynomialEnergy(int degree, int neurons) : OverlapEnergy
{
    public int Degree { get; } = degree >= 1 ? degree : throw new ArgumentOutOfRangeException(nameof(degree), "the degree n must be at least 1");
    public int Neurons { get; } = neurons >= 1 ? neurons : throw new ArgumentOutOfRangeException(nameof(neurons), "N must be positive");

    public override double Separation(double m) => Math.Pow(Neurons, Degree - 1) * Math.Pow(m, Degree);

    public override double SelfCouplingCorrection(PatternSet patterns) => 0;

    public override double Energy(PatternSet patterns, ReadOnlySpan<short> overlapSums)
    {
        double e = 0;
        for (int mu = 0; mu < patterns.Count; mu++) e -= Math.Pow(overlapSums[mu], Degree);
        return e;
    }

    public override double FlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
    {
        var row = patterns.Row(site);
        double delta = 0;
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            int m = overlapSums[mu];
            delta -= Math.Pow(m - 2 * spin * row[mu], Degree) - Math.Pow(m, Degree);
        }
        return delta;
    }
}

/// <summary>
/// Exponential dense associative memory (Demircigil et al. 2017): E = -sum_mu exp(xi^mu . s), storing
/// exponentially many patterns; in the shared form F(m) = exp(N m) / N. Energies are reported as they are
/// (they overflow past N ~ 700); <see cref="FlipDeltaScaled"/> works relative to the largest term, so the
/// sign of Delta E, which is all the zero-temperature dynamics needs, stays exact in range.
/// </summary>
public sealed class ExponentialEnergy(int neurons) : OverlapEnergy
{
    public int Neurons { get; } = neurons >= 1 ? neurons : throw new ArgumentOutOfRangeException(nameof(neurons), "N must be positive");

    public override double Separation(double m) => Math.Exp(Neurons * m) / Neurons;

    public override double SelfCouplingCorrection(PatternSet patterns) => 0;

    public override double Energy(PatternSet patterns, ReadOnlySpan<short> overlapSums)
    {
        double e = 0;
        for (int mu = 0; mu < patterns.Count; mu++) e -= Math.Exp(overlapSums[mu]);
        return e;
    }

    /// <summary>Delta E = -sum_mu [exp(M_mu - 2 s xi) - exp(M_mu)] = exp(L) times <see cref="FlipDeltaScaled"/>.</summary>
    public override double FlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
        => FlipDeltaScaled(patterns, overlapSums, site, spin) * Math.Exp(Largest(patterns, overlapSums));

    /// <summary>Delta E divided by exp(L), L = max_mu M_mu + 2: bounded terms, no overflow.</summary>
    public override double FlipDeltaScaled(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
    {
        var row = patterns.Row(site);
        int largest = Largest(patterns, overlapSums);
        double scaled = 0;
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            int m = overlapSums[mu];
            scaled -= Math.Exp(m - 2 * spin * row[mu] - largest) - Math.Exp(m - largest);
        }
        return scaled;
    }

    static int Largest(PatternSet patterns, ReadOnlySpan<short> overlapSums)
    {
        int largest = int.MinValue;
        for (int mu = 0; mu < patterns.Count; mu++) largest = Math.Max(largest, overlapSums[mu] + 2);
        return largest;
    }
}

/// <summary>
/// Zero-temperature asynchronous dynamics of any overlap energy: visit sites in order and flip a spin
/// when the flip lowers the energy. The energy never increases; a sweep without a flip is a fixed point.
/// </summary>
public static class AsynchronousUpdate
{
    /// <summary>Sweeps until no flip lowers the energy (or the limit). Returns the number of sweeps done.</summary>
    public static int Relax(OverlapEnergy energy, PatternSet patterns, sbyte[] spins, int maxSweeps = 100)
    {
        var sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        for (int sweep = 1; sweep <= maxSweeps; sweep++)
        {
            bool flipped = false;
            for (int i = 0; i < spins.Length; i++)
            {
                if (energy.FlipDeltaScaled(patterns, sums, i, spins[i]) >= 0) continue;
                var row = patterns.Row(i);
                for (int mu = 0; mu < patterns.Count; mu++) sums[mu] = (short)(sums[mu] - 2 * spins[i] * row[mu]);
                spins[i] = (sbyte)-spins[i];
                flipped = true;
            }
            if (!flipped) return sweep;
        }
        return maxSweeps;
    }
}
