#!/usr/bin/env bash
# Installs the Debian packages manet needs, and only those that are missing.
# Idempotent: a second run installs nothing. Without root or apt-get it prints the exact
# command to run instead of failing obscurely.
#   launch/install-deps.sh --list   prints the package list, one per line, and nothing else
# The list is the one source of truth: the test deps.debian_packages
# (tests/deps/check_debian_packages.py) checks that every header, library and tool the
# build used comes from a package this list installs (directly or as a dependency).
set -euo pipefail

packages=(
  # Build: the toolchain and the libraries manet compiles and links against
  g++ make cmake pkg-config            # toolchain
  libopenmpi-dev openmpi-bin           # MPI (data parallel)
  libhdf5-dev hdf5-tools               # checkpoints and HDF5 data sets
  libyaml-cpp-dev libcli11-dev         # configs, command line
  libopenblas-dev zlib1g-dev           # GEMM, gzipped IDX files
  libespeak-ng-dev libkissfft-dev      # speech synthesis, FFT (manet prepare digits)
  libpng-dev libjpeg-dev libsndfile1-dev  # your own images and sound files (manet prepare images|audio, predict)
  nlohmann-json3-dev                   # JSON: manet predict --json, and parsing it in tests
  # Runtime data and the programs `manet prepare` runs
  dataset-fashion-mnist                # the default data set
  wordnet-base fortunes                # text data sets (manet prepare wn26|fort14)
  espeak-ng flite sox                  # speech (manet prepare digits)
  # Tests
  libgtest-dev                         # GoogleTest
  python3-h5py python3-numpy python3-torch  # reference values computed in Python
  chromium fonts-dejavu-core           # a real browser for the report page (label browser); manet report --png
  iproute2                             # `ip netns`: the two fake hosts of the multihost test
)

if [[ "${1:-}" == --list ]]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

command="apt-get update && apt-get install -y --no-install-recommends ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found. manet needs these Debian 12 packages (or equivalents): ${missing[*]}" >&2
  exit 1
fi
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    command="sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
  else
    echo "install-deps: missing packages: ${missing[*]}" >&2
    echo "install-deps: run as root:  $command" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
bash -c "$command"
