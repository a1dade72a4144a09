using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// The flip parts' coefficients, lowest first, carried in the launch arguments so that the lanes hold them in
/// registers. G = M^((P-1) mod 2) g(M^2) has (P + 1) / 2 coefficients and H = M^(P mod 2) h(M^2) has P / 2
/// (<see cref="FlipPolynomials.InSquares"/>): at most five for P &lt;= 9.
/// </summary>
public struct KernelPolynomial
{
    public const int MaxTerms = 5;
    public long C0, C1, C2, C3, C4;

    internal static KernelPolynomial From(long[] coefficients)
    {
        if (coefficients.Length is 0 or > MaxTerms) throw new ArgumentException($"{coefficients.Length} coefficients (1 to {MaxTerms} fit)");
        long At(int k) => k < coefficients.Length ? coefficients[k] : 0;
        return new KernelPolynomial { C0 = At(0), C1 = At(1), C2 = At(2), C3 = At(3), C4 = At(4) };
    }

    /// <summary>sum_k c_k S_k.</summary>
    internal readonly long Combine(Levels s) => C0 * s.L0 + C1 * s.L1 + C2 * s.L2 + C3 * s.L3 + C4 * s.L4;
}

/// <summary>
/// A lane's level sums S_k = sum_mu x_mu M_mu^(odd + 2k) of a polynomial M^odd c(M^2) with the given number of terms
/// (x = xi for the sums of G; +1 and -1 at the overlaps after and before a flip for the change of H):
/// sum_mu x_mu c(M_mu^2) M_mu^odd = sum_k c_k S_k, a multiply-add per level and pattern, and only the lane's total
/// meets the coefficients. Level 0 is summed in 32 bits (|x M| &lt;= N), the others in 64 bits, where wrapping is
/// harmless: the combination is exact modulo 2^64 and its true value fits. A word's four level-1 terms are summed in
/// 32 bits first where four of them fit (narrow: 4 N^(odd + 2) &lt; 2^31). The kernel passes terms and odd as
/// constants of its order, so unused levels vanish.
/// </summary>
internal struct Levels
{
    public int L0;
    public long L1, L2, L3, L4;

    /// <summary>Whether a word's four level-1 terms of a polynomial with this parity fit 32 bits at |M| &lt;= N.</summary>
    public static bool Narrow(int odd, int neurons) => 4.0 * Math.Pow(neurons, odd + 2) < int.MaxValue;

    /// <summary>Adds the terms of one word of four patterns: entries x (signed bytes of the word), overlaps m0..m3 (|M| &lt;= N, N^2 &lt; 2^31).</summary>
    public static Levels AddWord(Levels s, int terms, int odd, bool narrow, int x, int m0, int m1, int m2, int m3)
    {
        int x0 = IlgpuEnsemble.Entry(x, 0), x1 = IlgpuEnsemble.Entry(x, 1), x2 = IlgpuEnsemble.Entry(x, 2), x3 = IlgpuEnsemble.Entry(x, 3);
        int f0 = odd != 0 ? x0 * m0 : x0, f1 = odd != 0 ? x1 * m1 : x1, f2 = odd != 0 ? x2 * m2 : x2, f3 = odd != 0 ? x3 * m3 : x3;
        s.L0 += f0 + f1 + f2 + f3;
        if (terms == 1) return s;
        uint q0 = (uint)(m0 * m0), q1 = (uint)(m1 * m1), q2 = (uint)(m2 * m2), q3 = (uint)(m3 * m3);
        if (narrow && terms == 2)
        {
            s.L1 += f0 * (int)q0 + f1 * (int)q1 + f2 * (int)q2 + f3 * (int)q3;
            return s;
        }
        // One pattern at a time up the levels: one 64-bit power live, not four (registers, hence warps per SM).
        s = AddPowers(s, terms, f0, q0); s = AddPowers(s, terms, f1, q1); s = AddPowers(s, terms, f2, q2);
        return AddPowers(s, terms, f3, q3);
    }

