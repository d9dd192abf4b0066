#!/usr/bin/env bash
# The device check: what a lent GPU machine runs, as one script, in at most 4 minutes
# (MANET_CHECK_LIMIT_S, default 230 s, a hard limit on everything). docs/gpu.md tells how
# to make the bundle (bench/gpu/make_bundle.sh) and read what this writes.
#
#   OUT=/some/dir bash check.sh BUNDLE.tar.xz     # or an unpacked bundle directory
#
# In order, each step's output in $OUT/<step>.log and one line in $OUT/summary.txt:
#   gpu        nvidia-smi (its absence is recorded; the steps up to `libs` run anyway)
#   unpack     the bundle, into a scratch directory
#   libs       the GPU's libraries the binaries need (bundle's EXTERNAL_LIBS: cuBLAS, NCCL)
#              and the driver's libcuda.so.1, searched in the CUDA toolkit, in every
#              Python's site-packages/nvidia/*/lib (the wheels' layout; there is no
#              unversioned libnccl.so) and ldconfig; then ldd: nothing may be missing.
#              Where the host's glibc is older than the bundle needs, the bundle's own
#              loader and glibc run everything.
#   start      both binaries start (`manet --version`) with only the bundle's libraries
#   ----       no usable GPU: stop here (exit 3), unless MANET_CHECK_WITHOUT_GPU=1
#   probe      one GPU test; with a driver too old for CUDA 13, the toolkit's
#              forward-compatibility driver (/usr/local/cuda*/compat) is tried
#   tests      manet_gpu_tests with MANET_CUDA_SYNC=1, gtest XML in $OUT/gpu-tests.xml
#   sanitizer  compute-sanitizer --tool memcheck on a 2-step spec-example run (skipped,
#              with a line, when the machine has no compute-sanitizer)
#   run200     200 steps of the spec example (batch 64, SGD 0.05 m0.9) on Fashion-MNIST's
#              10,000 test images: samples/s, GPU phase times, the loss falling; then its
#              checkpoint evaluated on the CPU (manet eval) against the GPU's evaluation
#   torch      bench/peer_torch_gpu.py with the machine's own PyTorch: the same model and
#              steps in PyTorch eager on the same GPU; the throughput ratio
# Exit: 0 every step passed, 1 a step failed, 3 no usable GPU, 124 the time limit.
set -uo pipefail
limit=${MANET_CHECK_LIMIT_S:-230}
if [[ -z ${MANET_CHECK_INNER:-} ]]; then
  export MANET_CHECK_INNER=1
  exec timeout --kill-after=5 "$limit" bash "$0" "$@"
