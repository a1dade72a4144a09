using System.Runtime.CompilerServices;

namespace Physics.Networks;

/// <summary>
/// Philox-4x32-10 (Salmon et al., SC'11): a counter-based generator. Output depends only on
/// (key, counter), so a chain's random numbers do not depend on threads, devices or on what
/// runs beside it. The key carries the seed; the counter carries (block, sweep, sample, chain).
/// </summary>
public readonly record struct Philox4x32(uint Key0, uint Key1)
{
    const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    public static Philox4x32 FromSeed(ulong seed) => new((uint)seed, (uint)(seed >> 32));

    /// <summary>Four independent 32-bit words for the counter (c0, c1, c2, c3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (uint, uint, uint, uint) Next(uint c0, uint c1, uint c2, uint c3)
    {
        uint k0 = Key0, k1 = Key1;
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
            k0 += W0; k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    /// <summary>Uniform integer in [0, n) from a 32-bit word (multiply-shift; bias below n/2^32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Below(uint word, int n) => (int)(((ulong)word * (uint)n) >> 32);

    /// <summary>Uniform double in [0, 1) with 53 random bits from two words.</summary>
    public static double Uniform(uint a, uint b) => ((((ulong)a << 32) | b) >> 11) * (1.0 / (1UL << 53));
}
