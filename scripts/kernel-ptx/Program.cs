// Writes the PTX that ILGPU makes of one Monte Carlo kernel, without a GPU:
//   dotnet run -- classical            the classical IlgpuEnsemble sweep
//   dotnet run -- dense KernelOrder3   the dense sweep compiled for P = 3 (KernelOrder2..9, or TableForm)
// scripts/kernel-sass.sh assembles it for sm_90 and reports registers and instruction counts.
using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using Physics.MonteCarlo;

const BindingFlags Private = BindingFlags.NonPublic | BindingFlags.Static;
MethodInfo kernel = args switch
{
    ["classical"] => typeof(IlgpuEnsemble).GetMethod("SweepKernel", Private)!,
    ["dense", var order] => typeof(IlgpuDenseEnsemble).GetMethod("SweepKernel", Private)!
        .MakeGenericMethod(typeof(IlgpuDenseEnsemble).Assembly.GetType("Physics.MonteCarlo." + order)
            ?? throw new ArgumentException($"no kernel order type {order}")),
    _ => throw new ArgumentException("usage: classical | dense KernelOrderP | dense TableForm"),
};
using var context = Context.Create(b => b.Default().EnableAlgorithms()); // as DeviceContext
using var backend = new PTXBackend(context, CudaArchitecture.SM_90, CudaInstructionSet.ISA_78, null!);
var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);
Console.Write(compiled.PTXAssembly);
