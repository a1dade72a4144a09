using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>Scalars of one dense sweep launch.</summary>
public struct DenseSweepArguments
{
    public int Neurons, Patterns, Stride, FirstSweep, Sweeps, Metropolis;
    public uint Key0, Key1;
    /// <summary>
    /// 1 where the flip parts are integer polynomials (<see cref="FlipPolynomials"/>, every P) whose K-fold sums fit
    /// 64 bits: each lane evaluates G and H at its own overlaps, G = M^GOdd g(M^2) and H = M^HOdd h(M^2) with g's
    /// GTerms coefficients and then h's HTerms in the polynomial buffer, so no Odd/Even tables are read or written,
    /// and X / D (D = 2^Shift * odd, Inverse its inverse modulo 2^64) is the same integer as the tables' sum.
    /// </summary>
    public int Polynomial, GTerms, HTerms, GOdd, HOdd, Shift;
    public ulong Inverse;
}

/// <summary>
/// Dense (P-spin) chains on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator for checks), bit for bit the
/// native <see cref="DenseChain"/>: the same Philox words, the same exact 64-bit flip parts
/// (<see cref="DenseEnergy.Odd"/>/<see cref="DenseEnergy.Even"/>) and the same integer acceptance
/// (<see cref="FixedPointAcceptance"/>). A warp advances one chain; lane t owns patterns mu = t, t + W, ...:
/// their overlap sums (shared memory) and their Odd values (global), and the dot product and the change of the
/// Even total are reduced by warp shuffles. O(K) per attempt, no P-index tensor. Where the flip parts are integer
/// polynomials (every P at the sizes where their sums fit 64 bits) the lanes evaluate them at their own overlaps
/// instead: an attempt reads only the pattern row and shared memory, and an accepted flip moves only the overlaps
/// (and the Even total, kept exactly).
/// </summary>
public sealed class IlgpuDenseEnsemble : IDisposable
{
    readonly Context context;
    readonly Accelerator accelerator;
    readonly Action<KernelConfig, ArrayView<sbyte>, ArrayView<sbyte>, ArrayView<int>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>,
        ArrayView<long>, ArrayView<ulong>, ArrayView<double>, ArrayView<int>, ArrayView<long>, DenseSweepArguments> kernel;
    readonly MemoryBuffer1D<sbyte, Stride1D.Dense> patterns, spins;
    readonly MemoryBuffer1D<int, Stride1D.Dense> sums, info;
    readonly MemoryBuffer1D<long, Stride1D.Dense> odd, evenTotal, oddTable, evenTable, polynomial, accepted;
    readonly MemoryBuffer1D<ulong, Stride1D.Dense> factors;
    readonly MemoryBuffer1D<double, Stride1D.Dense> coefficients;
    readonly int neurons, patternCount, stride, count;
    readonly Dynamics dynamics;
    readonly Philox4x32 rng;
    readonly DenseSweepArguments form; // the polynomial form's coefficient counts, parities and exact divisor (Polynomial = 0: tables)
    int sweepsDone;

    public string Device { get; }
    public int Count => count;

