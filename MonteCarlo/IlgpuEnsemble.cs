using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>Scalars of one sweep launch.</summary>
public struct SweepArguments
{
    public int Neurons, Stride, FirstSweep, Sweeps, Chains, ChainsPerGroup;
    public uint Key0, Key1;
}

/// <summary>
/// The ensemble on an ILGPU accelerator: CUDA on a GPU, or ILGPU's CPU accelerator (a GPU simulator,
/// slow, for tests). One kernel, written once: a warp advances one chain; its lanes share the O(P)
/// loops (the field and the overlap update) with the overlap sums in shared memory, and every lane
/// draws the same Philox words as the native sampler, so decisions agree bit for bit.
/// </summary>
public sealed class IlgpuEnsemble : IChainEnsemble
{
    // Per chain: sample, chain id, table centre (offset + reach), reach, always-accept bound.
    const int InfoWidth = 5;

    readonly Context context;
    readonly Accelerator accelerator;
    readonly Action<KernelConfig, ArrayView<sbyte>, ArrayView<int>, ArrayView<sbyte>, ArrayView<int>, ArrayView<uint>, ArrayView<int>, ArrayView<long>, SweepArguments> kernel;
    readonly MemoryBuffer1D<sbyte, Stride1D.Dense> patterns, spins;
    readonly MemoryBuffer1D<int, Stride1D.Dense> nonZero, sums, info;
    readonly MemoryBuffer1D<uint, Stride1D.Dense> thresholds;
    readonly MemoryBuffer1D<long, Stride1D.Dense> accepted;
    readonly int[] hostInfo;
    readonly Dictionary<double, (int Centre, int Reach, int Always)> tableIndex = new();
    readonly int neurons, count, stride, groupSize, chainsPerGroup;
    readonly Philox4x32 rng;
    bool infoDirty;
    int sweepsDone;

    public string Device { get; }
    public int Count => count;

    static readonly Lazy<bool> CudaPresent = new(() =>
    {
        using var probe = Context.Create(b => b.Cuda());
        return probe.GetCudaDevices().Count > 0;
    });

    /// <summary>Whether a CUDA device is present (probed once per process: a context costs a fraction of a second).</summary>
    public static bool CudaAvailable() => CudaPresent.Value;

    public IlgpuEnsemble(EnsembleSetup setup, bool cuda)
    {
        setup.Validate();
        var p0 = setup.Samples[0];
        neurons = p0.Neurons; stride = p0.Stride; count = setup.Chains.Count;
        rng = Philox4x32.FromSeed(setup.Seed);
        // One warp per chain: the field is reduced by warp shuffles, with no barrier per attempt. (Before the
        // context opens: a stride too long for shared memory is refused without a device to release.)
        chainsPerGroup = DeviceContext.ChainsPerGroup(cuda, stride);
        (context, accelerator, Device) = DeviceContext.Open(cuda);
        groupSize = accelerator.WarpSize * chainsPerGroup;
        kernel = accelerator.LoadStreamKernel<ArrayView<sbyte>, ArrayView<int>, ArrayView<sbyte>, ArrayView<int>, ArrayView<uint>, ArrayView<int>, ArrayView<long>, SweepArguments>(SweepKernel);

        patterns = accelerator.Allocate1D(PatternRows(setup.Samples));
        nonZero = accelerator.Allocate1D(setup.Samples.SelectMany(x => x.NonZeroCounts.ToArray()).ToArray());
        var (hostSpins, hostSums) = InitialStates(setup.Samples, setup.Chains, setup.Seed);
        spins = accelerator.Allocate1D(hostSpins);
        sums = accelerator.Allocate1D(hostSums);

        var all = new List<uint>();
        foreach (var (t, table) in setup.Tables())
        {
            tableIndex[t] = (all.Count + table.Reach, table.Reach, table.AlwaysAtOrBelow);
            foreach (var v in table.Thresholds) all.Add(v);
        }
        thresholds = accelerator.Allocate1D(all.ToArray());
        hostInfo = new int[count * InfoWidth];
        for (int c = 0; c < count; c++)
        {
            hostInfo[c * InfoWidth] = setup.Chains[c].Sample;
            hostInfo[c * InfoWidth + 1] = setup.Chains[c].Chain;
            WriteTable(c, setup.Chains[c].Temperature);
        }
        info = accelerator.Allocate1D(hostInfo);
        accepted = accelerator.Allocate1D<long>(count);
        accepted.MemSetToZero();
    }

