using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Physics.MonteCarlo;

/// <summary>
/// A coarse int16 copy of a table-path chain's exact parts Odd(M_mu) (the networks whose flip polynomials overflow 64
/// bits: P &gt;= 6 from a few hundred neurons, P = 5 from about 2000), so that an attempt costs one int8 x int16 dot
/// product, as a classical one does, instead of a 64-bit one.
///
/// Y = N^(P-1) Delta E = Even total + s_i sum_mu xi_i^mu Odd(M_mu) is estimated as Even total + s_i (2^shift
/// sum_mu xi c_mu + the exact Odd of the few large overlaps), c_mu = Odd(M_mu) >> shift (the shift of
/// <see cref="CoarseFlipParts.ChooseShift"/>). The truncations r_mu = Odd - 2^shift c_mu lie in [0, 2^shift), so
/// |Y - estimate| &lt;= sum_mu r_mu, the bound. The copy has no drift: the chain keeps its tables current after every
/// accepted flip (rare where this copy pays) and takes the copy anew.
/// </summary>
internal sealed class CoarseTableParts
{
    /// <summary>The copy is not used when its values could take a sum past this (the chain then sums exactly).</summary>
    const long Reach = 1L << 60;

    readonly int count;
    readonly short[] coarse;
    readonly int[] large = new int[CoarseFlipParts.LargeCapacity];
    readonly long[] largeOdd = new long[CoarseFlipParts.LargeCapacity];
    int shift, largeCount;

    public CoarseTableParts(int count, int stride)
    {
        this.count = count;
        coarse = new short[stride]; // the padding stays 0
    }

    public short[] Coarse => coarse;

    /// <summary>|Y - Estimate| &lt;= Bound.</summary>
    public long Bound { get; private set; }

    /// <summary>False when the values are too large for 64-bit estimates (every attempt is then summed exactly).</summary>
    public bool Usable { get; private set; }

    /// <summary>A copy of the current Odd(M_mu) (and the Even total, whose size decides whether estimates fit 64 bits).</summary>
    public void Take(ReadOnlySpan<long> odd, long evenTotal)
    {
        long largest = 0;
        for (int mu = 0; mu < count; mu++) largest = Math.Max(largest, Math.Abs(odd[mu]));
        Usable = largest < Reach / coarse.Length && Math.Abs(evenTotal) < Reach;
        if (!Usable) return;
        renewals = 0;
        shift = CoarseFlipParts.ChooseShift(odd, count);
        largeCount = 0;
        long truncation = 0;
        for (int mu = 0; mu < count; mu++)
        {
            long g = odd[mu];
            if (CoarseFlipParts.Bits(g) > 14 + shift)
            {
                large[largeCount] = mu; largeOdd[largeCount++] = g;
                coarse[mu] = 0;
                continue;
            }
            long high = g >> shift;
            coarse[mu] = (short)high;
            truncation += g - (high << shift);
        }
        Bound = truncation;
    }

    int renewals; // since the last Take

    /// <summary>
    /// The copy after an accepted flip, keeping the shift and the large entries: one vectorised pass (shift, truncate,
    /// narrow with saturation, and count the entries that did not fit int16). Where a small entry has outgrown int16,
    /// or every 32 renewals (the values may have shrunk, so that a smaller shift would do), the copy is taken anew.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public unsafe void Renew(ReadOnlySpan<long> odd, long evenTotal)
    {
        if (!Usable || ++renewals >= 32 || !Avx512F.IsSupported || Math.Abs(evenTotal) >= Reach) { Take(odd, evenTotal); return; }
        var truncation = Vector512<long>.Zero; var misfits = Vector512<long>.Zero; var largest = Vector512<long>.Zero;
        var count = Vector128.CreateScalar((long)shift);
        fixed (long* o = odd)
        fixed (short* c = coarse)
            for (int k = 0; k < coarse.Length; k += 8)
            {
                var g = Vector512.Load(o + k);
                var high = Avx512F.ShiftRightArithmetic(g, count);
                truncation += g - Avx512F.ShiftLeftLogical(high, count);
                var narrow = Avx512F.ConvertToVector128Int16WithSaturation(high);
                narrow.Store(c + k);
                misfits += Vector512.Equals(Avx512F.ConvertToVector512Int64(narrow), high).AsInt64() + Vector512<long>.One; // +1 where unequal
                largest = Avx512F.Max(largest, Avx512F.Abs(g).AsInt64());
            }
        long total = Vector512.Sum(truncation), unfit = Vector512.Sum(misfits);
        for (int j = 0; j < largeCount; j++)
        {
            int mu = large[j];
            long g = odd[mu], high = g >> shift;
            largeOdd[j] = g;
            coarse[mu] = 0;
            total -= g - (high << shift);
            if (high != (short)high) unfit--;
        }
        long peak = 0;
        for (int j = 0; j < 8; j++) peak = Math.Max(peak, largest.GetElement(j));
        if (unfit != 0 || peak >= Reach / coarse.Length) { Take(odd, evenTotal); return; }
        Bound = total;
    }

    /// <summary>The estimate of Y for a flip of spin si at the site with pattern row <paramref name="row"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public unsafe long Estimate(sbyte* row, short* coarseSums, int stride, int si, long evenTotal)
    {
        long odd = (long)HebbianChain.Field(row, coarseSums, stride) << shift;
        for (int j = 0; j < largeCount; j++) odd += row[large[j]] * largeOdd[j];
        return evenTotal + si * odd;
    }
}