fi
export OUT=${OUT:-$PWD/check-out}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/check.log") 2>&1
started=$SECONDS
summary=$OUT/summary.txt
: >"$summary"
failed=0
note() { echo "$*" | tee -a "$summary"; }
# step NAME TIMEOUT COMMAND...: runs it with its output in $OUT/NAME.log; one summary line.
# A shell function runs as it is (its own commands carry their time limits).
step() {
  local name=$1 seconds=$2 t0=$SECONDS rc
  shift 2
  echo "== $name (at ${t0}s, limit ${seconds}s): $*"
  if declare -F "$1" >/dev/null; then
    "$@" >"$OUT/$name.log" 2>&1
  else
    timeout --kill-after=5 "$seconds" "$@" >"$OUT/$name.log" 2>&1
  fi
  rc=$?
  tail -n 15 "$OUT/$name.log"
  note "$(printf '%-10s %s  rc %d  %ds' "$name" "$([[ $rc == 0 ]] && echo ok || echo FAILED)" "$rc" $((SECONDS - t0)))"
  ((rc == 0)) || failed=1
  return $rc
}
# Scratch space (the unpacked bundle, the runs' checkpoints) is under $OUT too, and removed
# at the end (MANET_CHECK_KEEP=1 keeps it).
scratch=$OUT/scratch
finish() {
  note "total ${SECONDS}s; exit $1"
  [[ ${MANET_CHECK_KEEP:-0} == 1 ]] || rm -rf "$scratch"
  exit "$1"
}
[[ $# == 1 ]] || { echo "usage: OUT=DIR bash check.sh BUNDLE.tar.xz|BUNDLE_DIR" >&2; finish 2; }
bundle=$(realpath "$1")
note "manet device check $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname), limit ${limit}s, OUT=$OUT"

# gpu: what the machine has
gpu=0
if command -v nvidia-smi >/dev/null && nvidia-smi -L >"$OUT/gpu.log" 2>&1; then
  nvidia-smi >>"$OUT/gpu.log" 2>&1
  gpu=1
  note "$(printf '%-10s ok  %s' gpu "$(head -1 "$OUT/gpu.log")")"
else
  note "$(printf '%-10s NONE  nvidia-smi: %s' gpu "$(command -v nvidia-smi || echo 'not found') $(head -1 "$OUT/gpu.log" 2>/dev/null)")"
fi

# unpack
if [[ -d $bundle ]]; then
  B=$bundle
  note "$(printf '%-10s ok  already unpacked: %s' unpack "$B")"
else
  rm -rf "$scratch" && mkdir -p "$scratch"
  step unpack 60 tar -C "$scratch" -xJf "$bundle" || finish 1
  B=$scratch/manet-gpu
fi
cat "$B/MANIFEST" >"$OUT/manifest.txt"
(cd "$B" && sha256sum --quiet -c SHA256SUMS) >>"$OUT/unpack.log" 2>&1 || { note "unpack: checksums differ"; finish 1; }

# libs: the GPU's libraries, where this machine keeps them
find_libs() {
  local roots=() py sp
  if [[ -n ${MANET_CHECK_ROOTS:-} ]]; then
    IFS=: read -ra roots <<<"$MANET_CHECK_ROOTS"
  else
    roots=(/usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64
           /usr/local/cuda-*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu /usr/lib64)
    for py in ${MANET_CHECK_PYTHON:-} $(command -v python3 python 2>/dev/null) /opt/*/bin/python3 /venv*/bin/python3 \
              /root/*/bin/python3 /root/.venv/bin/python3 /workspace/*/bin/python3 /home/*/*/bin/python3; do
      [[ -x $py ]] || continue
      while read -r sp; do [[ -d $sp/nvidia ]] && roots+=("$sp/nvidia"); done < <(
        timeout 10 "$py" -c 'import site, sys; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
    done
  fi
  echo "search roots: ${roots[*]:-(none)}"
  local name found dirs=()
  for name in $(cat "$B/EXTERNAL_LIBS") libcuda.so.1; do
    found=""
    for r in "${roots[@]}"; do
      [[ -d $r ]] || continue
      found=$(timeout 20 find -L "$r" -maxdepth 4 -name "$name" \( -type f -o -type l \) 2>/dev/null | head -1)
      [[ -n $found ]] && break
    done
    if [[ -z $found && -z ${MANET_CHECK_ROOTS:-} ]]; then
      found=$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n {print $NF; exit}')
    fi
    if [[ -z $found ]]; then
      echo "MISSING $name"
      [[ $name == libcuda.so.1 ]] && continue  # no driver: no GPU either; the binaries still start
      return 1
    fi
    echo "found $name: $found"
    dirs+=("$(dirname "$(realpath "$found")")")
  done
  printf '%s\n' "${dirs[@]}" | awk '!seen[$0]++' >"$OUT/lib-dirs.txt"
}
step libs 60 find_libs || { note "libs: a GPU library is missing (see $OUT/libs.log)"; finish 1; }
LP=$B/lib:$(paste -sd: "$OUT/lib-dirs.txt")
glibc_needed=$(cat "$B/GLIBC_NEEDED")
glibc_host=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
run=()  # how a bundled binary is started
if [[ ${MANET_CHECK_LOADER:-auto} == bundled ]] ||
   [[ $(printf '%s\n%s\n' "$glibc_needed" "${glibc_host:-0}" | sort -V | head -1) != "$glibc_needed" ]]; then
  run=("$B/glibc/ld-linux-x86-64.so.2" --library-path "$B/glibc:$LP")
  # manet cannot restart itself with the best OpenBLAS kernels under an explicit loader
  # (core/blas_core.cpp): name them here, from the CPU's flags, as manet would.
  flags=$(grep -m1 '^flags' /proc/cpuinfo)
  case $flags in
    *avx512_bf16*) export OPENBLAS_CORETYPE=Cooperlake ;;
    *avx512f*) export OPENBLAS_CORETYPE=SkylakeX ;;
    *avx2*) export OPENBLAS_CORETYPE=$(grep -q AuthenticAMD /proc/cpuinfo && echo Zen || echo Haswell) ;;
  esac
  export MANET_KEEP_BLAS_CORE=1
  note "$(printf '%-10s the bundle'"'"'s glibc (host %s, bundle needs %s)' loader "${glibc_host:-?}" "$glibc_needed")"
  list_libs() { "${run[@]}" --list "$1"; }
else
  export LD_LIBRARY_PATH=$LP
  note "$(printf '%-10s the host'"'"'s glibc %s (bundle needs %s)' loader "$glibc_host" "$glibc_needed")"
  list_libs() { ldd "$1"; }