    /// <summary>Every sample's pattern rows, one after another (sample-major, row stride as in the pattern set).</summary>
    internal static sbyte[] PatternRows(IReadOnlyList<PatternSet> samples)
    {
        int n = samples[0].Neurons, stride = samples[0].Stride;
        var rows = new sbyte[samples.Count * n * stride];
        for (int s = 0; s < samples.Count; s++)
            for (int i = 0; i < n; i++) samples[s].Row(i).CopyTo(rows.AsSpan((s * n + i) * stride, stride));
        return rows;
    }

    /// <summary>
    /// Initial spins (chain-major) and overlap sums (a stride per chain) of every chain, as the native chains start,
    /// built on every core: O(N P) per chain, and a GPU run has thousands of chains.
    /// </summary>
    internal static (sbyte[] Spins, int[] Sums) InitialStates(IReadOnlyList<PatternSet> samples, IReadOnlyList<ChainSpec> chains, ulong seed)
    {
        int n = samples[0].Neurons, stride = samples[0].Stride;
        var spins = new sbyte[chains.Count * n];
        var sums = new int[chains.Count * stride];
        Parallel.For(0, chains.Count, () => new short[stride], (c, _, scratch) =>
        {
            var spec = chains[c];
            var s = HebbianChain.InitialSpins(samples[spec.Sample], seed, spec.Sample, spec.Chain, spec.Start);
            s.CopyTo(spins.AsSpan(c * n));
            samples[spec.Sample].OverlapSums(s, scratch);
            for (int mu = 0; mu < stride; mu++) sums[c * stride + mu] = scratch[mu];
            return scratch;
        }, _ => { });
        return (spins, sums);
    }

    void WriteTable(int chain, double temperature)
    {
        if (!tableIndex.TryGetValue(temperature, out var t)) throw new ArgumentException($"temperature {temperature} is not on the ensemble's ladder");
        (hostInfo[chain * InfoWidth + 2], hostInfo[chain * InfoWidth + 3], hostInfo[chain * InfoWidth + 4]) = t;
        infoDirty = true;
    }

    public void SetTemperature(int chain, double temperature) => WriteTable(chain, temperature);

    public void Sweep(int sweeps)
    {
        if (infoDirty) { info.CopyFromCPU(hostInfo); infoDirty = false; }
        var args = new SweepArguments
        {
            Neurons = neurons, Stride = stride,
            FirstSweep = sweepsDone, Sweeps = sweeps, Key0 = rng.Key0, Key1 = rng.Key1,
            Chains = count, ChainsPerGroup = chainsPerGroup,
        };
        var config = new KernelConfig((count + chainsPerGroup - 1) / chainsPerGroup, groupSize,
            SharedMemoryConfig.RequestDynamic<int>(stride * chainsPerGroup));
        kernel(config, patterns.View, nonZero.View, spins.View, sums.View, thresholds.View, info.View, accepted.View, args);
        accelerator.Synchronize();
        sweepsDone += sweeps;
    }

    public EnsembleSnapshot Snapshot()
    {
        var s = sums.GetAsArray1D();
        var shortSums = new short[s.Length];
        for (int k = 0; k < s.Length; k++) shortSums[k] = (short)s[k];
        return new EnsembleSnapshot(neurons, stride, shortSums, spins.GetAsArray1D(), accepted.GetAsArray1D());
    }

