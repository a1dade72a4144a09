namespace Physics.MonteCarlo;

/// <summary>
/// Acceptance of a move with a real-valued energy change, decided identically on every device. The dense
/// model's flips change the energy by a 64-bit integer over N^(P-1), too many values for a threshold table, and
/// exp differs in its last bit between .NET and CUDA. So x = c * Delta (one IEEE multiply, c = beta / N^(P-1)
/// fixed on the host) is cut to 32.32 fixed point and exp(-x) is built from its bytes as a product of five
/// tabulated factors exp(-c 2^(8j-32)), in integers only. The result is within 1e-8 (relative) of exp(-x): the
/// chains obey detailed balance to that accuracy, and the native and ILGPU samplers agree bit for bit.
/// </summary>
public static class FixedPointAcceptance
{
    /// <summary>
    /// The 37 bits of x in 32.32 fixed point that matter (exp(-32) &lt; 2^-46 is always a rejection at 32-bit
    /// resolution), taken eight at a time: five table lookups and multiplies per threshold.
    /// </summary>
    public const int Chunks = 5;
    const double One = 4294967296.0;

    /// <summary>round(2^32 exp(-c 2^(8j-32))) at index 256 j + c, c = 1..255 (index c = 0 unused).</summary>
    public static readonly ulong[] Factors = Enumerable.Range(0, Chunks * 256)
        .Select(k => k % 256 == 0 ? 0UL : (ulong)Math.Round(One * Math.Exp(-(k % 256) * Math.Pow(2, 8 * (k / 256) - 32)))).ToArray();

    /// <summary>2^32 exp(-x) for x &gt;= 0 (2^32 at x = 0, 0 for x &gt;= 32).</summary>
    public static ulong Exp(double x)
    {
        if (!(x < 32)) return 0;
        ulong fixedX = (ulong)(x * One), acc = 1UL << 32;
        for (int j = 0; j < Chunks; j++)
        {
            int c = (int)((fixedX >> (8 * j)) & 255);
            if (c != 0) acc = (acc * Factors[256 * j + c]) >> 32;
        }
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