    /// <summary>Adds f q^k to level k = 1, 2, ... (terms - 1).</summary>
    static Levels AddPowers(Levels s, int terms, int f, uint q)
    {
        long p = (long)f * q; s.L1 += p;
        if (terms == 2) return s;
        p *= q; s.L2 += p;
        if (terms == 3) return s;
        p *= q; s.L3 += p;
        if (terms == 4) return s;
        s.L4 += p * q;
        return s;
    }

    /// <summary>A word's four patterns, all entries +1 (and -1), as <see cref="AddWord"/> reads them.</summary>
    public const int Plus = 0x01010101, Minus = -1;
}

/// <summary>The interaction order P as a type, so that the kernel is compiled for it (0: the table form).</summary>
internal interface IKernelOrder { int P { get; } }
internal struct TableForm : IKernelOrder { public readonly int P => 0; }
internal struct KernelOrder2 : IKernelOrder { public readonly int P => 2; }
internal struct KernelOrder3 : IKernelOrder { public readonly int P => 3; }
internal struct KernelOrder4 : IKernelOrder { public readonly int P => 4; }
internal struct KernelOrder5 : IKernelOrder { public readonly int P => 5; }
internal struct KernelOrder6 : IKernelOrder { public readonly int P => 6; }
internal struct KernelOrder7 : IKernelOrder { public readonly int P => 7; }
internal struct KernelOrder8 : IKernelOrder { public readonly int P => 8; }
internal struct KernelOrder9 : IKernelOrder { public readonly int P => 9; }

/// <summary>How the dense kernel finds a flip's parts: the polynomial form where it applies, or always the tables.</summary>
public enum DenseKernelForm { Auto, Tables }

/// <summary>Scalars of one dense sweep launch (public, as ILGPU's generated launcher must see a kernel's parameter types).</summary>
public struct DenseSweepArguments
{
    public int Neurons, Words, FirstSweep, Sweeps, Metropolis, Chains, ChainsPerGroup;
    public uint Key0, Key1;
    /// <summary>
    /// The polynomial form (a kernel compiled for P): the flip parts' coefficients, and D = 2^Shift * odd with Inverse
    /// the odd factor's inverse modulo 2^64, so that X / D is the same integer as the tables' sum.
    /// </summary>
    public int Shift, NarrowG, NarrowH; // narrow: see Levels
    public ulong Inverse;
    public KernelPolynomial G, H;
}

/// <summary>
/// Dense (P-spin) chains on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator for checks), bit for bit the
/// native <see cref="DenseChain"/>: the same Philox words, the same exact 64-bit flip parts
/// (<see cref="DenseEnergy.Odd"/>/<see cref="DenseEnergy.Even"/>) and the same integer acceptance
/// (<see cref="FixedPointAcceptance"/>). A warp advances one chain, several chains to a group on a GPU, laid out as
/// the classical <see cref="IlgpuEnsemble"/>: the pattern row is read as 32-bit words of four patterns, lane t owns
/// the words t, t + W, ... and keeps their overlap sums in shared memory transposed (pattern 4w + j at
/// j * Words + w, so a warp's reads hit distinct banks). The dot product and the change of the Even total are reduced
/// by warp shuffles. O(K) per attempt, no P-index tensor. Where the flip parts are integer polynomials whose sums fit
/// 64 bits (every P &lt;= 9 at the sizes the model is studied at), the kernel is compiled for P and each lane sums
/// powers of its own overlaps (<see cref="Levels"/>), which meet the coefficients once per attempt: an attempt reads
/// only the pattern row and shared memory, and an accepted flip moves the overlaps inside the next attempt's pass (as
/// the native chain does), its change of the Even total reduced beside that attempt's dot product. Elsewhere each lane
/// keeps its patterns' Odd values in global memory and an accepted flip refreshes them from the tables at once.
/// </summary>
public sealed class IlgpuDenseEnsemble : IDisposable
{
    readonly Context context;
    readonly Accelerator accelerator;
    readonly Action<KernelConfig, ArrayView<sbyte>, ArrayView<sbyte>, ArrayView<int>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>,
        ArrayView<ulong>, ArrayView<double>, ArrayView<int>, ArrayView<long>, DenseSweepArguments> kernel;
    readonly MemoryBuffer1D<sbyte, Stride1D.Dense> patterns, spins;
    readonly MemoryBuffer1D<int, Stride1D.Dense> sums, info;
    readonly MemoryBuffer1D<long, Stride1D.Dense> odd, evenTotal, oddTable, evenTable, accepted;
    readonly MemoryBuffer1D<ulong, Stride1D.Dense> factors;
    readonly MemoryBuffer1D<double, Stride1D.Dense> coefficients;
    readonly int neurons, stride, count, chainsPerGroup;
    readonly Dynamics dynamics;
    readonly Philox4x32 rng;
    readonly DenseSweepArguments form; // the polynomial form's coefficients and exact divisor
    int sweepsDone;

