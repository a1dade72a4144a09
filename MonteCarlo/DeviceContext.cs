using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Physics.MonteCarlo;

/// <summary>An ILGPU context and accelerator: the first CUDA device, or ILGPU's CPU simulator (for checks without a GPU).</summary>
static class DeviceContext
{
    public static (Context Context, Accelerator Accelerator, string Device) Open(bool cuda)
    {
        var context = Context.Create(b => b.Default().EnableAlgorithms());
        if (!cuda) return (context, context.CreateCPUAccelerator(0), Devices.IlgpuCpu);
        var devices = context.GetCudaDevices();
        if (devices.Count == 0) { context.Dispose(); throw new ArgumentException("--device cuda: no CUDA device is present"); }
        return (context, devices[0].CreateAccelerator(context), Devices.Cuda);
    }
}
