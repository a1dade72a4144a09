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

    /// <summary>Largest shared memory a launch may ask for without opting in (CUDA's default limit per group).</summary>
    const int SharedBytes = 48 * 1024;

    /// <summary>
    /// Chains per group: one warp each, and on a GPU up to four to a group (an SM takes at most 32 groups, so one-warp
    /// groups would leave half its warp slots empty) as long as their overlap sums (stride ints each) fit the shared
    /// memory a launch may ask for; the CPU simulator runs one warp a group.
    /// </summary>
    public static int ChainsPerGroup(bool cuda, int stride)
    {
        int fit = SharedBytes / (4 * stride);
        if (cuda && fit == 0)
            throw new ArgumentException($"{stride} patterns (padded): a chain's overlap sums need {4 * stride} bytes of shared memory, over the {SharedBytes} a GPU launch may ask for");
        return cuda ? Math.Min(fit, 4) : 1;
    }
}

