using MathNet.Numerics.LinearAlgebra;

namespace Physics.Theory;

/// <summary>Thrown when an iterative solver does not converge: never a number in disguise.</summary>
public sealed class NonConvergenceException(string message) : Exception(message);

/// <summary>
/// Pseudo-arclength continuation of a curve F(u) = 0, F: R^n -> R^(n-1). Passes folds (the
/// re-entrant nose of the AGS lines) that natural-parameter continuation cannot.
/// Jacobians by central differences; variables are scaled so that steps are balanced.
/// </summary>
public static class Continuation
{
    public sealed record Options(double Step, double MinStep, double MaxStep, int MaxPoints, double[] Scale);

    public sealed record Trace(List<double[]> Points, string? Failure);

    public static Trace Run(Func<double[], double[]> f, double[] start, double[] direction, Options o, Func<double[], bool> stop)
    {
        int n = start.Length;
        double[] S(double[] u) => u.Select((x, k) => x / o.Scale[k]).ToArray();
        double[] U(double[] v) => v.Select((x, k) => x * o.Scale[k]).ToArray();
        double[] G(double[] v) => f(U(v));
        var points = new List<double[]> { start };
        var v = S(start);
        var tangent = Normalise(S(direction));
        tangent = Tangent(G, v, tangent);
        double ds = o.Step;
        while (points.Count < o.MaxPoints)
        {
            var predicted = v.Select((x, k) => x + ds * tangent[k]).ToArray();
            var (corrected, iterations) = Correct(G, predicted, tangent);
            if (corrected is null)
            {
                ds /= 2;
                if (ds < o.MinStep) return new Trace(points, $"continuation stalled at {Describe(U(v))}");
                continue;
            }
            v = corrected;
            var u = U(v);
            points.Add(u);
            if (stop(u)) return new Trace(points, null);
            tangent = Tangent(G, v, tangent);
            if (iterations <= 3) ds = Math.Min(ds * 1.25, o.MaxStep);
        }
        return new Trace(points, $"continuation reached {o.MaxPoints} points without ending");
    }

    static string Describe(double[] u) => "(" + string.Join(", ", u.Select(x => x.ToString("G6"))) + ")";

    static double[] Normalise(double[] t)
    {
        double norm = Math.Sqrt(t.Sum(x => x * x));
        return t.Select(x => x / norm).ToArray();
    }

    /// <summary>Central-difference Jacobian of g: R^n -> R^rows.</summary>
    static Matrix<double> Jacobian(Func<double[], double[]> g, double[] v, int rows)
    {
        int n = v.Length;
        var jac = Matrix<double>.Build.Dense(rows, n);
        for (int k = 0; k < n; k++)
        {
            double h = 1e-7 * Math.Max(1, Math.Abs(v[k]));
            var plus = (double[])v.Clone(); plus[k] += h;
            var minus = (double[])v.Clone(); minus[k] -= h;
            var fp = g(plus); var fm = g(minus);
            for (int r = 0; r < rows; r++) jac[r, k] = (fp[r] - fm[r]) / (2 * h);
        }
        return jac;
    }

    static Matrix<double> Bordered(Matrix<double> jac, double[] row)
    {
        int n = row.Length;
        var a = Matrix<double>.Build.Dense(n, n);
        a.SetSubMatrix(0, 0, jac);
        for (int k = 0; k < n; k++) a[n - 1, k] = row[k];
        return a;
    }

    static double[] Tangent(Func<double[], double[]> g, double[] v, double[] previous)
    {
        int n = v.Length;
        var rhs = Vector<double>.Build.Dense(n); rhs[n - 1] = 1;
        var t = Normalise(Bordered(Jacobian(g, v, n - 1), previous).Solve(rhs).ToArray());
        double dot = t.Zip(previous, (a, b) => a * b).Sum();
        return dot < 0 ? t.Select(x => -x).ToArray() : t;
    }

    static (double[]? V, int Iterations) Correct(Func<double[], double[]> g, double[] predicted, double[] tangent)
    {
        int n = predicted.Length;
        var v = (double[])predicted.Clone();
        for (int it = 1; it <= 12; it++)
        {
            var res = g(v);
            if (res.Any(double.IsNaN)) return (null, it);
            var rhs = Vector<double>.Build.Dense(n);
            for (int r = 0; r < n - 1; r++) rhs[r] = -res[r];
            rhs[n - 1] = -v.Zip(predicted, (a, b) => a - b).Zip(tangent, (d, t) => d * t).Sum();
            var step = Bordered(Jacobian(g, v, n - 1), tangent).Solve(rhs).ToArray();
            if (step.Any(double.IsNaN)) return (null, it);
            for (int k = 0; k < n; k++) v[k] += step[k];
            double size = Math.Sqrt(step.Sum(x => x * x));
            if (size < 1e-11 && res.Max(Math.Abs) < 1e-10) return (v, it);
        }
        return (null, 12);
    }

    /// <summary>Newton for a square system F(u) = 0 with a difference Jacobian.</summary>
    public static double[] Newton(Func<double[], double[]> f, double[] start, double tolerance = 1e-12, int maxIterations = 40)
    {
        int n = start.Length;
        var u = (double[])start.Clone();
        for (int it = 0; it < maxIterations; it++)
        {
            var res = f(u);
            var step = Jacobian(f, u, n).Solve(Vector<double>.Build.DenseOfArray(res.Select(x => -x).ToArray())).ToArray();
            for (int k = 0; k < n; k++) u[k] += step[k];
            if (step.Any(double.IsNaN)) break;
            if (step.Max(Math.Abs) < tolerance && res.Max(Math.Abs) < 1e-10) return u;
        }
        throw new NonConvergenceException($"Newton did not converge from {Describe(start)}");
    }
}
