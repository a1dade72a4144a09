using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// Exact flip parts of the P = 3 model kept in the classical chain's int8 x int16 form. There G(M) = a0 + a2 M^2 and
/// H(M) = b1 M (<see cref="FlipPolynomials"/>), so X = D N^2 Delta E = b1 sum_mu M_mu + s_i (a0 sum_mu xi_i^mu +
/// a2 sum_mu xi_i^mu M_mu^2) needs one dot product with the squares. For |M| &lt;= 255 the square fits 16 bits and
/// is stored as M^2 - 32768 in int16 (the low half of the int16 product with the top bit flipped); the few larger
/// overlaps (the condensed patterns) store 0 and are summed exactly from a list. An accepted flip moves the overlaps
/// and squares in one pass, which also notices overlaps crossing 255.
///
/// Where most flips are accepted, keeping the squares costs more than it saves: the parts then run on the fly
/// (<see cref="Prepare"/>), sum_mu xi_i^mu M_mu^2 as one int16 multiply and one multiply-add per 32 patterns, and a
/// flip moves only the overlaps, as a classical flip does, inside the next attempt's pass. Both forms give the same integer.
/// </summary>
internal sealed unsafe class SquareFlipParts
{
    const int Limit = 255;
    readonly long constant, quadratic, linear; // a0, a2, b1
    readonly int count, stride;
    readonly short[] squares;        // M^2 - 32768 where |M| <= 255, else 0 (pinned: read through a pointer in every attempt)
    readonly short* squaresAt;
    readonly uint[] largeMasks;      // per block of 32 patterns: which overlaps exceed 255
    readonly int[] large;
    readonly long[] largeSquares;    // M^2 of the listed overlaps, current
    readonly int[] rowSums;          // sum_mu xi_i^mu per site
    int largeCount;
    long overlapTotal;               // sum_mu M_mu
    readonly bool canRunOnTheFly;    // the int32 lanes of the on-the-fly sum cannot overflow
    bool stored = true;              // the squares are kept (else computed on the fly)
    // On the fly, an accepted flip is applied to the overlaps in the next attempt's pass over them (the chain settles
    // it before the overlaps are read elsewhere), so it costs no pass of its own.
    sbyte* pendingRow;
    int pendingSign;

    public SquareFlipParts(FlipPolynomials poly, PatternSet patterns, ReadOnlySpan<short> sums)
    {
        constant = poly.Odd[0]; quadratic = poly.Odd[2]; linear = poly.Even[1]; count = patterns.Count; stride = patterns.Stride;
        squares = GC.AllocateArray<short>(stride, pinned: true);
        squaresAt = (short*)Unsafe.AsPointer(ref squares[0]);
        largeMasks = new uint[(stride + 31) / 32];
        large = new int[stride];
        largeSquares = new long[stride];
        rowSums = new int[patterns.Neurons];
        for (int i = 0; i < patterns.Neurons; i++) foreach (var x in patterns.Row(i)) rowSums[i] += x;
        for (int mu = 0; mu < count; mu++)
        {
            overlapTotal += sums[mu];
            if (Math.Abs((int)sums[mu]) > Limit) largeMasks[mu >> 5] |= 1u << (mu & 31);
            else squares[mu] = (short)(sums[mu] * sums[mu] - 32768);
        }
        ListLarge(sums);
        // A lane adds stride / 32 pair sums of at most 2 N^2 each.
        canRunOnTheFly = Avx512BW.IsSupported && (stride / 32 + 1) * 2.0 * patterns.Neurons * patterns.Neurons < int.MaxValue;
    }

    /// <summary>
    /// Chooses the form for the next sweep from the last one's acceptance: on the fly above one accepted flip in
    /// sixteen attempts, stored below (the squares rebuilt from the overlaps on the way back). The overlaps must be
    /// settled (<see cref="Settle"/>).
    /// </summary>
    public void Prepare(long acceptedLastSweep, int attempts, short* m)
    {
        bool wantStored = !canRunOnTheFly || 16 * acceptedLastSweep < attempts;
        if (wantStored == stored) return;
        stored = wantStored;
        if (!stored) return;
        Array.Clear(largeMasks);
        for (int mu = 0; mu < count; mu++)
        {
            if (Math.Abs((int)m[mu]) > Limit) { largeMasks[mu >> 5] |= 1u << (mu & 31); squaresAt[mu] = 0; }
            else squaresAt[mu] = (short)(m[mu] * m[mu] - 32768);
        }
        ListLarge(new ReadOnlySpan<short>(m, stride));
    }