    public string Device { get; }
    public int Count => count;
    /// <summary>Whether the kernel runs the polynomial form (lanes sum powers of their overlaps), else the tables.</summary>
    public bool PolynomialForm { get; }

    public IlgpuDenseEnsemble(IReadOnlyList<PatternSet> samples, DenseEnergy energy, IReadOnlyList<ChainSpec> chains, Dynamics dynamics, ulong seed, bool cuda,
        DenseKernelForm kernelForm = DenseKernelForm.Auto)
    {
        var p0 = samples[0];
        neurons = p0.Neurons; stride = p0.Stride; count = chains.Count; this.dynamics = dynamics;
        int patternCount = p0.Count;
        if (samples.Any(s => s.Neurons != neurons || s.Count != patternCount)) throw new ArgumentException("samples differ in shape");
        if (energy.Neurons != neurons) throw new ArgumentException("the energy's N differs from the patterns'");
        rng = Philox4x32.FromSeed(seed);
        FlipPolynomials? poly = null; // the polynomial form where it applies
        // Level 0 and M^2 are 32-bit in the kernel: stride N and N^2 must fit.
        int order = energy.Order;
        if (kernelForm == DenseKernelForm.Auto && order <= 9 && energy.Polynomials is { } p && p.Reach < (1L << 62) / stride
            && (long)stride * neurons < int.MaxValue && (long)neurons * neurons < int.MaxValue
            && FlipPolynomials.InSquares(p.Odd) is ({ } g, int gOdd) && g.Length == (order + 1) / 2 && gOdd == (order - 1) % 2
            && FlipPolynomials.InSquares(p.Even) is ({ } h, int hOdd) && h.Length == order / 2 && hOdd == order % 2)
        {
            poly = p;
            form = new DenseSweepArguments
            {
                G = KernelPolynomial.From(g), H = KernelPolynomial.From(h),
                NarrowG = Levels.Narrow(gOdd, neurons) ? 1 : 0, NarrowH = Levels.Narrow(hOdd, neurons) ? 1 : 0,
            };
            (form.Shift, form.Inverse) = DenseChain.ExactDivisor(p.Denominator);
        }
        PolynomialForm = poly is not null;
        chainsPerGroup = DeviceContext.ChainsPerGroup(cuda, stride); // before the context opens, as IlgpuEnsemble
        (context, accelerator, Device) = DeviceContext.Open(cuda);
        kernel = (poly is null ? 0 : order) switch
        {
            0 => Load<TableForm>(), 2 => Load<KernelOrder2>(), 3 => Load<KernelOrder3>(), 4 => Load<KernelOrder4>(), 5 => Load<KernelOrder5>(),
            6 => Load<KernelOrder6>(), 7 => Load<KernelOrder7>(), 8 => Load<KernelOrder8>(), 9 => Load<KernelOrder9>(),
            _ => throw new InvalidOperationException($"no polynomial kernel for P = {order}"),
        };

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
                hostOdd[c * stride + mu % 4 * (stride / 4) + mu / 4] = energy.Odd(m); // transposed as the overlap sums
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
        int tableLength = poly is null ? neurons + 1 : 1;
        var oddValues = new long[tableLength]; var evenValues = new long[tableLength];
        for (int plus = 0; poly is null && plus <= neurons; plus++) { oddValues[plus] = energy.Odd(2 * plus - neurons); evenValues[plus] = energy.Even(2 * plus - neurons); }
        oddTable = accelerator.Allocate1D(oddValues);
        evenTable = accelerator.Allocate1D(evenValues);
        factors = accelerator.Allocate1D(FixedPointAcceptance.Factors);
        accepted = accelerator.Allocate1D<long>(count);
        accepted.MemSetToZero();
    }