    public IlgpuDenseEnsemble(IReadOnlyList<PatternSet> samples, DenseEnergy energy, IReadOnlyList<ChainSpec> chains, Dynamics dynamics, ulong seed, bool cuda)
    {
        var p0 = samples[0];
        neurons = p0.Neurons; patternCount = p0.Count; stride = p0.Stride; count = chains.Count; this.dynamics = dynamics;
        if (samples.Any(s => s.Neurons != neurons || s.Count != patternCount)) throw new ArgumentException("samples differ in shape");
        if (energy.Neurons != neurons) throw new ArgumentException("the energy's N differs from the patterns'");
        rng = Philox4x32.FromSeed(seed);
        long[] polynomialCoefficients = [0];
        FlipPolynomials? poly = null; // the polynomial form where it applies
        if (energy.Polynomials is { } p && p.Reach < (1L << 62) / stride
            && FlipPolynomials.InSquares(p.Odd) is ({ } g, int gOdd) && FlipPolynomials.InSquares(p.Even) is ({ } h, int hOdd))
        {
            poly = p;
            polynomialCoefficients = [.. g, .. h];
            form = new DenseSweepArguments { Polynomial = 1, GTerms = g.Length, HTerms = h.Length, GOdd = gOdd, HOdd = hOdd };
            (form.Shift, form.Inverse) = DenseChain.ExactDivisor(p.Denominator);
        }
        (context, accelerator, Device) = DeviceContext.Open(cuda);
        kernel = accelerator.LoadStreamKernel<ArrayView<sbyte>, ArrayView<sbyte>, ArrayView<int>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>,
            ArrayView<long>, ArrayView<ulong>, ArrayView<double>, ArrayView<int>, ArrayView<long>, DenseSweepArguments>(SweepKernel);

        patterns = accelerator.Allocate1D(IlgpuEnsemble.PatternRows(samples));
        var (hostSpins, hostSums) = IlgpuEnsemble.InitialStates(samples, chains, seed);
        var hostOdd = new long[poly is null ? count * stride : 1]; // the polynomial form keeps no Odd values
        var hostEven = new long[count];
        var hostInfo = new int[count * 2];
        var hostCoefficients = new double[count];
        for (int c = 0; c < count; c++)
        {
            for (int mu = 0; mu < patternCount; mu++)
            {
                int m = hostSums[c * stride + mu];
                if (poly is not null) { hostEven[c] += FlipPolynomials.Evaluate(poly.Even, m); continue; } // D Even, exactly
                hostOdd[c * stride + mu] = energy.Odd(m);
                hostEven[c] += energy.Even(m);
            }
            hostInfo[2 * c] = chains[c].Sample; hostInfo[2 * c + 1] = chains[c].Chain;
            hostCoefficients[c] = 1 / chains[c].Temperature / energy.Scale; // as DenseChain: beta / N^(P-1)
        }
        spins = accelerator.Allocate1D(hostSpins);
        sums = accelerator.Allocate1D(hostSums);
        odd = accelerator.Allocate1D(hostOdd);
        evenTotal = accelerator.Allocate1D(hostEven);
        info = accelerator.Allocate1D(hostInfo);
        coefficients = accelerator.Allocate1D(hostCoefficients);
        var oddValues = new long[neurons + 1]; var evenValues = new long[neurons + 1];
        for (int plus = 0; plus <= neurons; plus++) { oddValues[plus] = energy.Odd(2 * plus - neurons); evenValues[plus] = energy.Even(2 * plus - neurons); }
        oddTable = accelerator.Allocate1D(oddValues);
        evenTable = accelerator.Allocate1D(evenValues);
        polynomial = accelerator.Allocate1D(polynomialCoefficients);
        factors = accelerator.Allocate1D(FixedPointAcceptance.Factors);
        accepted = accelerator.Allocate1D<long>(count);
        accepted.MemSetToZero();
    }

    public void Sweep(int sweeps)
    {
        var args = form;
        args.Neurons = neurons; args.Patterns = patternCount; args.Stride = stride; args.FirstSweep = sweepsDone; args.Sweeps = sweeps;
        args.Metropolis = dynamics == Dynamics.Metropolis ? 1 : 0; args.Key0 = rng.Key0; args.Key1 = rng.Key1;
        var config = new KernelConfig(count, accelerator.WarpSize, SharedMemoryConfig.RequestDynamic<int>(stride));
        kernel(config, patterns.View, spins.View, sums.View, odd.View, evenTotal.View, oddTable.View, evenTable.View, polynomial.View, factors.View,
            coefficients.View, info.View, accepted.View, args);
        accelerator.Synchronize();
        sweepsDone += sweeps;
    }

    /// <summary>Spins (chain-major), overlap sums (stride per chain) and accepted flips per chain.</summary>
    public (sbyte[] Spins, int[] Sums, long[] Accepted) Snapshot() => (spins.GetAsArray1D(), sums.GetAsArray1D(), accepted.GetAsArray1D());