fi
for bin in manet manet_gpu_tests; do
  list_libs "$B/bin/$bin" >"$OUT/ldd-$bin.txt" 2>&1
  if grep -q "not found" "$OUT/ldd-$bin.txt"; then
    note "libs: $bin: $(grep 'not found' "$OUT/ldd-$bin.txt" | tr -s ' \t' ' ' | paste -sd,)"
    finish 1
  fi
done
note "$(printf '%-10s ok  ldd: nothing missing (%s)' ldd "$(grep -cE 'nccl|cublas' "$OUT/ldd-manet.txt") GPU libraries from $(paste -sd' ' "$OUT/lib-dirs.txt")")"

# start: the binaries run on this machine with the bundle's libraries, without Open MPI's
# install (one process: MANET_DIST=single; MPI is never initialised).
export MANET_DIST=single OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1} OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
export MANET_BIN="${run[*]} $B/bin/manet" MANET_SOURCE_DIR=$B/source
manet() { "${run[@]}" "$B/bin/manet" "$@"; }
step start 30 bash -c "${run[*]} $B/bin/manet --version && ${run[*]} $B/bin/manet_gpu_tests --gtest_list_tests | tail -3" ||
  finish 1

if ((!gpu)) && [[ ${MANET_CHECK_WITHOUT_GPU:-0} != 1 ]]; then
  note "no usable GPU here (nvidia-smi found none): every step before the GPU's passed; stopping"
  finish 3
fi

