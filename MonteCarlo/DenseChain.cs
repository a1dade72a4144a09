using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Physics.Networks;

namespace Physics.MonteCarlo;

/// <summary>
/// A Markov chain of the dense (P-spin) model with overlap bookkeeping: the flip of s_i changes the
/// energy by sum_mu [f(M_mu - 2 s_i xi_i^mu) - f(M_mu)] with the exact distinct-index table f of
/// <see cref="DenseEnergy"/>, split into a bookkept total and one dot product (DenseEnergy.Odd/Even),
/// both exact 64-bit integers: O(K) per attempt, vectorised, and no P-index tensor. Where the parts are integer
/// polynomials (<see cref="FlipPolynomials"/>) an attempt costs about one classical int8 x int16 dot product: for
/// P = 3 exactly (<see cref="SquareFlipParts"/>), for other P through a coarse copy with an error bound that decides
/// most attempts and leaves the rest to the exact parts, kept times D and refreshed by vectorised Horner evaluation
/// only when needed (<see cref="CoarseFlipParts"/>); chains that accept most flips switch per sweep to exact parts
/// on the fly (P = 3 squares, <see cref="PowerFlipParts"/> for P = 4 to 8, which small P >= 5 networks use at every
/// temperature). Where the polynomials pass 64 bits the tables serve, through a coarse copy of Odd
/// (<see cref="CoarseTableParts"/>) and, for hot chains, exact power sums in double lanes (<see cref="WideFlipParts"/>),
/// which also take hot chains whose overlaps pass the int16 power sums; small networks beyond those read the tables
/// from registers (<see cref="LookupFlipParts"/>), and so do hot P >= 8 chains of larger ones while every |M| &lt;= 63
/// (127 from N = 200). Every path takes the same decisions. Sites and acceptance words come from the same Philox counters
/// as the classical chain; acceptance is min(1, exp(-beta Delta E)) (Metropolis) or 1/(1 + exp(beta Delta E)) (heat
/// bath) against a 32-bit word, through <see cref="FixedPointAcceptance"/> so that the ILGPU engine decides identically.
/// </summary>
public sealed class DenseChain
{
    readonly PatternSet patterns;
    readonly DenseEnergy energy;
    readonly Philox4x32 rng;
    readonly sbyte[] spins;
    readonly short[] sums;
    readonly long[] odd;   // Odd(M_mu) (tables) or D Odd(M_mu) (polynomials), over the stride
    long evenTotal;        // sum_mu Even(M_mu), times D with polynomials
    readonly FlipPolynomials? poly;
    // Exact division by D = 2^shift * odd (every total is a multiple of D): a shift and a multiplication by the inverse
    // of odd modulo 2^64 give the same integer as a division, at a fraction of its cost.
    readonly int denominatorShift;
    readonly ulong oddInverse = 1;
    // P = 3: the exact parts in the classical int8 x int16 form (see SquareFlipParts).
    readonly SquareFlipParts? squares;
    readonly uint sample, chain;
    readonly double coefficient; // beta / N^(P-1): beta Delta E = coefficient * (integer flip part)
    readonly long rejectFrom;    // the smallest integer flip part with coefficient * part >= 32 (in double arithmetic)
    readonly Dynamics dynamics;
    // The coarse path (every other polynomial P with fewer than 2^16 patterns): most attempts are decided from a bounded
    // estimate of X = D N^(P-1) Delta E, compared in X units (X is a multiple of D) and, near the acceptance
    // threshold, through coefficient / D; the rest fall back to the exact parts.
    readonly CoarseFlipParts? coarse;
    readonly PowerFlipParts? power;         // P = 4 to 8 on the fly, for hot chains and small networks
    readonly LookupFlipParts? lookup;       // in its place for N < 64 beyond its range, where the tables fit int16 registers
    // The tables (flip polynomials past 64 bits): a coarse copy of Odd(M_mu) decides most attempts in Y units; hot
    // chains run on exact power sums on the fly instead (P = 5 to 9), or on the tables themselves.
    readonly CoarseTableParts? tableCopy;
    readonly WideFlipParts? wide;
    // Hot chains of larger P >= 8 networks (N >= 64) read the tables from registers while every |M| <= 63 (from
    // N = 200 folded, |M| <= 127), as small networks do, and take the wide sums' double lanes only beyond (bench dense,
    // K = 1000, T = 1: P = 8 at N = 100, 200 and 300 cost 5.0-5.2, 6.3-6.8 and 6.9 classical attempts, 8.7, 10.8 and
    // 10.7 on the wide sums; P = 9 at N = 100 and 200 6.1-6.9, 12.5-12.7).
    readonly LookupFlipParts? registers;
    bool tableCopyCurrent = true;           // false after a flip on the tables that left the copy behind
    readonly long rejectFromTotal;          // rejectFrom * D (X >= it is always rejected)
    readonly double coefficientPerTotal;    // beta Delta E = coefficientPerTotal * X
    readonly AcceptanceBuckets buckets;
    bool exactCurrent = true;               // odd and evenTotal are those of the current overlaps
    // Half-width in beta Delta E beyond which the copy is renewed after a flip. Up to about twice it of the words
    // near the threshold are left to the exact parts; a renewal and an exact fallback (CoarseFlipParts.TryExact)
    // each cost several classical attempts. Measured in the P = 4 paramagnet (bench dense, N = 4000, K = 400) before
    // hot P = 4 chains moved to exact parts on the fly (now PowerFlipParts): a dense attempt cost 2.7-2.9 classical
    // ones with 1/8 or 1/16, 2.9-3.4 with 1/4 or 1/32, and 7 with 2.
    const double RenewWindow = 1.0 / 8;
    uint sweepIndex;
    readonly uint[] siteWords, acceptWords, siteWords2, acceptWords2; // one sweep's Philox words