    static void SweepKernel(ArrayView<sbyte> patterns, ArrayView<sbyte> spins, ArrayView<int> sums, ArrayView<long> odd, ArrayView<long> evenTotal,
        ArrayView<long> oddTable, ArrayView<long> evenTable, ArrayView<long> polynomial, ArrayView<ulong> factors, ArrayView<double> coefficients,
        ArrayView<int> info, ArrayView<long> accepted, DenseSweepArguments a)
    {
        int c = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        var m = SharedMemory.GetDynamic<int>();
        long chainBase = (long)c * a.Stride;
        for (int mu = t; mu < a.Stride; mu += g) m[mu] = sums[chainBase + mu];
        int sample = info[2 * c], chainId = info[2 * c + 1];
        double coefficient = coefficients[c];
        long even = evenTotal[c];
        long patternBase = (long)sample * a.Neurons * a.Stride, spinBase = (long)c * a.Neurons;
        long taken = 0;
        for (int sw = 0; sw < a.Sweeps; sw++)
        {
            uint sweep = (uint)(a.FirstSweep + sw);
            for (int pair = 0; 2 * pair < a.Neurons; pair++)
            {
                IlgpuEnsemble.PhiloxWords(a.Key0, a.Key1, (uint)pair, sweep, (uint)sample, (uint)chainId, out uint w0, out uint w1, out uint w2, out uint w3);
                for (int half = 0; half < 2 && 2 * pair + half < a.Neurons; half++)
                {
                    uint siteWord = half == 0 ? w0 : w2, acceptWord = half == 0 ? w1 : w3;
                    int i = (int)(((ulong)siteWord * (uint)a.Neurons) >> 32);
                    long row = patternBase + (long)i * a.Stride;
                    int si = spins[spinBase + i]; // read before the shuffle (see IlgpuEnsemble)
                    if (a.Polynomial != 0)
                    {
                        // X = sum_mu H(M) + s_i sum_mu xi G(M) in D units, as the native polynomial paths (64-bit arithmetic
                        // wraps, so Horner's rule is exact wherever the value fits, which Reach guarantees).
                        long sum = 0;
                        for (int mu = t; mu < a.Patterns; mu += g) sum += patterns[row + mu] * Part(polynomial, 0, a.GTerms, a.GOdd, m[mu]);
                        for (int lanes = g / 2; lanes > 0; lanes /= 2) sum += Warp.ShuffleXor(sum, lanes);
                        long total = even + si * sum;
                        long exact = (long)((ulong)(total >> a.Shift) * a.Inverse);
                        if ((ulong)acceptWord < Threshold(coefficient * exact, a.Metropolis, factors))
                        {
                            long change = 0;
                            for (int mu = t; mu < a.Patterns; mu += g)
                            {
                                int was = m[mu], now = was - 2 * si * patterns[row + mu];
                                m[mu] = now;
                                change += Part(polynomial, a.GTerms, a.HTerms, a.HOdd, now) - Part(polynomial, a.GTerms, a.HTerms, a.HOdd, was);
                            }
                            for (int lanes = g / 2; lanes > 0; lanes /= 2) change += Warp.ShuffleXor(change, lanes);
                            even += change;
                            spins[spinBase + i] = (sbyte)-si;
                            taken++;
                        }
                        continue;
                    }
                    long dot = 0;
                    for (int mu = t; mu < a.Patterns; mu += g) dot += patterns[row + mu] * odd[chainBase + mu];
                    for (int lanes = g / 2; lanes > 0; lanes /= 2) dot += Warp.ShuffleXor(dot, lanes);
                    long scaled = even + si * dot;
                    if ((ulong)acceptWord < Threshold(coefficient * scaled, a.Metropolis, factors))
                    {
                        long change = 0;
                        for (int mu = t; mu < a.Patterns; mu += g)
                        {
                            int was = m[mu], now = was - 2 * si * patterns[row + mu];
                            m[mu] = now;
                            odd[chainBase + mu] = oddTable[(now + a.Neurons) >> 1];
                            change += evenTable[(now + a.Neurons) >> 1] - evenTable[(was + a.Neurons) >> 1];
                        }
                        for (int lanes = g / 2; lanes > 0; lanes /= 2) change += Warp.ShuffleXor(change, lanes);
                        even += change;
                        spins[spinBase + i] = (sbyte)-si;
                        taken++;
                    }
                }
            }
        }
        for (int mu = t; mu < a.Stride; mu += g) sums[chainBase + mu] = m[mu];
        if (t == 0) { accepted[c] += taken; evenTotal[c] = even; }
    }

    /// <summary>M^odd c(M^2) with the count coefficients of c from index from, by Horner's rule in M^2.</summary>
    static long Part(ArrayView<long> polynomial, int from, int count, int odd, int m)
    {
        long square = (long)m * m, acc = 0;
        for (int k = count - 1; k >= 0; k--) acc = acc * square + polynomial[from + k];
        return odd != 0 ? acc * m : acc;
    }

    /// <summary><see cref="FixedPointAcceptance.Threshold"/> in kernel form (the same integer steps).</summary>
    static ulong Threshold(double x, int metropolis, ArrayView<ulong> factors)
    {
        if (metropolis != 0) return x <= 0 ? 1UL << 32 : Exp(x, factors);
        ulong e = Exp(x < 0 ? -x : x, factors);
        ulong positive = e >= 1UL << 32 ? 1UL << 31 : (e << 32) / ((1UL << 32) + e);
        return x > 0 ? positive : (1UL << 32) - positive;
    }

    static ulong Exp(double x, ArrayView<ulong> factors)
    {
        if (!(x < 32)) return 0;
        ulong fixedX = (ulong)(x * 4294967296.0), acc = 1UL << 32;
        for (int j = 0; j < FixedPointAcceptance.Chunks; j++)
        {
            int c = (int)((fixedX >> (8 * j)) & 255);
            if (c != 0) acc = (acc * factors[256 * j + c]) >> 32;
        }
        return acc;
    }

    public void Dispose()
    {
        patterns.Dispose(); spins.Dispose(); sums.Dispose(); info.Dispose(); odd.Dispose(); evenTotal.Dispose(); oddTable.Dispose();
        evenTable.Dispose(); polynomial.Dispose(); accepted.Dispose(); factors.Dispose(); coefficients.Dispose();
        accelerator.Dispose(); context.Dispose();
    }
}
