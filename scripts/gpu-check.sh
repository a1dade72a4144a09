#!/usr/bin/env bash
# The prepared GPU check of the ILGPU engine (issue 3), in two halves:
#   bash scripts/gpu-check.sh prepare   # here: self-contained linux-x64 build packed into .gpu/ (ignored, ~32 MB)
#   bash scripts/gpu-check.sh run       # on the device machine (no .NET there): carry .gpu, results in $OUT
# With the device tool: run(command="bash scripts/gpu-check.sh run", carry=[".gpu"], timeout_s=420).
# It checks bitwise equality of CUDA and the native CPU path on small cases (plain run and parallel
# tempering) and measures `bench mc --device cuda` at N=4000, P=1000 with 1024 and 4096 chains
# (goal: >= 3e10 attempts/s on an H100), and 16384 chains; dense chains (P = 3, 4, 5, and 6 on the tables) CUDA against CPU bitwise and a
# dense throughput run with 512 chains. ONLY=dense skips the retrieval bench, the 1024/16384-chain classical benches and
# the dense throughput run.
set -uo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
  prepare)
    rm -rf .gpu/publish && mkdir -p .gpu
    dotnet publish Simulation/Physics.Cli -c Release -r linux-x64 --self-contained -o .gpu/publish >/dev/null || exit 1
    tar -cJf .gpu/physics-linux-x64.tar.xz -C .gpu/publish . && rm -rf .gpu/publish
    ls -la .gpu
    ;;
  run)
    out=${OUT:-/tmp/gpu-check}; mkdir -p "$out"
    dir=/tmp/physics-gpu; rm -rf "$dir"; mkdir -p "$dir"
    tar -xJf .gpu/physics-linux-x64.tar.xz -C "$dir" || exit 1
    P="$dir/physics"
    (nvidia-smi -L; nvidia-smi --query-gpu=name,clocks.max.sm,memory.total --format=csv) > "$out/gpu.txt" 2>&1
    cat "$out/gpu.txt"
    status=0
    # Batched modern-Hopfield retrieval through ILGPU (tiled products, row softmax), CPU BLAS measured alongside.
    [ "${ONLY:-}" = dense ] || timeout 200 $P bench retrieval --device cuda --patterns 10000 --dimension 256 --queries 1024 --repeats 5 --json | tee "$out/retrieval-cuda.json"
    echo
    [ "${ONLY:-}" = retrieval ] && exit 0
    small="mc hopfield --neurons 256 --alpha 0.05 --temperature 0.4 --sweeps 40 --equilibration 10 --samples 2 --chains 3 --seed 5 --json"
    tempering="mc hopfield --neurons 200 --alpha 0.05 --temperatures 0.3,0.5,0.8 --sweeps 40 --equilibration 10 --samples 2 --seed 6 --json"
    dense="mc dense --p 3 --neurons 100 --alpha 0.05 --temperature 0.1 --samples 3 --sweeps 20 --equilibration 5 --json"
    dense4="mc dense --p 4 --neurons 40 --alpha 0.02 --temperature 0.05 --samples 2 --sweeps 30 --equilibration 5 --dynamics heat-bath --start random --json"
    dense5="mc dense --p 5 --neurons 30 --alpha 0.01 --temperature 0.02 --samples 2 --sweeps 30 --equilibration 5 --start random --json"
    # Past the 64-bit polynomials (K = 250 patterns): the kernel's table form against the CPU's table paths.
    dense6="mc dense --p 6 --neurons 500 --alpha 8e-12 --temperature 0.01 --samples 2 --sweeps 30 --equilibration 5 --start random --json"
    names="dense dense4 dense5 dense6 small tempering"
    for name in $names; do
      args=${!name}
      timeout 120 $P $args --device cpu > "$out/$name-cpu.json"
      timeout 120 $P $args --device cuda > "$out/$name-cuda.json"
      a=$(grep -o '"final_state_sha256":"[0-9a-f]*"' "$out/$name-cpu.json"); b=$(grep -o '"final_state_sha256":"[0-9a-f]*"' "$out/$name-cuda.json")
      if [ -n "$a" ] && [ "$a" = "$b" ]; then echo "$name: CUDA and CPU bitwise equal ($a)"; else echo "$name: MISMATCH cpu=$a cuda=$b"; status=1; fi
    done
    # Dense against classical chains on the GPU: 4096 chains of one sample, N = 4000, K = 400 (bench dense also times a
    # classical ensemble at the dense chains' acceptance), the polynomial form against the tables.
    for p in 3 4; do
      for t in 0.01 0.5; do
        for k in auto tables; do
          timeout 120 $P bench dense --device cuda --chains 4096 --p $p --neurons 4000 --patterns 400 --temperature $t --sweeps 5 --repeats 3 --kernel $k --json | tee "$out/dense-bench-p$p-t$t-$k.json"
          echo
        done
      done
    done
    timeout 120 $P bench dense --device cuda --chains 16384 --p 3 --neurons 4000 --patterns 400 --temperature 0.01 --sweeps 3 --repeats 3 --json
    echo
    timeout 120 $P bench dense --device cuda --chains 4096 --p 5 --neurons 1000 --patterns 400 --temperature 0.01 --sweeps 5 --repeats 3 --json
    echo
    [ "${ONLY:-}" = dense ] && CHAINS=${CHAINS:-4096}
    for chains in ${CHAINS:-1024 4096 16384}; do
      timeout 150 $P bench mc --device cuda --neurons 4000 --patterns 1000 --chains $chains --sweeps 20 --repeats 3 --json | tee "$out/bench-cuda-$chains.json"
      echo
    done
    [ "${ONLY:-}" = dense ] && exit $status
    # Dense chains on the GPU: one chain per disorder sample (K = alpha N^2 = 1600 patterns each).
    timeout 200 $P mc dense --device cuda --p 3 --neurons 400 --alpha 0.01 --temperature 0.1 --samples 512 --sweeps 20 --equilibration 0 --json | tee "$out/dense-cuda.json"
    echo
    exit $status
    ;;
  *) echo "usage: scripts/gpu-check.sh prepare|run" >&2; exit 2 ;;
esac
