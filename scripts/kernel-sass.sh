#!/usr/bin/env bash
# Registers and instruction counts of the ILGPU Monte Carlo kernels as an H100 would run them, without a GPU: ILGPU
# writes the PTX (scripts/kernel-ptx), ptxas assembles it for sm_90, cuobjdump lists the SASS. A lent GPU is rare and
# short; this shows what a kernel change does to occupancy (65536 registers per SM / 32 lanes / registers per lane =
# warps per SM) and to the instructions of each loop before a device is spent on timing it.
#   bash scripts/kernel-sass.sh classical | KernelOrder3 | ... | KernelOrder9 | TableForm   (default: classical and P = 3, 4)
# ptxas and cuobjdump come from Debian's non-free nvidia-cuda-toolkit (CUDA 11.8, which knows sm_90); the first run
# unpacks the package into .cuda/ (ignored) without installing it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools=.cuda/usr/bin
if [ ! -x $tools/ptxas ]; then
  list=/etc/apt/sources.list.d/physics-nonfree.list
  [ -f $list ] || echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm contrib non-free" > $list
  apt-get update -qq >/dev/null
  mkdir -p .cuda && (cd .cuda && apt-get download -qq nvidia-cuda-toolkit >/dev/null && dpkg -x nvidia-cuda-toolkit_*.deb . && rm nvidia-cuda-toolkit_*.deb)
fi
dotnet build scripts/kernel-ptx -c Release -v q -nologo >/dev/null
out=$(mktemp -d)
for k in "${@:-classical KernelOrder3 KernelOrder4}"; do
  for name in $k; do
    if [ "$name" = classical ]; then what=classical; else what="dense $name"; fi
    dotnet scripts/kernel-ptx/bin/Release/net10.0/KernelPtx.dll $what | sed 's/^\.target sm_[0-9]*/.target sm_90/' > "$out/$name.ptx"
    regs=$($tools/ptxas -arch=sm_90 -O3 -v "$out/$name.ptx" -o "$out/$name.cubin" 2>&1 | grep -o 'Used [0-9]* registers' | grep -o '[0-9]*')
    $tools/cuobjdump -sass "$out/$name.cubin" > "$out/$name.sass"
    echo "$name: $regs registers (at most $((65536 / 32 / ((regs + 7) / 8 * 8))) warps per SM), $(grep -c '/\*[0-9a-f]*\*/' "$out/$name.sass") instructions; SASS in $out/$name.sass"
  done
done
