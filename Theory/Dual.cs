using MathNet.Numerics;

namespace Physics.Theory;

/// <summary>
/// A forward-mode dual number with four partial derivatives. The 1RSB free energies are flat in the
/// Parisi parameters to 1e-7 (the classical capacity moves by 3e-4), so finite-difference gradients
/// (error ~1e-10) cannot locate their stationary points; derivatives carried through the arithmetic
/// are exact to rounding, and only the Jacobian of the gradient is taken by differences.
/// </summary>
public readonly struct Dual
{
    public readonly double Value, D0, D1, D2, D3;

    public Dual(double value, double d0 = 0, double d1 = 0, double d2 = 0, double d3 = 0)
    {
        Value = value; D0 = d0; D1 = d1; D2 = d2; D3 = d3;
    }

    /// <summary>The independent variable number <paramref name="index"/> (0..3) at <paramref name="value"/>.</summary>
    public static Dual Variable(double value, int index) => index switch
    {
        0 => new Dual(value, 1), 1 => new Dual(value, 0, 1), 2 => new Dual(value, 0, 0, 1), 3 => new Dual(value, 0, 0, 0, 1),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public double Partial(int index) => index switch { 0 => D0, 1 => D1, 2 => D2, 3 => D3, _ => throw new ArgumentOutOfRangeException(nameof(index)) };

    /// <summary>g(this) given g's value and derivative at this value (the chain rule).</summary>
    public Dual Chain(double value, double slope) => new(value, slope * D0, slope * D1, slope * D2, slope * D3);

    public static implicit operator Dual(double x) => new(x);
    public static Dual operator +(Dual a, Dual b) => new(a.Value + b.Value, a.D0 + b.D0, a.D1 + b.D1, a.D2 + b.D2, a.D3 + b.D3);
    public static Dual operator -(Dual a, Dual b) => new(a.Value - b.Value, a.D0 - b.D0, a.D1 - b.D1, a.D2 - b.D2, a.D3 - b.D3);
    public static Dual operator -(Dual a) => new(-a.Value, -a.D0, -a.D1, -a.D2, -a.D3);
    public static Dual operator *(Dual a, Dual b) => new(a.Value * b.Value,
        a.D0 * b.Value + a.Value * b.D0, a.D1 * b.Value + a.Value * b.D1, a.D2 * b.Value + a.Value * b.D2, a.D3 * b.Value + a.Value * b.D3);
    public static Dual operator *(double s, Dual a) => new(s * a.Value, s * a.D0, s * a.D1, s * a.D2, s * a.D3);
    public static Dual operator *(Dual a, double s) => s * a;
    public static Dual operator /(Dual a, Dual b) => a * Reciprocal(b);
    public static Dual operator /(Dual a, double s) => (1 / s) * a;

    public static Dual Reciprocal(Dual a) => a.Chain(1 / a.Value, -1 / (a.Value * a.Value));
    public static Dual Exp(Dual a) { double e = Math.Exp(a.Value); return a.Chain(e, e); }
    public static Dual Log(Dual a) => a.Chain(Math.Log(a.Value), 1 / a.Value);
    public static Dual Sqrt(Dual a) { double s = Math.Sqrt(a.Value); return a.Chain(s, 0.5 / s); }
    public static Dual Abs(Dual a) => a.Value >= 0 ? a : -a;
    public static Dual Pow(Dual a, int n) => a.Chain(Math.Pow(a.Value, n), n * Math.Pow(a.Value, n - 1));

    /// <summary>ln(e^a + e^b) without overflow.</summary>
    public static Dual LogAddExp(Dual a, Dual b)
    {
        var (hi, lo) = a.Value >= b.Value ? (a, b) : (b, a);
        return hi + Log1p(Exp(lo - hi));
    }

    public static Dual Log1p(Dual a) => a.Chain(Log1p(a.Value), 1 / (1 + a.Value));

    /// <summary>ln(1 + x), accurate for small x (a four-term series below 1e-4).</summary>
    public static double Log1p(double x) => Math.Abs(x) < 1e-4 ? x * (1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x))) : Math.Log(1 + x);

    /// <summary>T ln 2cosh(h / T) = |h| + T ln(1 + exp(-2|h|/T)): finite at every T &gt; 0.</summary>
    public static Dual LogTwoCosh(Dual h, double temperature)
    {
        var ah = Abs(h);
        return ah + temperature * Log1p(Exp(-2 * ah / temperature));
    }

    /// <summary>ln Phi(x), Phi the standard normal distribution function, accurate in the far left tail.</summary>
    public static Dual LogNormalCdf(Dual x)
    {
        double v = LogNormalCdf(x.Value);
        // d/dx ln Phi = phi(x) / Phi(x)
        return x.Chain(v, Math.Exp(-0.5 * x.Value * x.Value - 0.5 * Math.Log(2 * Math.PI) - v));
    }

    public static double LogNormalCdf(double x)
    {
        if (x > -30) return Math.Log(0.5 * SpecialFunctions.Erfc(-x / Math.Sqrt(2)));
        // Asymptotic series of the Mills ratio; at x < -30 its terms fall below 1e-14 after four.
        double x2 = 1 / (x * x);
        return -0.5 * x * x - Math.Log(-x) - 0.5 * Math.Log(2 * Math.PI) + Math.Log(1 - x2 + 3 * x2 * x2 - 15 * x2 * x2 * x2 + 105 * x2 * x2 * x2 * x2);
    }
}
