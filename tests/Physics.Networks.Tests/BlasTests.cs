using Physics.Networks;

namespace Physics.Networks.Tests;

/// <summary>Blas.Provider is global: these tests run alone.</summary>
[CollectionDefinition("blas", DisableParallelization = true)]
public class BlasCollection;

[Collection("blas")]
public class BlasTests
{
    static IEnumerable<IBlasProvider> Providers() => new[] { Blas.Native, Blas.Managed }.Where(p => p is not null)!;

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Gemm_matches_the_definition_for_every_provider(bool ta, bool tb)
    {
        const int m = 5, n = 7, k = 3;
        var rng = new Random(2);
        double[] a = Enumerable.Range(0, m * k).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] b = Enumerable.Range(0, k * n).Select(_ => rng.NextDouble() - 0.5).ToArray();
        double[] c0 = Enumerable.Range(0, m * n).Select(_ => rng.NextDouble()).ToArray();
        double A(int i, int l) => ta ? a[l * m + i] : a[i * k + l];
        double B(int l, int j) => tb ? b[j * k + l] : b[l * n + j];
        foreach (var provider in Providers())
        {
            var c = (double[])c0.Clone();
            provider.Gemm(ta, tb, m, n, k, 1.5, a, b, 0.5, c);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double expected = 0.5 * c0[i * n + j];
                    for (int l = 0; l < k; l++) expected += 1.5 * A(i, l) * B(l, j);
                    Assert.Equal(expected, c[i * n + j], 12);
                }
        }
    }

    [Fact]
    public void Batched_update_equals_the_single_query_update_on_every_provider()
    {
        const int n = 40, d = 12, batch = 9;
        var net = new ModernHopfield(ModernHopfield.RandomSphere(n, d, 3, 5), 0.7);
        var queries = ModernHopfield.RandomSphere(batch, d, 2, 5, stream: 2);
        var flat = queries.SelectMany(q => q).ToArray();
        var saved = Blas.Provider;
        try
        {
            foreach (var provider in Providers())
            {
                Blas.Provider = provider;
                var result = net.UpdateBatch(flat, batch);
                for (int b = 0; b < batch; b++)
                {
                    var (single, _) = net.Update(queries[b]);
                    for (int k = 0; k < d; k++) Assert.Equal(single[k], result[b * d + k], 12);
                }
            }
        }
        finally { Blas.Provider = saved; }
    }

    [Fact]
    public void The_native_provider_is_named_or_its_absence_explained()
    {
        if (Blas.Native is null) Assert.Contains("libopenblas", Blas.NativeUnavailable);
        else Assert.Equal("openblas", Blas.Native.Name);
    }
}