    public DenseChain(PatternSet patterns, DenseEnergy energy, double temperature, Dynamics dynamics, ulong seed, int sample, int chain, InitialState start)
        : this(patterns, energy, temperature, dynamics, seed, sample, chain, start, exactOnly: false) { }

    /// <param name="exactOnly">Skip the coarse estimate and compute every flip exactly (the reference the tests compare with).</param>
    internal DenseChain(PatternSet patterns, DenseEnergy energy, double temperature, Dynamics dynamics, ulong seed, int sample, int chain, InitialState start, bool exactOnly)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(temperature), "temperature must be a positive finite number");
        this.patterns = patterns; this.energy = energy; this.dynamics = dynamics;
        coefficient = 1 / temperature / energy.Scale;
        double bound = Math.Ceiling(32 / coefficient);
        if (bound >= long.MaxValue / 2) rejectFrom = long.MaxValue; // unreachable: no shortcut
        else
        {
            rejectFrom = (long)bound;
            while (rejectFrom > 1 && coefficient * (rejectFrom - 1) >= 32) rejectFrom--;
            while (coefficient * rejectFrom < 32) rejectFrom++;
        }
        buckets = AcceptanceBuckets.For(dynamics);
        rng = Philox4x32.FromSeed(seed);
        this.sample = (uint)sample; this.chain = (uint)chain;
        spins = HebbianChain.InitialSpins(patterns, seed, sample, chain, start);
        int pairCount = (patterns.Neurons + 1) / 2;
        siteWords = new uint[pairCount]; acceptWords = new uint[pairCount]; siteWords2 = new uint[pairCount]; acceptWords2 = new uint[pairCount];
        sums = new short[patterns.Stride];
        patterns.OverlapSums(spins, sums);
        odd = new long[patterns.Stride];
        poly = energy.Polynomials;
        // The polynomials where their 64-bit sums are safe and a fast path can use them (the exact reference chain
        // keeps them wherever they are safe); between the coarse copy's reach and 2^62 the tables' paths are the
        // faster (bench dense, K = 1000: P = 6, N = 300 cold 3.0 and hot 50 classical attempts on the exact
        // polynomials, as were P = 7 at N = 100, P = 8 at 48 and P = 9 at 24).
        bool squaresFit = poly is not null && SquareFlipParts.Fits(poly, patterns);
        bool coarseFits = poly is not null && patterns.Stride < (1 << 16) && poly.Reach < CoarseFlipParts.Useless / patterns.Stride;
        if (poly is not null && poly.Reach < (1L << 62) / patterns.Stride && (exactOnly || squaresFit || coarseFits))
        {
            (denominatorShift, oddInverse) = ExactDivisor(poly.Denominator);
            rejectFromTotal = rejectFrom > long.MaxValue / poly.Denominator ? long.MaxValue : rejectFrom * poly.Denominator;
            if (!exactOnly && squaresFit) squares = new SquareFlipParts(poly, patterns, sums);
            // int32 lanes of the coarse dot product; estimate +- bound stays inside 64 bits.
            else if (!exactOnly && coarseFits)
            {
                coefficientPerTotal = coefficient / poly.Denominator;
                Refresh();
                coarse = new CoarseFlipParts(poly, patterns.Count, patterns.Stride);
                coarse.Take(sums, odd, evenTotal);
                if (PowerFlipParts.Fits(poly, patterns, energy.Order)) power = new PowerFlipParts(poly, patterns, energy.Order);
                if (power is not { AlwaysInRange: true } && energy.Order >= 5) lookup = LookupFlipParts.TryCreate(patterns, energy);
                if (lookup is null && power is not { AlwaysInRange: true } && WideFlipParts.Fits(patterns, energy.Order)) wide = new WideFlipParts(patterns, energy.Order);
                if (energy.Order >= 8) registers = LookupFlipParts.TryCreateBounded(patterns, energy); // N >= 64: past P = 8's power sums (13)
            }
            else Refresh(); // the exact reference chain
        }
        else
        {
            poly = null;
            ReadTables();
            if (!exactOnly && patterns.Stride < (1 << 16) && Avx512BW.IsSupported)
            {
                tableCopy = new CoarseTableParts(patterns.Count, patterns.Stride);
                tableCopy.Take(odd, evenTotal);
                if (energy.Order >= 5) lookup = LookupFlipParts.TryCreate(patterns, energy);
                if (lookup is null && WideFlipParts.Fits(patterns, energy.Order)) wide = new WideFlipParts(patterns, energy.Order);
                if (energy.Order >= 8) registers = LookupFlipParts.TryCreateBounded(patterns, energy);
            }
        }
    }

    internal static (int Shift, ulong Inverse) ExactDivisor(long d)
    {
        int shift = System.Numerics.BitOperations.TrailingZeroCount(d);
        ulong odd = (ulong)(d >> shift), inverse = odd; // Newton's iteration doubles the correct low bits each step
        for (int k = 0; k < 6; k++) inverse *= 2 - odd * inverse;
        return (shift, inverse);
    }

    /// <summary>total / D for a multiple of D, exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    long DivideExact(long total) => (long)((ulong)(total >> denominatorShift) * oddInverse);

    /// <summary>D Odd(M_mu) for every mu and the D Even total, by Horner's rule in 64-bit lanes (polynomial path).</summary>
    unsafe void Refresh()
    {
        var g = poly!.Odd; var h = poly.Even;
        int stride = patterns.Stride, k = 0;
        long total = 0;
        fixed (short* m = sums)
        fixed (long* o = odd)
        {
            // Explicit AVX-512 intrinsics: Vector512.IsHardwareAccelerated is false on CPUs where .NET prefers
            // 256-bit vectors, and the generic operators would then fall back to scalar code.
            if (System.Runtime.Intrinsics.X86.Avx512DQ.IsSupported)
            {
                var acc = System.Runtime.Intrinsics.Vector512<long>.Zero;
                for (; k + 8 <= stride; k += 8)
                {
                    var x = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int64(System.Runtime.Intrinsics.Vector128.Load(m + k));
                    var vg = System.Runtime.Intrinsics.Vector512.Create(g[^1]);
                    for (int c = g.Length - 2; c >= 0; c--)
                        vg = System.Runtime.Intrinsics.X86.Avx512F.Add(System.Runtime.Intrinsics.X86.Avx512DQ.MultiplyLow(vg, x), System.Runtime.Intrinsics.Vector512.Create(g[c]));
                    var vh = System.Runtime.Intrinsics.Vector512.Create(h[^1]);
                    for (int c = h.Length - 2; c >= 0; c--)
                        vh = System.Runtime.Intrinsics.X86.Avx512F.Add(System.Runtime.Intrinsics.X86.Avx512DQ.MultiplyLow(vh, x), System.Runtime.Intrinsics.Vector512.Create(h[c]));
                    vg.Store(o + k);
                    acc = System.Runtime.Intrinsics.X86.Avx512F.Add(acc, vh);
                }
                total = System.Runtime.Intrinsics.Vector512.Sum(acc);
            }
            for (; k < stride; k++)
            {
                o[k] = FlipPolynomials.Evaluate(g, m[k]);
                total += FlipPolynomials.Evaluate(h, m[k]);
            }
        }
        // Padding patterns (M = 0) add H(0) each to the total, and their G(0) must be zero: the signed sum
        // reads padding entries (xi = 0) as +1.
        evenTotal = total - (stride - patterns.Count) * FlipPolynomials.Evaluate(h, 0);
        Array.Clear(odd, patterns.Count, stride - patterns.Count);
    }

    public ReadOnlySpan<sbyte> Spins => spins;
    public ReadOnlySpan<short> OverlapSums => sums;
    public long Attempts { get; private set; }
    /// <summary>Attempts the coarse estimate left to the exact parts (diagnostic for the tests).</summary>
    internal long ExactFallbacks { get; private set; }
    public long Accepted { get; private set; }
    /// <summary>On the tables and off the power sums: Odd(M_mu) and the Even total equal those of the overlaps, recomputed (diagnostic for the tests).</summary>
    internal bool TablesAreCurrent()
    {
        long total = 0;
        for (int mu = 0; mu < patterns.Count; mu++)
        {
            if (odd[mu] != energy.Odd(sums[mu])) return false;
            total += energy.Even(sums[mu]);
        }
        return total == evenTotal;
    }

    /// <summary>The chain runs on power sums on the fly (diagnostic for the tests).</summary>
    internal bool OnPowerSums => onTheFly;
    /// <summary>The chain runs on the tables held in registers (diagnostic for the tests).</summary>
    internal bool OnRegisterTables => onTheFly && lookup is not null;
    /// <summary>How often a larger network's hot chain took the register tables up, and how often a flip took an overlap past them (diagnostics for the tests).</summary>
    internal int RegisterTurns { get; private set; }
    internal int RegisterExits { get; private set; }

    /// <summary>Energy per spin from the bookkept overlaps (exact distinct-index sums).</summary>
    public double EnergyPerSpin() => energy.Energy(patterns, sums) / patterns.Neurons;

    /// <summary>
    /// One sweep: N attempts. As in <see cref="HebbianChain.Sweep"/>, all of the sweep's Philox words are drawn at
    /// once (vectorised, counter = pair index, the same words as one <see cref="Philox4x32.Next"/> per pair) and the
    /// next pair's rows are prefetched.
    /// </summary>
    public unsafe long Sweep()
    {
        if (squares is not null)
        {
            fixed (short* m = sums) squares.Prepare(lastAccepted, patterns.Neurons, m);
            return lastAccepted = SweepWith<SquarePath>();
        }
        if (lookup is not null) return lastAccepted = SweepSmall();
        if (coarse is null) return tableCopy is null ? SweepWith<ExactPath>() : SweepTables();
        // Chains accepting more than one flip in sixteen attempts run on the fly (PowerFlipParts) while their overlaps
        // allow; the coarse copy is taken anew on the way back. For P >= 5 small networks (every overlap within the
        // limit, N <= 127) do so unless frozen for 64 sweeps: a copy that flips keep renewing costs more (bench dense:
        // P = 6, N = 20, K = 3200, T = 0.002, 10 % accepted: 8.1 classical attempts on the copy, 1.5-1.8 on the fly;
        // at T = 0.001, 0.6 % accepted, switching after eight frozen sweeps cost 3.1, after 64 1.8), a frozen chain's
        // copy less (P = 5, N = 24-100, K = 1000: 0.95-1.0 against 1.6; P = 5, N = 30, K = 8100, T = 0.005: 1.07
        // against 1.3-1.4; 2.4 before the tables' edges were extrapolated, when a condensed pattern's entry set the
        // copy's shift). For P = 4 the coarse copy serves every chain that is not hot
        // (N = 60, K = 2000, T = 0.01: 1.1-1.3 against 1.6), and so it does for P = 5 beyond N = 127 (N = 200,
        // K = 1600, T = 0.001: 0.96 against 2.2).
        // Hot chains whose overlaps pass the power sums' range (P = 8 past |M| = 13; P = 4 to 7 while a pattern is
        // condensed past 511 or 362) take the exact sums of WideFlipParts instead of the coarse copy, which needed
        // renewing every few flips (bench dense, P = 6, N = 100, K = 2000, T = 0.01: 41 classical attempts, 7.4 on
        // the wide sums' double lanes, 2.8-3.0 on the power sums since their limit is 50, now 362; P = 6, N = 60: 13
        // on the double lanes, 5.5 on the register tables, 2.6 on the power sums; against a frozen classical chain).
        frozenSweeps = lastAccepted == 0 ? frozenSweeps + 1 : 0;
        if (registersWait > 0) registersWait--;
        bool wanted = power is { AlwaysInRange: true } && power.Order >= 5 && patterns.Neurons <= 127 && frozenSweeps < 64
            || 16 * lastAccepted >= patterns.Neurons && (power is not null || wide is not null || registers is not null);
        if (wanted && (!onTheFly || pastPowerSums && powerWait-- <= 0))
            fixed (short* m = sums)
            {
                // The power sums first (the cheaper form), the register tables or the wide sums while an overlap is
                // beyond them.
                if (power is not null && power.Begin(m)) { pastPowerSums = onRegisters = false; onTheFly = true; }
                else if (!onTheFly) onTheFly = pastPowerSums = BeginPastPowerSums(m);
            }
        else if (!wanted && onTheFly) LeaveOnTheFly();
        if (wanted && onTheFly && pastPowerSums) TryRegistersAgain();
        if (!onTheFly) return lastAccepted = SweepWith<CoarsePath>();
        bool startedOnPower = !pastPowerSums, startedOnRegisters = onRegisters;
        lastAccepted = SweepOnTheFly();
        if (startedOnPower && !pastPowerSums) powerBackoff = 0;
        if (startedOnRegisters && onRegisters) registersBackoff = 0;
        return lastAccepted;
    }

    /// <summary>Past the power sums (or on the tables): the register tables while every |M| is within their range, else the wide sums.</summary>
    unsafe bool BeginPastPowerSums(short* m)
    {
        onRegisters = registers is not null && registersWait == 0 && registers.Begin(m);
        if (onRegisters) RegisterTurns++;
        return onRegisters || wide is not null && wide.Begin(m);
    }

    /// <summary>A chain on the wide sums (settled, between sweeps) goes back to the register tables once its wait is over and its overlaps allow.</summary>
    unsafe void TryRegistersAgain()
    {
        if (onRegisters || registers is null || registersWait > 0) return;
        fixed (short* m = sums) onRegisters = registers.Begin(m);
        if (onRegisters) RegisterTurns++;
        else registersWait = 1; // an overlap is still past their range: look again next sweep
    }

    /// <summary>Applies a pending flip of the forms past the power sums; false when it took an overlap past their range.</summary>
    unsafe bool SettlePastPowerSums(short* m) => onRegisters ? registers!.Settle(m) : wide!.Settle(m);

    // A chain whose overlaps leave the power sums' range within a sweep tries them again only after 1, 3, 7, ... 63
    // sweeps (each failure doubles the wait; a sweep run through on them resets it): when P = 6's limit was 50, a chain
    // at N = 60 that left them in most sweeps paid for two restarts a sweep (8.2 classical attempts against 5.5).
    int powerBackoff, powerWait;
    // The same for the register tables of larger networks' hot chains (overlaps past their range), counted in sweeps.
    int registersBackoff, registersWait;
    bool onRegisters; // past the power sums or on the tables: on the register tables, not the wide sums

    long SweepOnTheFly()
    {
        // The power sums' quarter squares take N's parity as a constant.
        return (patterns.Neurons & 1) == 1 ? SweepOnTheFly<OddNeurons>() : SweepOnTheFly<EvenNeurons>();
    }

    long SweepOnTheFly<TNeurons>() where TNeurons : struct, INeuronParity
    {
        return energy.Order switch
        {
            4 => SweepWith<PowerPath<Order4, TNeurons>>(),
            5 => SweepWith<PowerPath<Order5, TNeurons>>(),
            6 => SweepWith<PowerPath<Order6, TNeurons>>(),
            7 => SweepWith<PowerPath<Order7, TNeurons>>(),
            8 => SweepWith<PowerPath<Order8, TNeurons>>(),
            _ => SweepWith<PowerPath<Order9, TNeurons>>(),
        };
    }

    /// <summary>
    /// Small networks beyond the power sums' range (N &lt; 64: P = 8 from N = 14, P = 9 while the tables fit two
    /// int16 limbs) run on the
    /// tables held in registers (<see cref="LookupFlipParts"/>) while they accept flips, and on the coarse copy once
    /// frozen for 64 sweeps (the power sums' rule, see <see cref="Sweep"/>). Their hot chains passed the limit in most
    /// sweeps and ran on a coarse copy renewed every few flips (bench dense, P = 7, N = 20, K = 3000, T = 0.02:
    /// 100-120 classical attempts, now 2.9-3.1); a frozen
    /// chain decides from the copy for about one classical attempt (P = 8 and 9, N = 24, K = 1000: 1.0 against 1.6
    /// on the registers), but a chain with a few flips a sweep renews it too often (P = 7, N = 20, T = 1e-4, 4 %
    /// accepted: 3.0 on the copy, 1.5 on the registers). Where the power sums reach every overlap (P = 5 to 7 up to
    /// N = 362, P = 8 to 13) they stay: a fused flip costs more on the registers (P = 6, N = 20, K = 3200,
    /// T = 0.05: 3.5 against 1.9-2.3; P = 7, N = 24, K = 1000: 4.6 against 2.6). On a pair of registers (N = 32-63)
    /// an attempt costs about 12 % more than on one (P = 7, N = 33 against 31, K = 2000, hot) and half the wide
    /// sums' (P = 7, N = 50: 5.2-5.4 frozen classical attempts, 10.4 on the wide sums).
    /// </summary>
    unsafe long SweepSmall()
    {
        frozenSweeps = lastAccepted == 0 ? frozenSweeps + 1 : 0;
        if (frozenSweeps < 64)
        {
            if (!onTheFly) fixed (short* m = sums) { lookup!.Begin(m); onTheFly = true; }
            return SweepWith<LookupPath>();
        }
        if (onTheFly) LeaveOnTheFly();
        return coarse is null ? SweepWith<TablePath>() : SweepWith<CoarsePath>();
    }

    int frozenSweeps;  // consecutive sweeps without an accepted flip (small networks: the copy once frozen)
    long lastAccepted; // accepted flips in the last sweep (chooses the on-the-fly forms)
    bool onTheFly;     // the chain runs on PowerFlipParts, WideFlipParts or LookupFlipParts (its coarse copy and tables are stale meanwhile)
    bool pastPowerSums; // on the polynomials, an overlap beyond PowerFlipParts' range: on WideFlipParts

    /// <summary>Odd(M_mu) and the Even total of the current overlaps, from the tables.</summary>
    void ReadTables()
    {
        evenTotal = 0;
        for (int mu = 0; mu < patterns.Count; mu++) { odd[mu] = energy.Odd(sums[mu]); evenTotal += energy.Even(sums[mu]); }
    }

    /// <summary>
    /// The tables: cold chains on the coarse copy (renewed after each flip), hot ones (more than one flip in
    /// sixteen attempts) on the power sums while the overlaps allow, else on the tables themselves, where a flip
    /// does not also renew a copy.
    /// </summary>
    unsafe long SweepTables()
    {
        bool hot = 16 * lastAccepted >= patterns.Neurons;
        if (registersWait > 0) registersWait--;
        if (hot && (wide is not null || registers is not null) && !onTheFly) fixed (short* m = sums) onTheFly = BeginPastPowerSums(m);
        else if (hot && onTheFly) TryRegistersAgain();
        else if (!hot && onTheFly) LeaveOnTheFly();
        if (!onTheFly && !hot && !tableCopyCurrent) { tableCopy!.Take(odd, evenTotal); tableCopyCurrent = true; }
        if (!onTheFly) return lastAccepted = hot ? SweepWith<ExactPath>() : SweepWith<TablePath>();
        bool startedOnRegisters = onRegisters;
        lastAccepted = energy.Order switch
        {
            5 => SweepWith<WidePath<Order5>>(),
            6 => SweepWith<WidePath<Order6>>(),
            7 => SweepWith<WidePath<Order7>>(),
            8 => SweepWith<WidePath<Order8>>(),
            _ => SweepWith<WidePath<Order9>>(),
        };
        if (startedOnRegisters && onRegisters) registersBackoff = 0;
        return lastAccepted;
    }

    void LeaveOnTheFly()
    {
        onTheFly = pastPowerSums = onRegisters = false;
        if (coarse is null)
        {
            ReadTables();
            tableCopy!.Take(odd, evenTotal); tableCopyCurrent = true;
            return;
        }
        Refresh(); exactCurrent = true;
        coarse.Take(sums, odd, evenTotal);
    }

    // One sweep loop per flip path: the JIT compiles SweepWith once per struct type argument, so each path runs in a
    // loop of its own with its attempt inlined and no per-attempt dispatch.
    // Settle applies an accepted flip that an on-the-fly path left for the next attempt's pass, while the patterns are
    // still pinned (the pending row is a pointer into them).
    interface IFlipPath
    {
        unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord);
        unsafe void Settle(DenseChain chain, short* m);
    }
    struct SquarePath : IFlipPath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptSquares(row, m, i, si, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) => chain.squares!.Settle(m);
    }
    struct CoarsePath : IFlipPath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptCoarse(row, m, i, si, stride, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) { }
    }
    struct PowerPath<TOrder, TNeurons> : IFlipPath where TOrder : struct, IPowerOrder where TNeurons : struct, INeuronParity
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptPower<TOrder, TNeurons>(row, m, i, si, stride, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) { if (chain.onTheFly && !(chain.pastPowerSums ? chain.SettlePastPowerSums(m) : chain.power!.Settle(m))) chain.LeaveOnTheFly(); }
    }
    struct LookupPath : IFlipPath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptLookup(row, m, i, si, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) => chain.lookup!.Settle(m);
    }
    struct TablePath : IFlipPath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptTable(row, m, i, si, stride, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) { }
    }
    struct WidePath<TOrder> : IFlipPath where TOrder : struct, IPowerOrder
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptWide<TOrder>(row, m, i, si, stride, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) { if (chain.onTheFly && !chain.SettlePastPowerSums(m)) chain.LeaveOnTheFly(); }
    }
    struct ExactPath : IFlipPath
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public unsafe int Attempt(DenseChain chain, sbyte* row, short* m, int i, int si, int stride, uint acceptWord) => chain.AttemptExact(row, m, i, si, stride, acceptWord);
        public unsafe void Settle(DenseChain chain, short* m) { }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    unsafe long SweepWith<TPath>() where TPath : struct, IFlipPath
    {
        int n = patterns.Neurons, stride = patterns.Stride, pairs = siteWords.Length;
        uint sweep = sweepIndex++;
        long accepted = 0;
        var path = default(TPath);
        rng.Fill(0, sweep, sample, chain, siteWords, acceptWords, siteWords2, acceptWords2);
        fixed (sbyte* xi = patterns.Row(0))
        fixed (short* m = sums)
        fixed (sbyte* s = spins)
        {
            for (int pair = 0; pair < pairs; pair++)
            {
                if (pair + 1 < pairs)
                {
                    HebbianChain.Prefetch(xi + (long)Philox4x32.Below(siteWords[pair + 1], n) * stride, stride);
                    HebbianChain.Prefetch(xi + (long)Philox4x32.Below(siteWords2[pair + 1], n) * stride, stride);
                }
                int i = Philox4x32.Below(siteWords[pair], n);
                accepted += path.Attempt(this, xi + (long)i * stride, m, i, s[i], stride, acceptWords[pair]);
                if (2 * pair + 1 < n)
                {
                    i = Philox4x32.Below(siteWords2[pair], n);
                    accepted += path.Attempt(this, xi + (long)i * stride, m, i, s[i], stride, acceptWords2[pair]);
                }
            }
            path.Settle(this, m);
        }
        Attempts += n; Accepted += accepted;
        return accepted;
    }

    /// <summary>P = 3: the exact total from the int16 squares (<see cref="SquareFlipParts"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptSquares(sbyte* row, short* m, int i, int si, uint acceptWord)
    {
        long total = squares!.Total(row, m, i, si);
        if (total >= rejectFromTotal || !Accept(DivideExact(total), acceptWord)) return 0;
        squares.Flip(row, m, i, si);
        spins[i] = (sbyte)-si;
        return 1;
    }

    /// <summary>Other polynomial P: the coarse estimate and its bound, the exact total where they leave the verdict open.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptCoarse(sbyte* row, short* m, int i, int si, int stride, uint acceptWord)
    {
        var parts = coarse!;
        int decided;
        fixed (short* c = parts.Coarse) decided = Decide(parts.Estimate(row, c, stride, si), parts.Bound, acceptWord, rejectFromTotal, coefficientPerTotal);
        if (decided == 0) return 0;
        if (decided < 0 && !AcceptExactly(row, m, si, stride, acceptWord)) return 0;
        HebbianChain.Flip(row, m, stride, si);
        spins[i] = (sbyte)-si;
        exactCurrent = false;
        parts.Flipped(sums);
        // A copy that has drifted too far for decisions is renewed (or taken anew when the large overlaps or the
        // shift no longer fit).
        if (coefficientPerTotal * parts.Bound > RenewWindow && !parts.Renew(sums))
        {
            Refresh(); exactCurrent = true;
            parts.Take(sums, odd, evenTotal);
        }
        return 1;
    }

    /// <summary>Exact parts on the fly (<see cref="PowerFlipParts"/>), back to the coarse copy once an overlap leaves their range.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptPower<TOrder, TNeurons>(sbyte* row, short* m, int i, int si, int stride, uint acceptWord)
        where TOrder : struct, IPowerOrder where TNeurons : struct, INeuronParity
    {
        if (!onTheFly) return AttemptCoarse(row, m, i, si, stride, acceptWord);
        if (pastPowerSums) return AttemptPastPowerSums<TOrder>(row, m, i, si, stride, acceptWord);
        if (!power!.TryTotal<TOrder, TNeurons>(row, m, i, si, out long total)) return LeavePowerSums<TOrder>(row, m, i, si, stride, acceptWord);
        if (!Accept(DivideExact(total), acceptWord)) return 0;
        spins[i] = (sbyte)-si;
        exactCurrent = false;
        power.Flip<TOrder>(row, si);
        return 1;
    }

    // The forms past the power sums are called, not inlined, from the power sums' loop: their attempts cost many times
    // a call, and inlined they made the loop slower for every P = 4 chain (bench, N = 1000, T = 0.5: 1.9 -> 2.2).

    /// <summary>An attempt past the power sums' range, on the wide sums.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    unsafe int AttemptPastPowerSums<TOrder>(sbyte* row, short* m, int i, int si, int stride, uint acceptWord) where TOrder : struct, IPowerOrder =>
        AttemptWide<TOrder>(row, m, i, si, stride, acceptWord);

    /// <summary>The last flip took an overlap past the power sums' limit (the overlaps are current): on to the wide sums, else the coarse copy.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    unsafe int LeavePowerSums<TOrder>(sbyte* row, short* m, int i, int si, int stride, uint acceptWord) where TOrder : struct, IPowerOrder
    {
        powerWait = powerBackoff;
        powerBackoff = Math.Min(2 * powerBackoff + 1, 63);
        if (BeginPastPowerSums(m))
        {
            pastPowerSums = true;
            return AttemptPastPowerSums<TOrder>(row, m, i, si, stride, acceptWord);
        }
        LeaveOnTheFly();
        return AttemptCoarse(row, m, i, si, stride, acceptWord);
    }

    /// <summary>Small networks: the tables from registers (<see cref="LookupFlipParts"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptLookup(sbyte* row, short* m, int i, int si, uint acceptWord)
    {
        if (!Accept(lookup!.Scaled(row, m, si), acceptWord)) return 0;
        spins[i] = (sbyte)-si;
        exactCurrent = false;
        lookup.Flip(row, si);
        return 1;
    }

    /// <summary>
    /// Hot chains beyond the power sums (tables, or polynomials with an overlap past PowerFlipParts' limit): exact
    /// power sums in double lanes (<see cref="WideFlipParts"/>), back to the tables or the coarse copy once an
    /// overlap leaves their range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptWide<TOrder>(sbyte* row, short* m, int i, int si, int stride, uint acceptWord) where TOrder : struct, IPowerOrder
    {
        if (onRegisters) return AttemptOnRegisters<TOrder>(row, m, i, si, stride, acceptWord);
        if (onTheFly && wide!.TryScaled<TOrder>(row, m, i, si, out long scaled))
        {
            if (!Accept(scaled, acceptWord)) return 0;
            spins[i] = (sbyte)-si;
            exactCurrent = false;
            wide.Flip(row, si);
            return 1;
        }
        if (onTheFly) LeaveOnTheFly(); // the last flip took an overlap past the limit (the overlaps are current)
        return coarse is null ? AttemptExact(row, m, i, si, stride, acceptWord) : AttemptCoarse(row, m, i, si, stride, acceptWord);
    }

    /// <summary>
    /// Hot chains of larger networks while every |M| &lt;= 63 (or 127): the tables from registers (<see cref="LookupFlipParts"/>),
    /// on to the wide sums once a flip takes an overlap past that (called, not inlined, as the forms past the power sums).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    unsafe int AttemptOnRegisters<TOrder>(sbyte* row, short* m, int i, int si, int stride, uint acceptWord) where TOrder : struct, IPowerOrder
    {
        if (registers!.TryScaled(row, m, si, out long scaled))
        {
            if (!Accept(scaled, acceptWord)) return 0;
            spins[i] = (sbyte)-si;
            exactCurrent = false;
            registers.Flip(row, si);
            return 1;
        }
        // The last flip took an overlap past the tables' range (the overlaps are current).
        onRegisters = false;
        RegisterExits++;
        registersWait = registersBackoff + 1;
        registersBackoff = Math.Min(2 * registersBackoff + 1, 63);
        if (wide is not null && wide.Begin(m)) return AttemptWide<TOrder>(row, m, i, si, stride, acceptWord);
        LeaveOnTheFly();
        return coarse is null ? AttemptExact(row, m, i, si, stride, acceptWord) : AttemptCoarse(row, m, i, si, stride, acceptWord);
    }

    /// <summary>The exact verdict of an attempt the coarse estimate left open (kept out of the hot loop).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    unsafe bool AcceptExactly(sbyte* row, short* m, int si, int stride, uint acceptWord)
    {
        ExactFallbacks++;
        if (!coarse!.TryExact(row, m, si, out long exact))
        {
            if (!exactCurrent)
            {
                Refresh(); exactCurrent = true;
                if (coarse.Flips > 0 && !coarse.Renew(sums)) coarse.Take(sums, odd, evenTotal);
            }
            exact = evenTotal + si * SignedSum(row, odd, stride);
        }
        return Accept(DivideExact(exact), acceptWord);
    }

    /// <summary>The tables' coarse copy, the exact sum where its bound leaves the verdict open; the tables and the copy follow a flip.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    unsafe int AttemptTable(sbyte* row, short* m, int i, int si, int stride, uint acceptWord)
    {
        var copy = tableCopy!;
        if (!copy.Usable) return AttemptExact(row, m, i, si, stride, acceptWord);
        int decided;
        fixed (short* c = copy.Coarse) decided = Decide(copy.Estimate(row, c, stride, si, evenTotal), copy.Bound, acceptWord, rejectFrom, coefficient);
        if (decided == 0) return 0;
        if (decided < 0)
        {
            ExactFallbacks++;
            if (!Accept(evenTotal + si * SignedSum(row, odd, stride), acceptWord)) return 0;
        }
        FlipWithTables(row, m, i, si, stride);
        copy.Renew(odd, evenTotal); tableCopyCurrent = true;
        return 1;
    }

    /// <summary>The exact 64-bit parts (polynomials refreshed after a flip) or the tables.</summary>
    unsafe int AttemptExact(sbyte* row, short* m, int i, int si, int stride, uint acceptWord)
    {
        long scaled = DivideExact(evenTotal + si * SignedSum(row, odd, stride)); // N^(P-1) Delta E, exact (the sum is a multiple of D)
        if (!Accept(scaled, acceptWord)) return 0;
        if (poly is not null)
        {
            HebbianChain.Flip(row, m, stride, si);
            spins[i] = (sbyte)-si;
            Refresh();
            return 1;
        }
        FlipWithTables(row, m, i, si, stride);
        return 1;
    }

    /// <summary>
    /// An accepted flip on the tables: the overlaps move, Odd(M_mu) and the Even total follow. With j = (M + N)/2 and
    /// d = s_i xi_i^mu (the flip took M from M + 2d), Even(M) - Even(M + 2d) = -d step(j + (d - 1)/2), step(j) =
    /// Even(j + 1) - Even(j): two table gathers per eight patterns.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // vector loops, called per accepted flip: no unoptimized tier first
    unsafe void FlipWithTables(sbyte* row, short* m, int i, int si, int stride)
    {
        HebbianChain.Flip(row, m, stride, si);
        spins[i] = (sbyte)-si;
        tableCopyCurrent = false;
        int mu = 0, count = patterns.Count, n = patterns.Neurons;
        if (Avx512F.IsSupported)
        {
            var half = Vector256.Create(n);
            var sign = Vector256.Create(si < 0 ? -1 : 0);
            var change = Vector512<long>.Zero;
            fixed (long* oddAt = odd, table = energy.OddTable, steps = energy.EvenSteps)
                for (; mu + 8 <= count; mu += 8)
                {
                    var index = Avx2.ShiftRightArithmetic(Avx2.Add(Avx2.ConvertToVector256Int32(Vector128.Load(m + mu)), half), 1);
                    // (.NET exposes the AVX2 gathers only: four entries each.)
                    Avx2.GatherVector256(table, index.GetLower(), 8).Store(oddAt + mu);
                    Avx2.GatherVector256(table, index.GetUpper(), 8).Store(oddAt + mu + 4);
                    var d = Avx2.Subtract(Avx2.Xor(Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(*(long*)(row + mu)).AsSByte()), sign), sign);
                    var at = Avx2.Add(index, Avx2.ShiftRightArithmetic(Avx2.Subtract(d, Vector256<int>.One), 1));
                    var step = Vector512.Create(Avx2.GatherVector256(steps, at.GetLower(), 8), Avx2.GatherVector256(steps, at.GetUpper(), 8));
                    var negate = Avx512F.ShiftRightArithmetic(Avx512F.ConvertToVector512Int64(Avx2.Subtract(Vector256<int>.Zero, d)), 63); // -1 where d = +1
                    change += Avx512F.Xor(step, negate) - negate;
                }
            evenTotal += Vector512.Sum(change);
        }
        for (; mu < count; mu++)
        {
            int now = m[mu], was = now + 2 * si * row[mu];
            evenTotal += energy.Even(now) - energy.Even(was);
            odd[mu] = energy.Odd(now);
        }
    }

    /// <summary>
    /// The exact rule, acceptWord &lt; Threshold(beta Delta E), with integer shortcuts that decide as the threshold
    /// would: beta Delta E >= 32 is always rejected (threshold 0), and a Metropolis move that does not raise the
    /// energy (or a heat-bath move lowering it by 32 or more) is accepted (threshold 2^32).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    bool Accept(long scaled, uint acceptWord)
    {
        if (scaled >= rejectFrom) return false;
        if (AcceptanceBuckets.SurelyAccepted(dynamics, acceptWord, coefficient * scaled)) return true;
        return (dynamics == Dynamics.Metropolis ? scaled <= 0 : scaled <= -rejectFrom)
            || (buckets.Decide(acceptWord, coefficient * scaled, coefficient * scaled) is int verdict && verdict >= 0 ? verdict == 1
                : acceptWord < FixedPointAcceptance.Threshold(coefficient * scaled, dynamics));
    }

    /// <summary>
    /// The exact rule's verdict for every X in [estimate - bound, estimate + bound] (in units with beta Delta E =
    /// perUnit X, X >= rejectLimit always rejected: X = D Y on the polynomials, Y on the tables): 1 accept, 0 reject, -1 when
    /// the interval straddles the verdicts. Near the threshold one fixed-point exponential at the interval's middle
    /// serves: the computed threshold is within <see cref="FixedPointAcceptance.ErrorBound"/> units of
    /// 2^32 min(1, e^-x) (or 2^32 / (1 + e^x)), which changes by at most 2^32 per unit of x, so a word further than
    /// 2^31 (x_hi - x_lo) + 2 ErrorBound + 1 from it is decided alike everywhere in the interval.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    int Decide(long estimate, long bound, uint acceptWord, long rejectLimit, double perUnit)
    {
        long low = estimate - bound, high = estimate + bound;
        if (low >= rejectLimit) return 0;
        if (AcceptanceBuckets.SurelyAccepted(dynamics, acceptWord, perUnit * high)) return 1;
        if (dynamics == Dynamics.Metropolis ? high <= 0 : high <= -rejectLimit) return 1;
        double xLow = perUnit * low, xHigh = perUnit * high;
        int verdict = buckets.Decide(acceptWord, xLow, xHigh);
        if (verdict >= 0) return verdict;
        double threshold = FixedPointAcceptance.Threshold(0.5 * (xLow + xHigh), dynamics);
        double window = 2147483648.0 * (xHigh - xLow) + 2 * FixedPointAcceptance.ErrorBound + 1;
        if (acceptWord + window < threshold) return 1;
        if (acceptWord >= threshold + window) return 0;
        return -1;
    }

    /// <summary>sum_mu xi^mu v_mu over a zero-padded row with xi = +-1: conditional negation, no multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static unsafe long SignedSum(sbyte* row, long[] v, int stride)
    {
        fixed (long* p = v)
        {
            if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            {
                var acc = System.Runtime.Intrinsics.Vector512<long>.Zero;
                for (int k = 0; k < stride; k += 8)
                {
                    // Exactly 8 entries (a 16-byte load could pass the end of the last row).
                    var entries = System.Runtime.Intrinsics.Vector128.CreateScalarUnsafe(*(long*)(row + k)).AsSByte();
                    var sign = System.Runtime.Intrinsics.X86.Avx512F.ConvertToVector512Int64(entries) >> 1; // 0 for +1, -1 for -1
                    var x = System.Runtime.Intrinsics.Vector512.Load(p + k);
                    acc += (x ^ sign) - sign;
                }
                return System.Runtime.Intrinsics.Vector512.Sum(acc);
            }
            long sum = 0;
            for (int k = 0; k < stride; k++) sum += row[k] * p[k];
            return sum;
        }
    }
}
