#!/bin/bash
# Usage: check_isa_symbols.sh BINARY
# Every function of BINARY that uses an AVX-512 register (zmm, the mask registers k1-k7,
# xmm/ymm 16-31) must be one of the AVX-512 build's kernels (namespace
# manet::cpu::avx512, src/kernels/cpu/kernel_table_avx512.cpp). Code of any other name
# runs on every CPU: an AVX-512 instruction there (an inline function or template the
# linker took from the AVX-512 translation unit) would crash CPUs without AVX-512.
set -euo pipefail
binary=$1
offenders=$(objdump -d --no-show-raw-insn -C "$binary" | awk '
  /^[0-9a-f]+ <.*>:$/ { fn = $0; next }
  /%zmm|%k[1-7]|%[xy]mm(1[6-9]|2[0-9]|3[01])/ { if (!(fn in seen)) { seen[fn] = 1; print fn } }' |
  grep -v "manet::cpu::avx512::" || true)
if [[ -n "$offenders" ]]; then
  echo "AVX-512 instructions outside manet::cpu::avx512 in $binary:"
  echo "$offenders"
  exit 1
fi
count=$(objdump -d --no-show-raw-insn -C "$binary" | grep -c "%zmm" || true)
if [[ "$count" -eq 0 ]]; then
  echo "no AVX-512 instructions at all in $binary: the AVX-512 build of the kernels is missing"
  exit 1
fi
echo "AVX-512 instructions only in manet::cpu::avx512 ($count zmm instructions)"
