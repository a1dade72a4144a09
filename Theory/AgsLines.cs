using MathNet.Numerics.RootFinding;

namespace Physics.Theory;

/// <summary>A point (alpha, T) of a phase line.</summary>
public readonly record struct LinePoint(double Alpha, double Temperature);

/// <summary>The AGS phase diagram: T = 0 capacity and the three lines in the (alpha, T) plane.</summary>
public sealed record AgsPhaseLines(
    double AlphaC, double MC,
    IReadOnlyList<LinePoint> GlassTransition,
    IReadOnlyList<LinePoint> RetrievalSpinodal,
    IReadOnlyList<LinePoint> RetrievalTransition,
    IReadOnlyList<string> Failures);

/// <summary>
/// Phase lines of the classical model (AGS 1987):
/// T_g = 1 + sqrt(alpha), where the spin-glass branch bifurcates from the paramagnet (closed form);
/// T_M(alpha), the spinodal (fold) of the retrieval branch: G1 = G2 = det d(G1,G2)/d(m,C) = 0;
/// T_c(alpha), where the retrieval and spin-glass free energies are equal.
/// T_M and T_c are traced by pseudo-arclength continuation from a point found by bisection, through
/// the re-entrant nose at low T, down to T = 0.01, and closed by their exact T = 0 and alpha = 0 ends.
/// </summary>
public static class AgsLines
{
    const double LowestTemperature = 0.01, SmallestLoad = 2e-3;

    public static AgsPhaseLines Compute(double alphaMax = 0.2, int glassPoints = 201)
    {
        var failures = new List<string>();
        var critical = Ags.CriticalLoad();
        var tg = Enumerable.Range(0, glassPoints).Select(k => { double a = alphaMax * k / (glassPoints - 1); return new LinePoint(a, 1 + Math.Sqrt(a)); }).ToList();
        var tm = Safe(() => Spinodal(critical, failures), failures, "T_M");
        var tc = Safe(() => Transition(failures), failures, "T_c");
        return new AgsPhaseLines(critical.Alpha, critical.M, tg, tm, tc, failures);
    }

    static List<LinePoint> Safe(Func<List<LinePoint>> line, List<string> failures, string name)
    {
        try { return line(); }
        catch (NonConvergenceException e) { failures.Add($"{name}: {e.Message}"); return []; }
    }

    /// <summary>Fold residual in u = (m, C, alpha, T).</summary>
    static double[] FoldResidual(double[] u)
    {
        var p = new AgsPoint(u[2], u[3]);
        var (g1, g2, a, b, c, d, _) = p.Residual(u[0], u[1]);
        return [g1, g2, a * d - b * c];
    }

    public static List<LinePoint> Spinodal(ZeroTemperatureRetrieval critical, List<string> failures)
    {
        const double alpha0 = 0.05;
        // Bisection on the existence of retrieval brackets the fold; Newton on the fold system refines it.
        double lo = 0.05, hi = 1.0;
        (double M, double C) below = Ags.RetrievalState(new AgsPoint(alpha0, lo)) ?? throw new NonConvergenceException("no retrieval at alpha=0.05, T=0.05");
        while (hi - lo > 1e-5)
        {
            double mid = 0.5 * (lo + hi);
            if (Ags.RetrievalState(new AgsPoint(alpha0, mid)) is { } s) { lo = mid; below = s; } else hi = mid;
        }
        var fold = Continuation.Newton(u => FoldResidual([u[0], u[1], alpha0, u[2]]), [below.M, below.C, lo]);
        double[] start = [fold[0], fold[1], alpha0, fold[2]];
        var options = new Continuation.Options(0.004, 1e-7, 0.006, 4000, [1, 1, 0.15, 1]);
        var up = Continuation.Run(FoldResidual, start, [0, 0, -1, 1], options, u => u[2] < SmallestLoad || u[3] > 0.999);
        var down = Continuation.Run(FoldResidual, start, [0, 0, 1, -1], options, u => u[3] < LowestTemperature);
        Record(up, "T_M (towards alpha = 0)", failures);
        Record(down, "T_M (towards T = 0)", failures);
        var line = new List<LinePoint> { new(0, 1) };
        line.AddRange(Enumerable.Reverse(up.Points).Select(u => new LinePoint(u[2], u[3])));
        line.AddRange(down.Points.Skip(1).Select(u => new LinePoint(u[2], u[3])));
        line.Add(new LinePoint(critical.Alpha, 0));
        return line;
    }

    /// <summary>Equal-free-energy residual in u = (m, C_retrieval, C_spinglass, alpha, T).</summary>
    static double[] TransitionResidual(double[] u)
    {
        var p = new AgsPoint(u[3], u[4]);
        var (g1, g2, _, _, _, _, _) = p.Residual(u[0], u[1]);
        var (_, sg, _, _, _, _, _) = p.Residual(0, u[2]);
        return [g1, g2, sg, p.FreeEnergy(u[0], u[1]) - p.FreeEnergy(0, u[2])];
    }

    public static List<LinePoint> Transition(List<string> failures)
    {
        const double alpha0 = 0.03;
        double Gap(double t)
        {
            var p = new AgsPoint(alpha0, t);
            var r = Ags.RetrievalState(p) ?? throw new NonConvergenceException($"no retrieval at alpha={alpha0}, T={t}");
            double c = Ags.SpinGlassState(p) ?? throw new NonConvergenceException($"no spin glass at alpha={alpha0}, T={t}");
            return p.FreeEnergy(r.M, r.C) - p.FreeEnergy(0, c);
        }
        double t0 = 0.3;
        while (Gap(t0) < 0) t0 += 0.05;
        double tc = Brent.FindRoot(Gap, t0 - 0.05, t0, 1e-12, 200);
        var point = new AgsPoint(alpha0, tc);
        var r = Ags.RetrievalState(point)!.Value;
        double cs = Ags.SpinGlassState(point)!.Value;
        double[] start = [r.M, r.C, cs, alpha0, tc];
        var options = new Continuation.Options(0.004, 1e-7, 0.006, 4000, [1, 1, 1, 0.06, 1]);
        var up = Continuation.Run(TransitionResidual, start, [0, 0, 0, -1, 1], options, u => u[3] < SmallestLoad);
        var down = Continuation.Run(TransitionResidual, start, [0, 0, 0, 1, -1], options, u => u[4] < LowestTemperature);
        Record(up, "T_c (towards alpha = 0)", failures);
        Record(down, "T_c (towards T = 0)", failures);
        var line = new List<LinePoint> { new(0, 1) };
        line.AddRange(Enumerable.Reverse(up.Points).Select(u => new LinePoint(u[3], u[4])));
        line.AddRange(down.Points.Skip(1).Select(u => new LinePoint(u[3], u[4])));
        line.Add(new LinePoint(Ags.ZeroTemperatureTransitionLoad(), 0));
        return line;
    }

    static void Record(Continuation.Trace trace, string name, List<string> failures)
    {
        if (trace.Failure is { } f) failures.Add($"{name}: {f}");
    }
}
