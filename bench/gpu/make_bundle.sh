#!/usr/bin/env bash
# Builds what a lent GPU machine runs and packs it into one compressed file (docs/gpu.md,
# "The device check"). The lent machine has nvcc, CMake, PyTorch and NCCL/cuBLAS as Python
# wheels, but none of manet's other dependencies and no package registry: so manet is built
# here and carried, with every shared library it needs except the GPU's own (driver, cuBLAS,
# NCCL: found there by check.sh) and a data fixture.
#
#   bench/gpu/make_bundle.sh [--build DIR] [--out FILE] [--arch 90] [--jobs 2]
#
# Builds `manet` and `manet_gpu_tests` in DIR (default build-gpu-bundle: -DMANET_CUDA=ON for
# sm_ARCH only, the CUDA runtime linked in, no speech synthesis, no benchmarks), then writes
# FILE (default DIR/manet-gpu-bundle.tar.xz) holding:
#   bin/      manet, manet_gpu_tests
#   lib/      every non-CUDA, non-glibc shared library they load (ldd), copied
#   glibc/    this machine's glibc (loader, libc, libm, ...): used by check.sh only where the
#             lent machine's glibc is older than the binaries need
#   source/   what the tests and the check read from the sources: the 512-sample Fashion-MNIST
#             fixture, configs/spec_example.yaml, bench/peer_torch*.py
#   data/     fashion-mnist-10k/ (Fashion-MNIST's 10,000 test images, IDX) for the timed run
#             and the PyTorch peer; fmnist-512.h5 (the fixture, normalised, HDF5) to evaluate
#   check.sh  bench/gpu/check.sh, the script the lent machine runs
#   MANIFEST  commit, build flags, the CUDA libraries to find there, the glibc needed, sizes
# Prints the file and its size. Aim: under 60 MiB (a device run carries at most 64 MiB).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-gpu-bundle arch=90 jobs=2 out=""
while (($#)); do
  case "$1" in
    --build) build=$(realpath -m "$2"); shift 2 ;;
    --out) out=$(realpath -m "$2"); shift 2 ;;
    --arch) arch=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    *) echo "make_bundle: unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
