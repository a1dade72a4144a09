namespace Physics.MonteCarlo;

/// <summary>
/// Acceptance of a move with a real-valued energy change, decided identically on every device. The dense
/// model's flips change the energy by a 64-bit integer over N^(P-1), too many values for a threshold table, and
/// exp differs in its last bit between .NET and CUDA. So x = c * Delta (one IEEE multiply, c = beta / N^(P-1)
/// fixed on the host) is cut to 32.32 fixed point and exp(-x) is built from the set bits of x as a product of
/// tabulated factors exp(-2^(j-32)), in integers only. The result is within 1e-8 (relative) of exp(-x): the
/// chains obey detailed balance to that accuracy, and the native and ILGPU samplers agree bit for bit.
/// </summary>
public static class FixedPointAcceptance
{
    /// <summary>Bits of x in 32.32 fixed point that matter: exp(-32) &lt; 2^-46 is always a rejection at 32-bit resolution.</summary>
    public const int Bits = 37;
    const double One = 4294967296.0;

    /// <summary>round(2^32 exp(-2^(j-32))), j = 0..36.</summary>
    public static readonly uint[] Factors = Enumerable.Range(0, Bits)
        .Select(j => (uint)Math.Min(uint.MaxValue, Math.Round(One * Math.Exp(-Math.Pow(2, j - 32))))).ToArray();

    /// <summary>2^32 exp(-x) for x &gt;= 0 (2^32 at x = 0, 0 for x &gt;= 32).</summary>
    public static ulong Exp(double x)
    {
        if (!(x < 32)) return 0;
        ulong fixedX = (ulong)(x * One), acc = 1UL << 32;
        for (int j = 0; j < Bits; j++)
            if (((fixedX >> j) & 1) != 0) acc = (acc * Factors[j]) >> 32;
        return acc;
    }

    /// <summary>
    /// The acceptance threshold for an energy change x = beta Delta E (accept when the 32-bit word is below it):
    /// Metropolis min(1, e^-x), heat bath 1/(1 + e^x).
    /// </summary>
    public static ulong Threshold(double x, Dynamics dynamics)
    {
        if (dynamics == Dynamics.Metropolis) return x <= 0 ? 1UL << 32 : Exp(x);
        ulong t = Exp(Math.Abs(x));
        ulong positive = t >= 1UL << 32 ? 1UL << 31 : (t << 32) / ((1UL << 32) + t); // e^-x / (1 + e^-x) for x >= 0
        return x > 0 ? positive : (1UL << 32) - positive;
    }
}