    Action<KernelConfig, ArrayView<sbyte>, ArrayView<sbyte>, ArrayView<int>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>,
        ArrayView<ulong>, ArrayView<double>, ArrayView<int>, ArrayView<long>, DenseSweepArguments> Load<TOrder>() where TOrder : struct, IKernelOrder =>
        accelerator.LoadStreamKernel<ArrayView<sbyte>, ArrayView<sbyte>, ArrayView<int>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>,
            ArrayView<ulong>, ArrayView<double>, ArrayView<int>, ArrayView<long>, DenseSweepArguments>(SweepKernel<TOrder>);

    public void Sweep(int sweeps)
    {
        var args = form;
        args.Neurons = neurons; args.Words = stride / 4; args.FirstSweep = sweepsDone; args.Sweeps = sweeps;
        args.Chains = count; args.ChainsPerGroup = chainsPerGroup;
        args.Metropolis = dynamics == Dynamics.Metropolis ? 1 : 0; args.Key0 = rng.Key0; args.Key1 = rng.Key1;
        var config = new KernelConfig((count + chainsPerGroup - 1) / chainsPerGroup, accelerator.WarpSize * chainsPerGroup,
            SharedMemoryConfig.RequestDynamic<int>(stride * chainsPerGroup));
        kernel(config, patterns.View, spins.View, sums.View, odd.View, evenTotal.View, oddTable.View, evenTable.View, factors.View,
            coefficients.View, info.View, accepted.View, args);
        accelerator.Synchronize();
        sweepsDone += sweeps;
    }

    /// <summary>Spins (chain-major), overlap sums (stride per chain) and accepted flips per chain.</summary>
    public (sbyte[] Spins, int[] Sums, long[] Accepted) Snapshot() => (spins.GetAsArray1D(), sums.GetAsArray1D(), accepted.GetAsArray1D());