    /// <summary>
    /// sum_mu xi_mu M_mu^2 on the fly: y = xi M in int16, then y . M by multiply-add into int32 lanes, with the pending
    /// flip's overlap update fused into the same pass (its overlaps stay in registers).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long SquaresOnTheFly(sbyte* row, short* m)
    {
        sbyte* flipped = pendingRow;
        pendingRow = null;
        return flipped == null ? SquaresOnTheFly(row, m, null, 0, flip: false) : SquaresOnTheFly(row, m, flipped, pendingSign, flip: true);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long SquaresOnTheFly(sbyte* row, short* m, sbyte* flipped, int flippedSign, bool flip)
    {
        var acc = Vector512<int>.Zero;
        for (int k = 0; k < stride; k += 32)
        {
            var v = flip ? HebbianChain.FlipBlock(flipped, m, k, flippedSign) : Vector512.Load(m + k);
            var y = Avx512BW.MultiplyLow(Avx512BW.ConvertToVector512Int16(Vector256.Load(row + k)), v);
            acc = Avx512F.Add(acc, Avx512BW.MultiplyAddAdjacent(y, v));
        }
        return Vector512.Sum(Avx512F.ConvertToVector512Int64(acc.GetLower())) + Vector512.Sum(Avx512F.ConvertToVector512Int64(acc.GetUpper()));
    }

    /// <summary>Applies the pending on-the-fly flip, before the overlaps are read elsewhere.</summary>
    public void Settle(short* m)
    {
        if (pendingRow == null) return;
        HebbianChain.Flip(pendingRow, m, stride, pendingSign);
        pendingRow = null;
    }

    /// <summary>The polynomials have the P = 3 form and every product stays inside 64 bits.</summary>
    public static bool Fits(FlipPolynomials p, PatternSet patterns) => IsQuadratic(p) && patterns.Stride < (1 << 16) && patterns.Neurons <= 11585;

    /// <summary>G = a0 + a2 M^2 and H = b1 M (every P = 3 network).</summary>
    static bool IsQuadratic(FlipPolynomials p) =>
        p.Odd.Length >= 3 && p.Even.Length >= 2
        && p.Odd.Select((c, k) => k is 0 or 2 || c == 0).All(x => x) && p.Even.Select((c, k) => k == 1 || c == 0).All(x => x);

    void ListLarge(ReadOnlySpan<short> sums)
    {
        largeCount = 0;
        for (int b = 0; b < largeMasks.Length; b++)
            for (uint bits = largeMasks[b]; bits != 0; bits &= bits - 1)
                large[largeCount++] = 32 * b + System.Numerics.BitOperations.TrailingZeroCount(bits);
        Square(sums);
    }

    void Square(ReadOnlySpan<short> sums)
    {
        for (int j = 0; j < largeCount; j++) largeSquares[j] = (long)sums[large[j]] * sums[large[j]];
    }

    /// <summary>X for a flip of spin si at site i (row = its patterns), exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long Total(sbyte* row, short* m, int i, int si)
    {
        if (!stored)
            return linear * overlapTotal + si * (constant * rowSums[i] + quadratic * SquaresOnTheFly(row, m));
        long signs = 0, exact = 0;
        for (int j = 0; j < largeCount; j++)
        {
            int x = row[large[j]];
            signs += x; exact += x * largeSquares[j];
        }
        long squared = HebbianChain.Field(row, squaresAt, stride) + 32768L * (rowSums[i] - signs) + exact; // sum_mu xi_i^mu M_mu^2
        return linear * overlapTotal + si * (constant * rowSums[i] + quadratic * squared);
    }

    /// <summary>The flip of spin si at site i: M_mu -= 2 s_i xi_i^mu and the squares with it, in one pass.</summary>
    public void Flip(sbyte* row, short* m, int i, int si)
    {
        overlapTotal -= 2L * si * rowSums[i];
        if (!stored) { pendingRow = row; pendingSign = si; return; } // applied in the next attempt's pass
        bool moved = false;
        int k = 0;
        short* q = squaresAt;
        fixed (uint* masks = largeMasks)
        {
            if (Avx512BW.IsSupported)
            {
                var limit = Vector512.Create((short)Limit);
                var top = Vector512.Create(unchecked((short)0x8000));
                for (; k + 32 <= stride; k += 32)
                {
                    var v = HebbianChain.FlipBlock(row, m, k, si);
                    var big = Avx512BW.CompareGreaterThan(Avx512BW.Abs(v).AsInt16(), limit);
                    Avx512F.AndNot(big, Avx512F.Xor(Avx512BW.MultiplyLow(v, v), top)).Store(q + k);
                    uint bits = (uint)big.ExtractMostSignificantBits();
                    if (bits != masks[k >> 5]) { masks[k >> 5] = bits; moved = true; }
                }
            }
            for (; k < stride; k++)
            {
                int v = m[k] - 2 * si * row[k];
                m[k] = (short)v;
                bool big = Math.Abs(v) > Limit;
                q[k] = big ? (short)0 : (short)(v * v - 32768);
                uint bit = 1u << (k & 31), was = masks[k >> 5] & bit;
                if (big != (was != 0)) { masks[k >> 5] ^= bit; moved = true; }
            }
        }
        if (moved) ListLarge(new ReadOnlySpan<short>(m, stride));
        else Square(new ReadOnlySpan<short>(m, stride));
    }
}
