namespace Physics.MonteCarlo;

/// <summary>Where Monte Carlo runs: the names of --device.</summary>
public static class Devices
{
    public const string Auto = "auto", Cpu = "cpu", IlgpuCpu = "ilgpu-cpu", Cuda = "cuda";

    /// <summary>auto is CUDA when a CUDA device is present, else the native CPU path.</summary>
    public static string Resolve(string device) => device switch
    {
        Auto => IlgpuEnsemble.CudaAvailable() ? Cuda : Cpu,
        Cpu or IlgpuCpu or Cuda => device,
        _ => throw new ArgumentException($"--device must be auto, cpu, ilgpu-cpu or cuda, not '{device}'"),
    };

    public static IChainEnsemble Create(string device, EnsembleSetup setup, int threads = 0) => Resolve(device) switch
    {
        Cpu => new CpuEnsemble(setup, threads),
        IlgpuCpu => new IlgpuEnsemble(setup, cuda: false),
        _ => new IlgpuEnsemble(setup, cuda: true),
    };
}
