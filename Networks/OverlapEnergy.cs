namespace Physics.Networks;

/// <summary>
/// The energy family shared by every model: E(s) = -N sum_mu F(m_mu) + (self-coupling correction),
/// a function of the Mattis overlaps only. A single-spin flip changes every overlap by
/// -2 s_i xi_i^mu / N, so Delta E costs O(P) from the overlaps and no coupling matrix is ever formed.
/// The classical model is F(m) = m^2/2; dense (m^p), exponential and the continuous modern energy
/// are further separation functions of the same shape.
/// </summary>
public abstract class OverlapEnergy
{
    /// <summary>The separation function F(m).</summary>
    public abstract double Separation(double m);

    /// <summary>Constant that removes the self-interaction (i = j terms) that -N sum F(m) contains.</summary>
    public abstract double SelfCouplingCorrection(PatternSet patterns);

    /// <summary>E from integer overlap sums M_mu = N m_mu.</summary>
    public virtual double Energy(PatternSet patterns, ReadOnlySpan<short> overlapSums)
    {
        double n = patterns.Neurons, sum = 0;
        for (int mu = 0; mu < patterns.Count; mu++) sum += Separation(overlapSums[mu] / n);
        return -n * sum + SelfCouplingCorrection(patterns);
    }

    /// <summary>E recomputed from scratch from the state.</summary>
    public double Energy(PatternSet patterns, ReadOnlySpan<sbyte> spins)
    {
        Span<short> sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        return Energy(patterns, sums);
    }

    /// <summary>
    /// E(s with s_i flipped) - E(s) in O(P) from the overlaps. The generic form differences F;
    /// models with an exact integer form (the classical one) override it.
    /// </summary>
    public virtual double FlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
    {
        double n = patterns.Neurons, delta = 0;
        var row = patterns.Row(site);
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            double m = overlapSums[mu] / n;
            delta += Separation(m - 2.0 * spin * row[mu] / n) - Separation(m);
        }
        return -n * delta;
    }

    /// <summary>
    /// Delta E times some positive factor: the same sign as <see cref="FlipDelta"/>, which is all that
    /// zero-temperature dynamics needs. Energies whose differences overflow (the exponential one) scale it.
    /// </summary>
    public virtual double FlipDeltaScaled(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
        => FlipDelta(patterns, overlapSums, site, spin);
}

/// <summary>
/// Hebbian model (REFERENCE.md sections 1 and 4): F(m) = m^2/2 with J_ii = 0, so
/// H = -(N/2) sum_mu m_mu^2 + (1/2N) sum_i n_i with n_i = sum_mu (xi_i^mu)^2, and flipping s_i changes
/// it by (2/N)(s_i sum_mu xi_i^mu M_mu - n_i): an even integer over N. For unbiased +-1 patterns
/// n_i = P (H = -(N/2) sum m^2 + P/2, h_i = sum_mu xi_i^mu m_mu - alpha s_i); for diluted patterns in
/// {-1, 0, +1} the same code holds with the site's count of non-zero entries. The multitasking
/// Hamiltonian of REFERENCE.md section 4 keeps the diagonal; it differs from this one by the
/// constant (1/2N) sum_i n_i only.
/// </summary>
public sealed class HebbianEnergy : OverlapEnergy
{
    public static HebbianEnergy Instance { get; } = new();

    public override double Separation(double m) => 0.5 * m * m;

    public override double SelfCouplingCorrection(PatternSet patterns) => 0.5 * patterns.SelfCoupling / patterns.Neurons;

    /// <summary>Half of N Delta H for a flip of site i: s_i sum_mu xi_i^mu M_mu - n_i (an exact integer).</summary>
    public static long HalfScaledFlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
    {
        var row = patterns.Row(site);
        long field = 0;
        for (int mu = 0; mu < patterns.Count; mu++) field += row[mu] * overlapSums[mu];
        return spin * field - patterns.NonZero(site);
    }

    public override double FlipDelta(PatternSet patterns, ReadOnlySpan<short> overlapSums, int site, int spin)
        => 2.0 * HalfScaledFlipDelta(patterns, overlapSums, site, spin) / patterns.Neurons;
}
