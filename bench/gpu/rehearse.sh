#!/usr/bin/env bash
# Rehearses the device check (bench/gpu/check.sh) on this machine, as the lent GPU machine
# will see it, so that a 15-minute GPU window is not spent on a missing library or a typo.
# Needs root (a private mount namespace) and a bundle (bench/gpu/make_bundle.sh).
#
#   bench/gpu/rehearse.sh BUNDLE.tar.xz OUT_DIR
#
# Inside the namespace, what the lent machine does not have is hidden:
#   - every library the bundle carries, where this machine has it (MPI, HDF5, yaml-cpp,
#     OpenBLAS, gtest, libstdc++, ...): an empty file is mounted over each, so a binary that
#     reached for the system's copy would fail loudly; Open MPI's plugins, help files and
#     mpirun; /usr/local/cuda (nvcc, cuBLAS, NCCL); Fashion-MNIST's package; /work (the
#     sources and build trees the binaries were built from);
#   - cuBLAS and NCCL appear only in the Python-wheel layout, site-packages/nvidia/{cublas,
#     nccl}/lib/lib*.so.N, with no unversioned libnccl.so (the files of /usr/local/cuda,
#     mounted there).
# Then check.sh runs three times, each with its own OUT_DIR/<case>:
#   stop      as on the lent machine: it must fail only at "no GPU" (exit 3), every step
#             before it passed;
#   through   MANET_CHECK_WITHOUT_GPU=1: every later step runs too and may fail only for
#             want of a GPU (the tests skip, the runs say "no usable CUDA device");
#   loader    MANET_CHECK_LOADER=bundled (and through): the bundle's own glibc runs
#             everything, the path taken where the lent machine's glibc is older than the
#             bundle needs (2.36: Ubuntu 22.04 has 2.35).
set -euo pipefail
[[ $# == 2 ]] || { echo "usage: $0 BUNDLE.tar.xz OUT_DIR" >&2; exit 2; }
bundle=$(realpath "$1") out=$(realpath -m "$2")
[[ $(id -u) == 0 ]] || { echo "rehearse: needs root (a mount namespace)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
stage=$(mktemp -d /tmp/manet-rehearse.XXXXXX)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$out" "$stage/empty-dir" "$stage/bin"
: >"$stage/empty-file"
cp "$bundle" "$stage/bundle.tar.xz"
cp "$here/check.sh" "$stage/bin/check.sh"
tar -C "$stage" -xJf "$bundle" manet-gpu/lib manet-gpu/EXTERNAL_LIBS
wheels=$stage/site-packages/nvidia
mkdir -p "$wheels/nccl/lib" "$wheels/cublas/lib"

inside=$(cat <<'EOF'
set -euo pipefail
cuda=/usr/local/cuda/lib64
for lib in $(cat "$stage/manet-gpu/EXTERNAL_LIBS"); do
  case $lib in libnccl*) dir=$wheels/nccl/lib ;; *) dir=$wheels/cublas/lib ;; esac
  : >"$dir/$lib"
  mount --bind "$(realpath "$cuda/$lib")" "$dir/$lib"
done
hidden=0
# What this machine's python and its torch load stay visible (the lent machine's python has
# its own): the torch step must get as far as "no CUDA device", not fail to start.
keep=" $( (ldd /usr/bin/python3
            /usr/bin/python3 -c 'import numpy, torch, os; print(os.path.dirname(numpy.__file__), os.path.dirname(torch.__file__))' 2>/dev/null |
              xargs -r -I{} sh -c 'find {} -name "*.so*" -type f' | xargs -r ldd) 2>/dev/null |
          awk '$2 == "=>" {print $1}' | sort -u | paste -sd' ') "
for lib in $(ls "$stage/manet-gpu/lib"); do
  [[ $keep == *" $lib "* ]] && { echo "rehearse: kept visible for python/torch: $lib"; continue; }
  for d in /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread; do
    for f in "$d/$lib" "$d"/"$lib".*; do
      [[ -f $f && ! -L $f ]] || continue
      mount --bind "$stage/empty-file" "$f" && hidden=$((hidden + 1))
    done
  done
  # the versioned files the sonames point to
  for f in /usr/lib/x86_64-linux-gnu/"$lib" /usr/lib/x86_64-linux-gnu/openblas-pthread/"$lib"; do
    [[ -L $f ]] || continue
    target=$(realpath "$f")
    mount --bind "$stage/empty-file" "$target" 2>/dev/null && hidden=$((hidden + 1))
  done
done
mkdir -p "$stage/out"
mount --bind "$out" "$stage/out"  # OUT_DIR may be under /work
for d in /usr/lib/x86_64-linux-gnu/openmpi /usr/share/openmpi /usr/local/cuda /usr/share/datasets /work; do
  [[ -d $d ]] && mount --bind "$stage/empty-dir" "$d"
done
for f in /usr/bin/mpirun /usr/bin/orterun /usr/bin/mpiexec /usr/bin/nvcc; do
  [[ -e $f ]] && mount --bind "$stage/empty-file" "$(realpath "$f")"
done
echo "rehearse: $hidden system copies of the bundle's libraries hidden; /usr/local/cuda, Open MPI, the data package and /work hidden"
echo "rehearse: the wheel layout: $(cd "$stage/site-packages" && find . -name '*.so*' | sort | paste -sd' ')"
echo "rehearse: an unversioned libnccl.so anywhere: $(timeout 60 find / -xdev -name libnccl.so 2>/dev/null | head -1 || true) (none expected)"
run_case() {
  local name=$1
  shift
  echo "=== case $name: $*"
  set +e
  env -i HOME=/root PATH=/usr/bin:/bin TMPDIR=/tmp OUT="$stage/out/$name" MANET_CHECK_ROOTS="$wheels" "$@" \
    bash "$stage/bin/check.sh" "$stage/bundle.tar.xz"
  echo "=== case $name: exit $?"
  set -e
}
run_case stop
run_case through MANET_CHECK_WITHOUT_GPU=1
run_case loader MANET_CHECK_LOADER=bundled MANET_CHECK_WITHOUT_GPU=1
# Whatever stayed visible for python, the binaries resolved every library to the bundle,
# the wheel layout or glibc.
for list in "$stage"/out/*/ldd-*.txt; do
  stray=$(awk '$2 == "=>" {print $1, $3}' "$list" | grep -v -e " $stage/out/[a-z]*/scratch/manet-gpu/" -e " $wheels/" \
            -e '^lib\(c\|m\|dl\|rt\|pthread\|resolv\)\.so' -e '^libcuda\.so' || true)
  [[ -z $stray ]] && echo "rehearse: $(basename "$(dirname "$list")")/$(basename "$list"): every library from the bundle, the wheels or glibc" ||
    { echo "rehearse: FAILED: $(basename "$(dirname "$list")")/$(basename "$list") resolved outside the bundle:"; echo "$stray"; }
done
EOF
)
unshare -m --propagation private env stage="$stage" wheels="$wheels" out="$out" bash -c "$inside"
