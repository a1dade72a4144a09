using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Algorithms;

namespace Physics.MonteCarlo;

/// <summary>
/// Batched modern-Hopfield retrieval on an ILGPU accelerator (CUDA, or ILGPU's CPU simulator for checks):
/// R = softmax(beta Q X^T) X for B queries Q (B x d) against N stored patterns X (N x d), row-major doubles.
/// Two tiled matrix-product kernels (16 x 16 tiles in shared memory on a GPU) and a row softmax kernel (max subtracted,
/// one group per row with a tree reduction), written once for every device. The patterns stay on the device
/// between batches.
/// </summary>
public sealed class IlgpuRetrieval : IDisposable
{
    readonly Context context;
    readonly Accelerator accelerator;
    readonly MemoryBuffer1D<double, Stride1D.Dense> patterns;
    readonly Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, ProductShape> product;
    readonly Action<KernelConfig, ArrayView<double>, int, double> softmax;
    readonly int count, dimension, tile;

    public string Device { get; }

    /// <summary>Shapes of C (m x n) = A (m x k) B, with B read transposed (B is n x k) when TransposeB is 1.</summary>
    public struct ProductShape
    {
        public int M, N, K, TransposeB, Tile;
    }

    public IlgpuRetrieval(double[] rowMajorPatterns, int count, int dimension, bool cuda)
    {
        if (rowMajorPatterns.Length != count * dimension) throw new ArgumentException("patterns must be count x dimension");
        this.count = count; this.dimension = dimension;
        (context, accelerator, Device) = DeviceContext.Open(cuda);
        // 16 x 16 tiles on a GPU; the CPU simulator runs at most 16 threads a group.
        tile = 1;
        while ((tile * 2) * (tile * 2) <= Math.Min(256, accelerator.MaxNumThreadsPerGroup)) tile *= 2;
        patterns = accelerator.Allocate1D(rowMajorPatterns);
        product = accelerator.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ProductShape>(ProductKernel);
        softmax = accelerator.LoadStreamKernel<ArrayView<double>, int, double>(SoftmaxKernel);
    }

    /// <summary>R = softmax(beta Q X^T) X for a batch of queries (B x d, row-major); returns B x d.</summary>
    public double[] Retrieve(double[] queries, int batch, double beta)
    {
        if (queries.Length != batch * dimension) throw new ArgumentException("queries must be batch x dimension");
        using var q = accelerator.Allocate1D(queries);
        using var scores = accelerator.Allocate1D<double>((long)batch * count);
        using var result = accelerator.Allocate1D<double>((long)batch * dimension);
        Launch(q.View, patterns.View, scores.View, new ProductShape { M = batch, N = count, K = dimension, TransposeB = 1 });
        int group = 1;
        while (group * 2 <= Math.Min(256, accelerator.MaxNumThreadsPerGroup)) group *= 2; // a power of two for the tree reductions
        softmax(new KernelConfig(batch, group, SharedMemoryConfig.RequestDynamic<double>(group)), scores.View, count, beta);
        Launch(scores.View, patterns.View, result.View, new ProductShape { M = batch, N = dimension, K = count, TransposeB = 0 });
        accelerator.Synchronize();
        return result.GetAsArray1D();
    }

    void Launch(ArrayView<double> a, ArrayView<double> b, ArrayView<double> c, ProductShape s)
    {
        s.Tile = tile;
        var groups = new Index2D((s.N + tile - 1) / tile, (s.M + tile - 1) / tile);
        product(new KernelConfig(groups, new Index2D(tile, tile), SharedMemoryConfig.RequestDynamic<double>(2 * tile * tile)), a, b, c, s);
    }

    static void ProductKernel(ArrayView<double> a, ArrayView<double> b, ArrayView<double> c, ProductShape s)
    {
        int w = s.Tile;
        var shared = SharedMemory.GetDynamic<double>();
        int tx = Group.IdxX, ty = Group.IdxY;
        int col = Grid.IdxX * w + tx, row = Grid.IdxY * w + ty;
        double sum = 0;
        for (int t = 0; t < s.K; t += w)
        {
            // Tile A holds a[row, t + tx] at ty * w + tx; tile B holds b[t + ty, col] at w * w + ty * w + tx.
            int ka = t + tx, kb = t + ty;
            shared[ty * w + tx] = row < s.M && ka < s.K ? a[(long)row * s.K + ka] : 0;
            double bv = 0;
            if (col < s.N && kb < s.K) bv = s.TransposeB != 0 ? b[(long)col * s.K + kb] : b[(long)kb * s.N + col];
            shared[w * w + ty * w + tx] = bv;
            Group.Barrier();
            for (int k = 0; k < w; k++) sum += shared[ty * w + k] * shared[w * w + k * w + tx];
            Group.Barrier();
        }
        if (row < s.M && col < s.N) c[(long)row * s.N + col] = sum;
    }

    /// <summary>softmax(beta row) in place, one group per row: max and sum by tree reductions in shared memory.</summary>
    static void SoftmaxKernel(ArrayView<double> scores, int n, double beta)
    {
        var shared = SharedMemory.GetDynamic<double>();
        int row = Grid.IdxX, t = Group.IdxX, g = Group.DimX;
        long offset = (long)row * n;
        double max = double.NegativeInfinity;
        for (int j = t; j < n; j += g) max = XMath.Max(max, scores[offset + j]);
        shared[t] = max;
        Group.Barrier();
        for (int stride = g / 2; stride > 0; stride /= 2)
        {
            if (t < stride) shared[t] = XMath.Max(shared[t], shared[t + stride]);
            Group.Barrier();
        }
        max = shared[0];
        Group.Barrier();
        double sum = 0;
        for (int j = t; j < n; j += g)
        {
            double e = XMath.Exp(beta * (scores[offset + j] - max));
            scores[offset + j] = e;
            sum += e;
        }
        shared[t] = sum;
        Group.Barrier();
        for (int stride = g / 2; stride > 0; stride /= 2)
        {
            if (t < stride) shared[t] += shared[t + stride];
            Group.Barrier();
        }
        double inverse = 1 / shared[0];
        for (int j = t; j < n; j += g) scores[offset + j] *= inverse;
    }

    public void Dispose()
    {
        patterns.Dispose();
        accelerator.Dispose();
        context.Dispose();
    }
}
