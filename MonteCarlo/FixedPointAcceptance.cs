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

    /// <summary>
    /// |Threshold(x) - 2^32 min(1, e^-x)| (Metropolis) and |Threshold(x) - 2^32 / (1 + e^x)| (heat bath) stay below
    /// this many units: each of the five steps truncates (1) and carries a factor rounded to 1/2 unit, the fixed-point
    /// cut of x costs at most 1, and the heat-bath quotient is 1-Lipschitz in e^-x plus its own truncation (tested).
    /// </summary>
    public const int ErrorBound = 10;
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

/// <summary>
/// Decisions of <see cref="FixedPointAcceptance.Threshold"/> without computing it, for energy changes known only to
/// lie in an interval [x_lo, x_hi]: the 32-bit acceptance words are cut into buckets of one 64th of an octave, and for
/// each bucket the table holds the x at and above which every word of the bucket is rejected and the x at and below
/// which every word is accepted, with room for the threshold's <see cref="FixedPointAcceptance.ErrorBound"/> and one
/// unit more. Words are uniform, so only the few whose bucket straddles the interval need the exponential.
/// </summary>
internal sealed class AcceptanceBuckets
{
    const int MantissaBits = 6;
    /// <summary>Bucket 2b: reject when x_lo &gt;= it; 2b + 1: accept when x_hi &lt;= it (floats, rounded outwards).</summary>
    readonly float[] limits = new float[2 * (33 << MantissaBits)];

    public static readonly AcceptanceBuckets Metropolis = new(Dynamics.Metropolis), HeatBath = new(Dynamics.HeatBath);
    public static AcceptanceBuckets For(Dynamics dynamics) => dynamics == Dynamics.Metropolis ? Metropolis : HeatBath;

    readonly bool metropolis;

    AcceptanceBuckets(Dynamics dynamics)
    {
        metropolis = dynamics == Dynamics.Metropolis;
        const double one = 4294967296.0, margin = FixedPointAcceptance.ErrorBound + 1;
        // The x where the exact threshold (2^32 min(1, e^-x) or 2^32 / (1 + e^x)) equals w; +-infinity outside (0, 2^32).
        double Inverse(double w) => w <= 0 ? double.PositiveInfinity : w >= one ? double.NegativeInfinity
            : dynamics == Dynamics.Metropolis ? Math.Log(one / w) : Math.Log(one / w - 1);
        for (int lead = 0; lead <= 32; lead++)
            for (int mantissa = 0; mantissa < 1 << MantissaBits; mantissa++)
            {
                double low, width;
                if (lead == 32) { low = 0; width = 1; }
                else
                {
                    low = Math.Floor((double)((1L << MantissaBits) + mantissa) * Math.Pow(2, 32 - MantissaBits - 1 - lead));
                    width = Math.Max(1, Math.Pow(2, 32 - MantissaBits - 1 - lead));
                }
                int b = (lead << MantissaBits) + mantissa;
                // Every word w in [low, low + width) is rejected where threshold <= low - margin and accepted where
                // threshold >= low + width - 1 + margin + 1.
                limits[2 * b] = Up(Inverse(low - margin));
                limits[2 * b + 1] = Down(Inverse(low + width + margin));
            }
    }

    static float Up(double x) => double.IsInfinity(x) ? (float)x : MathF.BitIncrement((float)(x + 1e-9 * (1 + Math.Abs(x))));
    static float Down(double x) => double.IsInfinity(x) ? (float)x : MathF.BitDecrement((float)(x - 1e-9 * (1 + Math.Abs(x))));

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    static int Index(uint word)
    {
        int lead = System.Numerics.BitOperations.LeadingZeroCount(word);
        int mantissa = lead == 32 ? 0 : (int)((word << lead) >> (31 - MantissaBits)) & ((1 << MantissaBits) - 1);
        return (lead << MantissaBits) + mantissa;
    }

    /// <summary>
    /// A one-comparison sufficient test for the common case of a hot Metropolis chain: for every x &lt;= xHigh the
    /// threshold is at least 2^32 (1 - max(x, 0)) - ErrorBound, so a word below that minus one unit is accepted. It
    /// stands in for the downhill test too, without its unpredictable branch.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static bool SurelyAccepted(Dynamics dynamics, uint word, double xHigh) =>
        dynamics == Dynamics.Metropolis && word < 4294967296.0 * (1 - Math.Max(xHigh, 0)) - (FixedPointAcceptance.ErrorBound + 1);

    /// <summary>1: every x in [xLow, xHigh] accepts the word; 0: every x rejects it; -1: undecided.</summary>
    /// <remarks>
    /// Small Metropolis steps (most flips of a hot chain) are decided without the table: 1 - x &lt;= e^-x &lt;= 1 - x + x^2/2
    /// for x &gt;= 0, widened by the threshold's error bound and one unit.
    /// </remarks>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public int Decide(uint word, double xLow, double xHigh)
    {
        const double one = 4294967296.0, margin = FixedPointAcceptance.ErrorBound + 1;
        if (metropolis && xHigh < 0.25)
        {
            if (word < one * (1 - xHigh) - margin) return 1;
            if (xLow >= 0 && word >= one * (1 - xLow + 0.5 * xLow * xLow) + margin) return 0;
        }
        int b = 2 * Index(word);
        if (xLow >= limits[b]) return 0;
        if (xHigh <= limits[b + 1]) return 1;
        return -1;
    }
}
