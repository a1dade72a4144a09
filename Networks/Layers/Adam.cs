namespace Physics.Networks.Layers;

/// <summary>Adam (Kingma and Ba 2015) with bias-corrected moments, over a fixed list of parameters.</summary>
public sealed class Adam
{
    readonly Parameter[] parameters;
    readonly double[][] first, second;
    int step;

    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    public Adam(IEnumerable<Parameter> parameters, double learningRate = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        this.parameters = parameters.ToArray();
        LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon;
        first = this.parameters.Select(p => new double[p.Value.Length]).ToArray();
        second = this.parameters.Select(p => new double[p.Value.Length]).ToArray();
    }

    public void ZeroGradients() { foreach (var p in parameters) p.ZeroGradient(); }

    /// <summary>One update from the accumulated gradients.</summary>
    public void Step()
    {
        step++;
        double c1 = 1 - Math.Pow(Beta1, step), c2 = 1 - Math.Pow(Beta2, step);
        for (int k = 0; k < parameters.Length; k++)
        {
            var p = parameters[k];
            for (int i = 0; i < p.Value.Length; i++)
            {
                double g = p.Gradient[i];
                first[k][i] = Beta1 * first[k][i] + (1 - Beta1) * g;
                second[k][i] = Beta2 * second[k][i] + (1 - Beta2) * g * g;
                p.Value[i] -= LearningRate * (first[k][i] / c1) / (Math.Sqrt(second[k][i] / c2) + Epsilon);
            }
        }
    }
}