    static void SweepKernel<TOrder>(ArrayView<sbyte> patterns, ArrayView<sbyte> spins, ArrayView<int> sums, ArrayView<long> odd, ArrayView<long> evenTotal,
        ArrayView<long> oddTable, ArrayView<long> evenTable, ArrayView<ulong> factors, ArrayView<double> coefficients,
        ArrayView<int> info, ArrayView<long> accepted, DenseSweepArguments a) where TOrder : struct, IKernelOrder
    {
        // The order is a constant of this compiled kernel: the level counts and parities below fold away.
        int order = default(TOrder).P;
        bool polynomial = order != 0;
        int gTerms = (order + 1) / 2, gOdd = (order + 1) % 2, hTerms = order / 2, hOdd = order % 2;
        int t = Warp.LaneIdx, g = Warp.WarpSize;
        int c = Grid.IdxX * a.ChainsPerGroup + Warp.WarpIdx;
        if (c >= a.Chains) return;
        int words = a.Words, stride = 4 * words;
        var m = SharedMemory.GetDynamic<int>().SubView(Warp.WarpIdx * stride, stride);
        var rows = patterns.Cast<int>();
        long chainBase = (long)c * stride;
        for (int w = t; w < words; w += g)
            for (int j = 0; j < 4; j++) m[j * words + w] = sums[chainBase + 4 * w + j];
        int sample = info[2 * c], chainId = info[2 * c + 1];
        double coefficient = coefficients[c];
        long even = evenTotal[c];
        long patternBase = (long)sample * a.Neurons * words, spinBase = (long)c * a.Neurons;
        long taken = 0, pendingRow = 0;
        int pendingSign = 0; // s_i of an accepted flip whose overlap moves are still to be applied (polynomial form), else 0
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
                    long row = patternBase + (long)i * words;
                    int si = spins[spinBase + i]; // read before the shuffle (see IlgpuEnsemble)
                    // X = sum_mu H(M) + s_i sum_mu xi G(M): in D units on the polynomial form, as the native polynomial
                    // paths, else the tables' Odd values. Two words per step: both loads are issued before either is used.
                    // On the polynomial form the last accepted flip (pendingSign, pendingRow) moves the overlaps inside
                    // this pass, as the native chain does, and its change of the H total is reduced beside the dot product.
                    long dot = 0, change = 0;
                    if (polynomial)
                    {
                        var levels = new Levels();
                        var moves = new Levels();
                        if (pendingSign != 0)
                            for (int w = t; w < words; w += g)
                            {
                                int x = rows[row + w];
                                var moved = MoveWord(m, words, w, rows[pendingRow + w], pendingSign, moves, hTerms, hOdd, a.NarrowH != 0);
                                moves = moved.Moves;
                                levels = Levels.AddWord(levels, gTerms, gOdd, a.NarrowG != 0, x, moved.M0, moved.M1, moved.M2, moved.M3);
                            }
                        else
                            for (int w = t; w < words; w += 2 * g)
                            {
                                int x0 = rows[row + w], x1 = w + g < words ? rows[row + w + g] : 0;
                                levels = Levels.AddWord(levels, gTerms, gOdd, a.NarrowG != 0, x0, m[w], m[words + w], m[2 * words + w], m[3 * words + w]);
                                if (w + g < words)
                                {
                                    int v = w + g;
                                    levels = Levels.AddWord(levels, gTerms, gOdd, a.NarrowG != 0, x1, m[v], m[words + v], m[2 * words + v], m[3 * words + v]);
                                }
                            }
                        dot = a.G.Combine(levels);
                        if (pendingSign != 0) change = a.H.Combine(moves);
                    }
                    else
                        for (int w = t; w < words; w += 2 * g)
                        {
                            int x0 = rows[row + w], x1 = w + g < words ? rows[row + w + g] : 0;
                            dot += WordOdd(x0, odd, chainBase, words, w);
                            if (w + g < words) dot += WordOdd(x1, odd, chainBase, words, w + g);
                        }
                    if (pendingSign != 0)
                        { dot = WarpSum(dot, g); change = WarpSum(change, g); } // independent chains: interleaved
                    else
                        dot = WarpSum(dot, g);
                    even += change;
                    pendingSign = 0;
                    long total = even + si * dot;
                    if (polynomial) total = (long)((ulong)(total >> a.Shift) * a.Inverse); // X / D, exactly
                    if ((ulong)acceptWord < Threshold(coefficient * total, a.Metropolis, factors))
                    {
                        if (polynomial) { pendingSign = si; pendingRow = row; }
                        else
                        {
                            long moved = 0;
                            for (int w = t; w < words; w += g)
                            {
                                int x = rows[row + w];
                                for (int j = 0; j < 4; j++)
                                {
                                    int slot = j * words + w, was = m[slot], now = was - 2 * si * IlgpuEnsemble.Entry(x, j);
                                    m[slot] = now;
                                    odd[chainBase + slot] = oddTable[(now + a.Neurons) >> 1];
                                    moved += evenTable[(now + a.Neurons) >> 1] - evenTable[(was + a.Neurons) >> 1];
                                }
                            }
                            moved = WarpSum(moved, g);
                            even += moved;
                        }
                        spins[spinBase + i] = (sbyte)-si;
                        taken++;
                    }
                }
            }
        }
        if (pendingSign != 0) // the last accepted flip, not yet applied to the overlaps
        {
            var moves = new Levels();
            for (int w = t; w < words; w += g)
                moves = MoveWord(m, words, w, rows[pendingRow + w], pendingSign, moves, hTerms, hOdd, a.NarrowH != 0).Moves;
            long change = WarpSum(a.H.Combine(moves), g);
            even += change;
        }
        for (int w = t; w < words; w += g)
            for (int j = 0; j < 4; j++) sums[chainBase + 4 * w + j] = m[j * words + w];
        if (t == 0) { accepted[c] += taken; evenTotal[c] = even; }
    }

    /// <summary>Word w's four overlaps after a flip moved them, and the H levels with the move's change added.</summary>
    struct MovedWord { public Levels Moves; public int M0, M1, M2, M3; }

    /// <summary>Moves word w's four overlaps by a flip (its row's word px, s_i = sign) and adds the change of the H levels.</summary>
    static MovedWord MoveWord(ArrayView<int> m, int words, int w, int px, int sign, Levels moves, int terms, int odd, bool narrow)
    {
        int was0 = m[w], was1 = m[words + w], was2 = m[2 * words + w], was3 = m[3 * words + w];
        int now0 = was0 - 2 * sign * IlgpuEnsemble.Entry(px, 0), now1 = was1 - 2 * sign * IlgpuEnsemble.Entry(px, 1);
        int now2 = was2 - 2 * sign * IlgpuEnsemble.Entry(px, 2), now3 = was3 - 2 * sign * IlgpuEnsemble.Entry(px, 3);
        m[w] = now0; m[words + w] = now1; m[2 * words + w] = now2; m[3 * words + w] = now3;
        moves = Levels.AddWord(moves, terms, odd, narrow, Levels.Plus, now0, now1, now2, now3);
        moves = Levels.AddWord(moves, terms, odd, narrow, Levels.Minus, was0, was1, was2, was3);
        return new MovedWord { Moves = moves, M0 = now0, M1 = now1, M2 = now2, M3 = now3 };
    }

    /// <summary>The warp's sum of v in every lane (butterfly), written out for CUDA's warps of 32 (straight-line code,
    /// no loop counter between the shuffles), as a loop for other warp sizes (ILGPU's CPU simulator runs warps of 4).</summary>
    static long WarpSum(long v, int g)
    {
        if (g == 32)
        {
            v += Warp.ShuffleXor(v, 16); v += Warp.ShuffleXor(v, 8); v += Warp.ShuffleXor(v, 4); v += Warp.ShuffleXor(v, 2);
            return v + Warp.ShuffleXor(v, 1);
        }
        for (int lanes = g / 2; lanes > 0; lanes /= 2) v += Warp.ShuffleXor(v, lanes);
        return v;
    }

    /// <summary>sum_j xi_j Odd(M_j) over the four patterns of word w, from the chain's Odd values (transposed as the overlap sums).</summary>
    static long WordOdd(int x, ArrayView<long> odd, long chainBase, int words, int w) =>
        IlgpuEnsemble.Entry(x, 0) * odd[chainBase + w] + IlgpuEnsemble.Entry(x, 1) * odd[chainBase + words + w]
        + IlgpuEnsemble.Entry(x, 2) * odd[chainBase + 2 * words + w] + IlgpuEnsemble.Entry(x, 3) * odd[chainBase + 3 * words + w];

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
        evenTable.Dispose(); accepted.Dispose(); factors.Dispose(); coefficients.Dispose();
        accelerator.Dispose(); context.Dispose();
    }
}