    /// <summary>
    /// One warp per chain, several chains (warps) per group so that an SM holds more warps than its
    /// group limit allows one-warp groups. All lanes draw the same Philox words, so they agree on the
    /// site and the decision. The pattern row is read as 32-bit words, four patterns each: lane t owns
    /// the words w = t, t + W, ... (patterns 4w..4w+3) of the field sum and of the overlap update, and
    /// keeps their overlap sums in shared memory transposed (pattern 4w + j at j * Words + w), so the
    /// lanes of a warp hit distinct banks. The only exchange is the field's butterfly all-reduce by
    /// warp shuffles. Every lane writes the flipped spin (the same value) after the shuffle and reads
    /// s_i before it, so no lane can see another's write too early: no barrier is needed, whether
    /// lanes run in lockstep (GPU) or as free threads (the CPU accelerator). Padding patterns are zero,
    /// so the words run over the whole stride.
    /// </summary>
    static void SweepKernel(ArrayView<sbyte> patterns, ArrayView<int> nonZero, ArrayView<sbyte> spins, ArrayView<int> sums,
        ArrayView<uint> thresholds, ArrayView<int> info, ArrayView<long> accepted, SweepArguments a)
    {
        int t = Warp.LaneIdx, g = Warp.WarpSize;
        int c = Grid.IdxX * a.ChainsPerGroup + Warp.WarpIdx;
        if (c >= a.Chains) return;
        int words = a.Stride / 4;
        var m = SharedMemory.GetDynamic<int>().SubView(Warp.WarpIdx * a.Stride, a.Stride);
        var rows = patterns.Cast<int>();
        for (int w = t; w < words; w += g)
            for (int j = 0; j < 4; j++) m[j * words + w] = sums[(long)c * a.Stride + 4 * w + j];
        int sample = info[c * InfoWidth], chainId = info[c * InfoWidth + 1];
        int centre = info[c * InfoWidth + 2], reach = info[c * InfoWidth + 3], always = info[c * InfoWidth + 4];
        long patternBase = (long)sample * a.Neurons * words, spinBase = (long)c * a.Neurons;
        long taken = 0;
        for (int sw = 0; sw < a.Sweeps; sw++)
        {
            uint sweep = (uint)(a.FirstSweep + sw);
            for (int pair = 0; 2 * pair < a.Neurons; pair++)
            {
                PhiloxWords(a.Key0, a.Key1, (uint)pair, sweep, (uint)sample, (uint)chainId, out uint w0, out uint w1, out uint w2, out uint w3);
                for (int half = 0; half < 2 && 2 * pair + half < a.Neurons; half++)
                {
                    uint siteWord = half == 0 ? w0 : w2, acceptWord = half == 0 ? w1 : w3;
                    int i = (int)(((ulong)siteWord * (uint)a.Neurons) >> 32);
                    long row = patternBase + (long)i * words;
                    // s_i is read before the shuffle: no lane can pass the shuffle, and so write this
                    // attempt's flip, before every lane has arrived there, i.e. has read s_i.
                    int si = spins[spinBase + i];
                    int field = 0;
                    // Two words per step: both loads are issued before either is used.
                    for (int w = t; w < words; w += 2 * g)
                    {
                        int x0 = rows[row + w], x1 = w + g < words ? rows[row + w + g] : 0;
                        field += WordField(x0, m, words, w);
                        if (w + g < words) field += WordField(x1, m, words, w + g);
                    }
                    for (int lanes = g / 2; lanes > 0; lanes /= 2) field += Warp.ShuffleXor(field, lanes);
                    long k = si * (long)field - nonZero[sample * a.Neurons + i]; // n_i: P for +-1 patterns
                    if (k <= always || (k <= reach && acceptWord < thresholds[centre + k]))
                    {
                        for (int w = t; w < words; w += g)
                        {
                            int x = rows[row + w];
                            for (int j = 0; j < 4; j++) m[j * words + w] -= 2 * si * Entry(x, j);
                        }
                        spins[spinBase + i] = (sbyte)-si;
                        taken++;
                    }
                }
            }
        }
        for (int w = t; w < words; w += g)
            for (int j = 0; j < 4; j++) sums[(long)c * a.Stride + 4 * w + j] = m[j * words + w];
        if (t == 0) accepted[c] += taken;
    }

    /// <summary>Pattern entry j (a signed byte) of a little-endian word of four.</summary>
    internal static int Entry(int word, int j) => (word << (24 - 8 * j)) >> 24;

    static int WordField(int word, ArrayView<int> m, int words, int w) =>
        Entry(word, 0) * m[w] + Entry(word, 1) * m[words + w] + Entry(word, 2) * m[2 * words + w] + Entry(word, 3) * m[3 * words + w];

    /// <summary>Philox-4x32-10, as <see cref="Philox4x32.Next"/>, in a form the kernel compiler takes.</summary>
    internal static void PhiloxWords(uint k0, uint k1, uint c0, uint c1, uint c2, uint c3, out uint r0, out uint r1, out uint r2, out uint r3)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)0xD2511F53u * c0, p1 = (ulong)0xCD9E8D57u * c2;
            uint x0 = (uint)(p1 >> 32) ^ c1 ^ k0, x2 = (uint)(p0 >> 32) ^ c3 ^ k1;
            c1 = (uint)p1; c3 = (uint)p0; c0 = x0; c2 = x2;
            k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
        }
        r0 = c0; r1 = c1; r2 = c2; r3 = c3;
    }

    public void Dispose()
    {
        patterns.Dispose(); nonZero.Dispose(); spins.Dispose(); sums.Dispose(); info.Dispose(); thresholds.Dispose(); accepted.Dispose();
        accelerator.Dispose(); context.Dispose();
    }
}
