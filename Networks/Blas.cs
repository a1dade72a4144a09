using System.Runtime.InteropServices;
using MathNet.Numerics.Providers.LinearAlgebra;

namespace Physics.Networks;

/// <summary>A provider of the one BLAS routine the toolkit needs: row-major C = alpha op(A) op(B) + beta C.</summary>
public interface IBlasProvider
{
    string Name { get; }
    void Gemm(bool transposeA, bool transposeB, int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c);
}

/// <summary>
/// Matrix products through a real BLAS (static facade over swappable providers, as in Math.NET):
/// OpenBLAS (Debian package libopenblas0) through P/Invoke when it loads, else Math.NET's managed
/// provider, with <see cref="NativeUnavailable"/> saying why. Row-major throughout.
/// </summary>
public static class Blas
{
    static readonly Lazy<(IBlasProvider Provider, string? Reason)> Detected = new(Detect);
    static IBlasProvider? chosen;

    /// <summary>The provider in use; set it to force one (tests compare both).</summary>
    public static IBlasProvider Provider
    {
        get => chosen ?? Detected.Value.Provider;
        set => chosen = value;
    }

    /// <summary>Why the native BLAS is not in use (null when it is).</summary>
    public static string? NativeUnavailable => Detected.Value.Reason;

    public static IBlasProvider Managed { get; } = new ManagedBlas();

    /// <summary>The native provider, or null when libopenblas cannot be loaded.</summary>
    public static IBlasProvider? Native => Detected.Value.Provider is OpenBlas ? Detected.Value.Provider : null;

    static (IBlasProvider, string?) Detect()
    {
        foreach (var name in new[] { "libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll" })
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "cblas_dgemm", out var gemm))
                return (new OpenBlas(gemm), null);
        return (Managed, "libopenblas not found (apt-get install libopenblas0): using Math.NET's managed provider, about 25 times slower");
    }

    public static void Gemm(bool transposeA, bool transposeB, int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n) throw new ArgumentException("matrix buffers are smaller than the shapes");
        Provider.Gemm(transposeA, transposeB, m, n, k, alpha, a, b, beta, c);
    }

    sealed unsafe class OpenBlas(IntPtr gemm) : IBlasProvider
    {
        const int RowMajor = 101, NoTrans = 111, Trans = 112;
        readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemm =
            (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)gemm;

        public string Name => "openblas";

        public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c)
        {
            fixed (double* pa = a, pb = b, pc = c)
                dgemm(RowMajor, transposeA ? Trans : NoTrans, transposeB ? Trans : NoTrans, m, n, k, alpha,
                    pa, transposeA ? m : k, pb, transposeB ? k : n, beta, pc, n);
        }
    }

    /// <summary>Math.NET's managed provider is column-major: a row-major C is the column-major C^T = op(B)^T op(A)^T.</summary>
    sealed class ManagedBlas : IBlasProvider
    {
        readonly ILinearAlgebraProvider provider = ManagedLinearAlgebraProvider.Instance;

        public string Name => "managed";

        public void Gemm(bool transposeA, bool transposeB, int m, int n, int k, double alpha, double[] a, double[] b, double beta, double[] c)
        {
            // Row-major B (k x n, or n x k when transposed) read column-major is B^T (n x k) or B (k x n).
            // Row-major A (m x k, or k x m) read column-major is A^T (k x m) or A (m x k).
            provider.MatrixMultiplyWithUpdate(
                transposeB ? Transpose.Transpose : Transpose.DontTranspose, transposeA ? Transpose.Transpose : Transpose.DontTranspose,
                alpha, b, transposeB ? k : n, transposeB ? n : k, a, transposeA ? m : k, transposeA ? k : m, beta, c);
        }
    }
}