out=${out:-$build/manet-gpu-bundle.tar.xz}
fmnist=${MANET_FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
python=/usr/bin/python3  # the one with h5py and numpy (tests/CMakeLists.txt)
[[ -f $fmnist/t10k-images-idx3-ubyte.gz ]] || { echo "make_bundle: no Fashion-MNIST in $fmnist (apt-get install dataset-fashion-mnist)" >&2; exit 2; }
"$python" -c 'import h5py, numpy' 2>/dev/null || { echo "make_bundle: $python lacks h5py/numpy (apt-get install python3-h5py)" >&2; exit 2; }

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$root")}
fi
flags=(-DCMAKE_BUILD_TYPE=Release -DMANET_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$arch" -DMANET_CUDART_STATIC=ON
       -DMANET_SPEECH=OFF -DMANET_BUILD_BENCH=OFF -DMANET_BUILD_TESTS=ON)
echo "== build ($build: ${flags[*]})"
mkdir -p "$build"
cmake -S "$root" -B "$build" "${flags[@]}" "${launcher[@]}" >"$build/configure.log" 2>&1 ||
  { tail -20 "$build/configure.log" >&2; exit 1; }
cmake --build "$build" -j "$jobs" --target manet manet_gpu_tests 2>&1 | grep -E "error|warning|Linking" || true
[[ -x $build/manet && -x $build/tests/manet_gpu_tests ]] || { echo "make_bundle: the build failed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/manet-gpu
mkdir -p "$stage"/{bin,lib,glibc,data/fashion-mnist-10k,source/configs,source/bench,source/tests/gpu/data}
cp "$build/manet" "$build/tests/manet_gpu_tests" "$stage/bin/"

# The libraries, by what ldd resolves here. The GPU's own stay behind: the lent machine has
# them (and they are 800 MB); glibc goes apart, for the loader fallback only.
external=() glibc_libs=()
is_gpu_lib() { [[ $1 =~ ^lib(cuda|cudart|cublas|cublasLt|nccl|nvidia-|nvrtc|nvJitLink)[.-] ]]; }
is_glibc() { [[ $1 =~ ^(ld-linux-x86-64\.so\.2|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|libresolv\.so\.2|libutil\.so\.1|libmvec\.so\.1|libanl\.so\.1|libnss_.*)$ ]]; }
while read -r name path; do
  if is_gpu_lib "$name"; then
    external+=("$name")
  elif is_glibc "$name"; then
    cp -L "$path" "$stage/glibc/$name"
  else
    cp -L "$path" "$stage/lib/$name"
  fi
done < <(ldd "$stage/bin/manet" "$stage/bin/manet_gpu_tests" |
           awk '$2 == "=>" && $3 ~ /^\// {print $1, $3} $1 ~ /^\/.*ld-linux/ {n=$1; sub(/.*\//, "", n); print n, $1}' | sort -u)
if ldd "$stage/bin/manet" "$stage/bin/manet_gpu_tests" | grep -q "not found"; then
  echo "make_bundle: a library is missing here already:" >&2
  ldd "$stage/bin/manet" "$stage/bin/manet_gpu_tests" | grep "not found" >&2
  exit 1
fi
mapfile -t external < <(printf '%s\n' "${external[@]}" | sort -u)

cp "$fmnist"/t10k-images-idx3-ubyte.gz "$fmnist"/t10k-labels-idx1-ubyte.gz "$stage/data/fashion-mnist-10k/"
cp -r "$root/tests/gpu/data/fashion-mnist-512" "$stage/source/tests/gpu/data/"
cp "$root/configs/spec_example.yaml" "$stage/source/configs/"
cp "$root/bench/peer_torch.py" "$root/bench/peer_torch_gpu.py" "$stage/source/bench/"
cp "$root/bench/gpu/check.sh" "$stage/check.sh"
# The fixture as an HDF5 data set (normalised as manet normalises Fashion-MNIST): evaluated
# on the GPU during the timed run and on the CPU by `manet eval`, the two must agree.
"$python" - "$stage/source/tests/gpu/data/fashion-mnist-512" "$stage/data/fmnist-512.h5" <<'EOF'
import gzip, struct, sys
import h5py, numpy as np
src, dst = sys.argv[1], sys.argv[2]
img = gzip.open(f"{src}/t10k-images-idx3-ubyte.gz").read()
lab = gzip.open(f"{src}/t10k-labels-idx1-ubyte.gz").read()
n = struct.unpack(">I", img[4:8])[0]
x = np.frombuffer(img[16:], np.uint8).reshape(n, 1, 28, 28).astype(np.float32)
x = (x / np.float32(255) - np.float32(0.2860)) / np.float32(0.3530)
with h5py.File(dst, "w") as f:
    f.create_dataset("x", data=x, compression="gzip")
    f["y"] = np.frombuffer(lab[8:], np.uint8).astype(np.int64)
EOF

# The newest glibc symbol version anything here needs (check.sh compares the host's).
glibc_needed=$(for f in "$stage"/bin/* "$stage"/lib/*; do objdump -T "$f" 2>/dev/null; done |
                 grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -Vu | tail -1)
{
  echo "manet GPU bundle"
  echo "commit:        $(git -C "$root" rev-parse HEAD)$(git -C "$root" diff --quiet HEAD -- src tests CMakeLists.txt cmake || echo ' (with uncommitted changes)')"
  echo "made:          $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(hostname)"
  echo "cmake:         ${flags[*]}"
  echo "nvcc:          $(/usr/local/cuda/bin/nvcc --version | tail -2 | head -1)"
  echo "needs there:   ${external[*]} libcuda.so.1"
  echo "glibc needed:  $glibc_needed (this machine: $(getconf GNU_LIBC_VERSION))"
  echo "libraries:     $(ls "$stage/lib" | wc -l) in lib/, $(ls "$stage/glibc" | wc -l) in glibc/"
} >"$stage/MANIFEST"
printf '%s\n' "${external[@]}" >"$stage/EXTERNAL_LIBS"
echo "$glibc_needed" >"$stage/GLIBC_NEEDED"
(cd "$stage" && find . -type f ! -name SHA256SUMS -print0 | sort -z | xargs -0 sha256sum >SHA256SUMS)

mkdir -p "$(dirname "$out")"
tar -C "$work" -cf - manet-gpu | xz -T2 -6 >"$out.tmp"
mv "$out.tmp" "$out"
echo "== bundle: $out ($(du -m "$out" | cut -f1) MiB; unpacked $(du -sm "$stage" | cut -f1) MiB)"
cat "$stage/MANIFEST"
