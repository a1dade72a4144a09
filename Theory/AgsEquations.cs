namespace Physics.Theory;

/// <summary>Gaussian moments of the effective field x = m + sigma z at inverse temperature beta.</summary>
public readonly record struct FieldMoments(
    double Tanh,        // <tanh(beta x)>
    double Sech2,       // <sech^2(beta x)> = 1 - <tanh^2>
    double TanhSech2,   // <tanh sech^2>
    double Sech4,       // <sech^4>
    double LogCosh)     // T <ln 2cosh(beta x)>
{
    /// <summary>
    /// The lowest T &gt; 0 the finite-temperature RS solvers take (<see cref="Ags.Solve"/>, <see cref="Dense.Retrieval"/>).
    /// Below it the kink of tanh(beta x), of width T, is narrower than the spacing of doubles near the field's zero, and
    /// q = 1 - C T rounds to 1: at alpha = 0.1 the AGS retrieval state came out with r = 1 and m = 0.9984 at T = 1e-20
    /// (0.9980 is right), 0.960 at 1e-50, and a NaN past 1e-105; the dense RS free energy is off by 7e-9 at 1e-10 and
    /// 7e-4 at 1e-15. T = 0 has closed forms of its own.
    /// </summary>
    public const double SmallestTemperature = 1e-10;

    /// <summary>
    /// Refuses 0 &lt; T &lt; <see cref="SmallestTemperature"/> times <paramref name="scale"/> (and T &lt; 0, NaN, infinity) for a
    /// finite-T solver. The digits are lost relative to the fields, so a model whose fields are small (the dense network's,
    /// 1/(P-1)!: <see cref="Dense.TemperatureScale"/>) has its floor lower by as much.
    /// </summary>
    public static void CheckTemperature(double temperature, double scale = 1)
    {
        double smallest = SmallestTemperature * scale;
        if (!(temperature >= smallest) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), $"temperature must be a finite number >= {smallest:G3} (T = 0 has its own closed forms), not {temperature}");
    }

    public static FieldMoments Compute(double m, double sigma, double temperature)
    {
        double beta = 1 / temperature;
        var rule = GaussianAverage.ForField(m, sigma, temperature);
        var z = rule.Nodes;
        var w = rule.DensityWeights;
        double t1 = 0, s2 = 0, ts2 = 0, s4 = 0, lc = 0;
        for (int k = 0; k < z.Length; k++)
        {
            double x = m + sigma * z[k], ax = Math.Abs(x);
            double e = Math.Exp(-2 * beta * ax);               // no overflow at any beta
            double t = Math.Sign(x) * (1 - e) / (1 + e);
            double sech2 = 4 * e / ((1 + e) * (1 + e));
            t1 += w[k] * t;
            s2 += w[k] * sech2;
            ts2 += w[k] * t * sech2;
            s4 += w[k] * sech2 * sech2;
            lc += w[k] * (ax + temperature * Math.Log(1 + e));  // T ln 2cosh(beta x) = |x| + T ln(1 + e^{-2 beta |x|})
        }
        return new FieldMoments(t1, s2, ts2, s4, lc);
    }
}

/// <summary>
/// Amit-Gutfreund-Sompolinsky replica-symmetric equations (REFERENCE.md section 1) in the
/// unknowns (m, C) with C = beta (1 - q), which stays finite as T -> 0:
///   q = 1 - C T,  r = q / (1 - C)^2,  sigma = sqrt(alpha r),
///   G1 = <tanh beta(m + sigma z)> - m = 0,
///   G2 = beta <sech^2 beta(m + sigma z)> - C = 0.
/// (The second is C = beta(1 - q) written without the cancellation in 1 - <tanh^2>.)
/// </summary>
public readonly record struct AgsPoint(double Alpha, double Temperature)
{
    public double Beta => 1 / Temperature;

    public double Q(double c) => 1 - c * Temperature;
    public double R(double c) => Q(c) / ((1 - c) * (1 - c));
    public double Sigma(double c) => Math.Sqrt(Alpha * R(c));

    /// <summary>(G1, G2, and the 2x2 Jacobian d(G1,G2)/d(m,C)) evaluated analytically from one set of moments.</summary>
    public (double G1, double G2, double J11, double J12, double J21, double J22, FieldMoments Moments) Residual(double m, double c)
    {
        double beta = Beta, sigma = Sigma(c);
        var mo = FieldMoments.Compute(m, sigma, Temperature);
        double g1 = mo.Tanh - m, g2 = beta * mo.Sech2 - c;
        // d sigma / dC = sigma (1/(1-C) - T/(2q)); derivatives in sigma by Gaussian integration by parts.
        double dSigma = sigma * (1 / (1 - c) - Temperature / (2 * Q(c)));
        double j11 = beta * mo.Sech2 - 1;
        double j12 = -2 * beta * beta * sigma * mo.TanhSech2 * dSigma;
        double j21 = -2 * beta * beta * mo.TanhSech2;
        double j22 = beta * beta * beta * sigma * (4 * mo.Sech2 - 6 * mo.Sech4) * dSigma - 1;
        return (g1, g2, j11, j12, j21, j22, mo);
    }

    /// <summary>
    /// RS free energy per spin (REFERENCE.md section 1) written in C:
    /// f = alpha/2 + m^2/2 + (alpha T/2) ln(1-C) - alpha q / (2(1-C)) + alpha r C / 2 - T <ln 2cosh beta(m + sigma z)>.
    /// </summary>
    public double FreeEnergy(double m, double c)
    {
        double q = Q(c), r = R(c);
        var mo = FieldMoments.Compute(m, Sigma(c), Temperature);
        return Alpha / 2 + m * m / 2 + Alpha * Temperature / 2 * Math.Log(1 - c) - Alpha * q / (2 * (1 - c))
               + Alpha * r * c / 2 - mo.LogCosh;
    }

    /// <summary>de Almeida-Thouless (replicon) eigenvalue: RS is locally stable while this is below 1.</summary>
    public double Replicon(double m, double c)
    {
        var mo = FieldMoments.Compute(m, Sigma(c), Temperature);
        return Alpha * Beta * Beta * mo.Sech4 / ((1 - c) * (1 - c));
    }
}