# probe: can this build use the GPU? A driver older than the CUDA 13 runtime linked in
# (nvidia-smi's "CUDA Version") makes cudaGetDeviceCount return 35 and every GPU test skip:
# then try the toolkit's forward-compatibility driver (cuda-compat, data-centre GPUs).
probe() {
  "${run[@]}" "$B/bin/manet_gpu_tests" --gtest_filter=CudaHead.LossSumInTheCpuOrder 2>&1
}
if ((gpu)); then
  probe >"$OUT/probe.log"
  if ! grep -q "^\[       OK \]" "$OUT/probe.log"; then
    compat=$(ls -d /usr/local/cuda*/compat 2>/dev/null | head -1)
    note "probe      the GPU is not usable by this build: $(grep -o 'no usable CUDA device.*' "$OUT/probe.log" | head -1);" \
         "nvidia-smi: $(grep -o 'CUDA Version: [0-9.]*' "$OUT/gpu.log" | head -1)"
    if [[ -n $compat && -e $compat/libcuda.so.1 ]]; then
      LP=$compat:$LP
      if ((${#run[@]})); then run[2]="$B/glibc:$LP"; else export LD_LIBRARY_PATH=$LP; fi
      export MANET_BIN="${run[*]} $B/bin/manet"
      probe >"$OUT/probe-compat.log"
      grep -q "^\[       OK \]" "$OUT/probe-compat.log" && note "probe      ok with the forward-compatibility driver in $compat" ||
        { note "probe      FAILED with $compat too (see probe-compat.log)"; finish 1; }
    else
      note "probe      FAILED: no /usr/local/cuda*/compat/libcuda.so.1 to try; the driver must support CUDA 13"
      finish 1
    fi
  else
    note "$(printf '%-10s ok  %s' probe "$(grep -o 'OK \].*' "$OUT/probe.log")")"
  fi
fi

# tests: every kernel checked as it runs
step tests 120 env MANET_CUDA_SYNC=1 "${run[@]}" "$B/bin/manet_gpu_tests" --gtest_output="xml:$OUT/gpu-tests.xml"
grep -E "^\[  (PASSED|FAILED)  \]|^\[  SKIPPED \] [0-9]+ tests?,|tests? ran" "$OUT/tests.log" | tee -a "$summary"

# sanitizer: memory errors of a 2-step run of the spec example
run_dir=$scratch/runs
mkdir -p "$run_dir"
export MANET_FASHION_MNIST_DIR=$B/data/fashion-mnist-10k
spec=(train --config "$B/source/configs/spec_example.yaml" --set device=cuda --set checkpoint.resume=never
      --set "data={train: {format: fashion_mnist, split: test}}" --set "optimizer={type: sgd, lr: 0.05, momentum: 0.9}")
sanitizer=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer /usr/local/cuda*/compute-sanitizer/compute-sanitizer 2>/dev/null | head -1)
if [[ -n $sanitizer ]]; then
  step sanitizer 90 env MANET_CUDA_SYNC=1 "$sanitizer" --tool memcheck --error-exitcode 99 --leak-check no \
    "${run[@]}" "$B/bin/manet" "${spec[@]}" --set train.max_steps=2 --set train.batch_size=8 \
    --set "checkpoint.dir=$run_dir/sanitizer"
  grep -E "ERROR SUMMARY|Invalid|out of bounds" "$OUT/sanitizer.log" | head -5 | tee -a "$summary"
else
  note "$(printf '%-10s SKIPPED  no compute-sanitizer on this machine (PATH, /usr/local/cuda*/bin)' sanitizer)"
fi

# run200: throughput, the loss falling, and the checkpoint evaluated on the CPU
field() { grep "\"event\":\"$1\"" "$2" | tail -1 | sed -n "s/.*\"$3\":\([-0-9.eE+]*\).*/\1/p"; }
step run200 90 "${run[@]}" "$B/bin/manet" "${spec[@]}" --set train.max_steps=200 --set train.batch_size=64 \
  --set train.log_every_steps=10 --set "checkpoint.dir=$run_dir/run200" \
  --set "data.test={format: hdf5, path: $B/data/fmnist-512.h5}"
metrics=$run_dir/run200/metrics.jsonl
cp "$metrics" "$OUT/run200-metrics.jsonl" 2>/dev/null
if [[ -f $metrics ]]; then
  losses=$(grep '"event":"train"' "$metrics" | sed -n 's/.*"loss":\([-0-9.eE+]*\).*/\1/p')
  first=$(echo "$losses" | head -3 | awk '{s += $1} END {if (NR) printf "%.4f", s / NR}')
  last=$(echo "$losses" | tail -3 | awk '{s += $1} END {if (NR) printf "%.4f", s / NR}')
  manet_sps=$(field summary "$metrics" samples_per_s)
  note "run200     loss $first -> $last (means of the first and last three logged); $manet_sps samples/s;" \
       "GPU ms/step: forward $(field summary "$metrics" gpu_forward_ms), backward $(field summary "$metrics" gpu_backward_ms)," \
       "NCCL wait $(field summary "$metrics" gpu_comm_ms), update $(field summary "$metrics" gpu_optimizer_ms);" \
       "peak GPU $(field summary "$metrics" peak_gpu_mb) MB"
  awk -v a="$first" -v b="$last" 'BEGIN {exit !(b < a - 0.3)}' || { note "run200     FAILED: the loss did not fall by 0.3"; failed=1; }
  gpu_eval_loss=$(field eval "$metrics" loss) gpu_eval_acc=$(field eval "$metrics" accuracy)
  if step eval_cpu 60 env MANET_DIST=single "${run[@]}" "$B/bin/manet" eval --json \
       --checkpoint "$run_dir/run200/step-00000200.h5" --data "$B/data/fmnist-512.h5"; then
    cpu_json=$(tail -1 "$OUT/eval_cpu.log")
    cpu_loss=$(echo "$cpu_json" | sed -n 's/.*"loss": *\([-0-9.eE+]*\).*/\1/p')
    cpu_acc=$(echo "$cpu_json" | sed -n 's/.*"accuracy": *\([-0-9.eE+]*\).*/\1/p')
    note "eval       the checkpoint on 512 samples: GPU loss $gpu_eval_loss accuracy $gpu_eval_acc | CPU loss $cpu_loss accuracy $cpu_acc"
    awk -v g="$gpu_eval_loss" -v c="$cpu_loss" 'BEGIN {d = g - c; if (d < 0) d = -d; exit !(d <= 1e-4 * (c < 0 ? -c : c) + 1e-6)}' ||
      { note "eval       FAILED: the GPU's and the CPU's evaluation of the same checkpoint differ"; failed=1; }
  fi
fi

# torch: PyTorch eager on the same GPU, with the machine's own python
torch_py=""
for py in ${MANET_CHECK_PYTHON:-} $(command -v python3 python 2>/dev/null) /opt/*/bin/python3 /venv*/bin/python3 \
          /root/*/bin/python3 /root/.venv/bin/python3 /workspace/*/bin/python3 /home/*/*/bin/python3; do
  [[ -x $py ]] && timeout 10 env -u LD_LIBRARY_PATH "$py" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torch") is None)' 2>/dev/null &&
    { torch_py=$py; break; }
done
if [[ -n $torch_py ]]; then
  if step torch 60 env -u LD_LIBRARY_PATH "$torch_py" "$B/source/bench/peer_torch_gpu.py" --split test --batch 64 \
       --steps 200 --warmup 20; then
    torch_sps=$(sed -n 's/.*"samples_per_s": *\([-0-9.eE+]*\).*/\1/p' "$OUT/torch.log" | tail -1)
    note "torch      PyTorch eager ($torch_py): $torch_sps samples/s | manet ${manet_sps:-?} samples/s |" \
         "manet/PyTorch $(awk -v a="${manet_sps:-0}" -v b="$torch_sps" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "?"}')x"
  fi
else
  note "$(printf '%-10s SKIPPED  no python with torch found (MANET_CHECK_PYTHON=... names one)' torch)"
fi
finish $((failed ? 1 : 0))
