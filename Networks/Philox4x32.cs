using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    public (uint, uint, uint, uint) Next(uint c0, uint c1, uint c2, uint c3)
    {
        // Ten rounds written out: the JIT neither unrolls the loop nor keeps the bumped key in
        // registers, and the generator is a third of an attempt's cost otherwise.
        uint k0 = Key0, k1 = Key1;
        Round(ref c0, ref c1, ref c2, ref c3, k0, k1);
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 1 * W0), unchecked(k1 + 1 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 2 * W0), unchecked(k1 + 2 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 3 * W0), unchecked(k1 + 3 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 4 * W0), unchecked(k1 + 4 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 5 * W0), unchecked(k1 + 5 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 6 * W0), unchecked(k1 + 6 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 7 * W0), unchecked(k1 + 7 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 8 * W0), unchecked(k1 + 8 * W1));
        Round(ref c0, ref c1, ref c2, ref c3, unchecked(k0 + 9 * W0), unchecked(k1 + 9 * W1));
        return (c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Round(ref uint c0, ref uint c1, ref uint c2, ref uint c3, uint k0, uint k1)
    {
        ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
        uint x0 = (uint)(p1 >> 32) ^ c1 ^ k0, x2 = (uint)(p0 >> 32) ^ c3 ^ k1;
        c1 = (uint)p1; c3 = (uint)p0; c0 = x0; c2 = x2;
    }

    /// <summary>
    /// Next(c0 + j, c1, c2, c3) for j = 0 .. count-1, with the four words of counter j written to
    /// w0[j], w1[j], w2[j], w3[j]. The same numbers as <see cref="Next"/>, computed sixteen counters
    /// at a time with AVX-512 (eight with AVX2): a sweep's words in a fraction of the time of one
    /// serial chain of rounds per call.
    /// </summary>
    public void Fill(uint c0, uint c1, uint c2, uint c3, Span<uint> w0, Span<uint> w1, Span<uint> w2, Span<uint> w3)
    {
        int count = w0.Length, j = 0;
        if (Avx512F.IsSupported)
            for (; j + 16 <= count; j += 16) Block512(c0 + (uint)j, c1, c2, c3, w0[j..], w1[j..], w2[j..], w3[j..]);
        else if (Avx2.IsSupported)
            for (; j + 8 <= count; j += 8) Block256(c0 + (uint)j, c1, c2, c3, w0[j..], w1[j..], w2[j..], w3[j..]);
        for (; j < count; j++) (w0[j], w1[j], w2[j], w3[j]) = Next(c0 + (uint)j, c1, c2, c3);
    }

    // Lanes hold 32-bit counter words in 64-bit slots; Multiply(uint lanes) is the exact 32x32->64 product.
    void Block512(uint start, uint c1, uint c2, uint c3, Span<uint> w0, Span<uint> w1, Span<uint> w2, Span<uint> w3)
    {
        var lanes = Vector512.Create(0UL, 1, 2, 3, 4, 5, 6, 7);
        var mask = Vector512.Create(0xFFFFFFFFUL);
        var m0 = Vector512.Create((ulong)M0).AsUInt32();
        var m1 = Vector512.Create((ulong)M1).AsUInt32();
        Vector512<ulong> a0 = Vector512.Create((ulong)start) + lanes, b0 = a0 + Vector512.Create(8UL);
        Vector512<ulong> a1 = Vector512.Create((ulong)c1), b1 = a1, a2 = Vector512.Create((ulong)c2), b2 = a2, a3 = Vector512.Create((ulong)c3), b3 = a3;
        uint k0 = Key0, k1 = Key1;
        for (int round = 0; round < 10; round++)
        {
            var key0 = Vector512.Create((ulong)k0);
            var key1 = Vector512.Create((ulong)k1);
            var pa0 = Avx512F.Multiply(a0.AsUInt32(), m0); var pa1 = Avx512F.Multiply(a2.AsUInt32(), m1);
            var pb0 = Avx512F.Multiply(b0.AsUInt32(), m0); var pb1 = Avx512F.Multiply(b2.AsUInt32(), m1);
            (a0, a1, a2, a3) = ((pa1 >>> 32) ^ a1 ^ key0, pa1 & mask, (pa0 >>> 32) ^ a3 ^ key1, pa0 & mask);
            (b0, b1, b2, b3) = ((pb1 >>> 32) ^ b1 ^ key0, pb1 & mask, (pb0 >>> 32) ^ b3 ^ key1, pb0 & mask);
            k0 += W0; k1 += W1;
        }
        Vector512.Narrow(a0, b0).CopyTo(w0);
        Vector512.Narrow(a1, b1).CopyTo(w1);
        Vector512.Narrow(a2, b2).CopyTo(w2);
        Vector512.Narrow(a3, b3).CopyTo(w3);
    }

    void Block256(uint start, uint c1, uint c2, uint c3, Span<uint> w0, Span<uint> w1, Span<uint> w2, Span<uint> w3)
    {
        var lanes = Vector256.Create(0UL, 1, 2, 3);
        var mask = Vector256.Create(0xFFFFFFFFUL);
        var m0 = Vector256.Create((ulong)M0).AsUInt32();
        var m1 = Vector256.Create((ulong)M1).AsUInt32();
        Vector256<ulong> a0 = Vector256.Create((ulong)start) + lanes, b0 = a0 + Vector256.Create(4UL);
        Vector256<ulong> a1 = Vector256.Create((ulong)c1), b1 = a1, a2 = Vector256.Create((ulong)c2), b2 = a2, a3 = Vector256.Create((ulong)c3), b3 = a3;
        uint k0 = Key0, k1 = Key1;
        for (int round = 0; round < 10; round++)
        {
            var key0 = Vector256.Create((ulong)k0);
            var key1 = Vector256.Create((ulong)k1);
            var pa0 = Avx2.Multiply(a0.AsUInt32(), m0); var pa1 = Avx2.Multiply(a2.AsUInt32(), m1);
            var pb0 = Avx2.Multiply(b0.AsUInt32(), m0); var pb1 = Avx2.Multiply(b2.AsUInt32(), m1);
            (a0, a1, a2, a3) = ((pa1 >>> 32) ^ a1 ^ key0, pa1 & mask, (pa0 >>> 32) ^ a3 ^ key1, pa0 & mask);
            (b0, b1, b2, b3) = ((pb1 >>> 32) ^ b1 ^ key0, pb1 & mask, (pb0 >>> 32) ^ b3 ^ key1, pb0 & mask);
            k0 += W0; k1 += W1;
        }
        Vector256.Narrow(a0, b0).CopyTo(w0);
        Vector256.Narrow(a1, b1).CopyTo(w1);
        Vector256.Narrow(a2, b2).CopyTo(w2);
        Vector256.Narrow(a3, b3).CopyTo(w3);
    }

    /// <summary>Uniform integer in [0, n) from a 32-bit word (multiply-shift; bias below n/2^32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Below(uint word, int n) => (int)(((ulong)word * (uint)n) >> 32);

    /// <summary>Uniform double in [0, 1) with 53 random bits from two words.</summary>
    public static double Uniform(uint a, uint b) => ((((ulong)a << 32) | b) >> 11) * (1.0 / (1UL << 53));
}
