#pragma once
// Where a run computes: the top-level config key `device: auto|cpu|cuda`, resolved once
// at start-up. `auto` takes the GPU when this build has CUDA and a device is usable, else
// the CPU (with a one-line notice when a CUDA build finds no usable device); `cuda`
// insists and is a usage error, naming the key and the file, when it cannot be had.
#include <functional>
#include <string>

namespace manet {

enum class DeviceKind { cpu, cuda };

// Whether this build has the CUDA kernels (cmake -DMANET_CUDA=ON).
bool built_with_cuda();

// How many CUDA devices are usable, and why none when 0 (e.g. "cudaGetDeviceCount returned
// 35 (cudaErrorInsufficientDriver: ...)"). Any error there counts as "no GPU".
struct CudaProbe {
  int devices = 0;
  std::string why_none;
};
CudaProbe probe_cuda();

// `requested` is the config's value; `config_file` names it in errors. `notice` gets the
// one line that says `auto` fell back to the CPU.
DeviceKind resolve_device(const std::string& requested, const std::string& config_file,
                          const std::function<void(const std::string&)>& notice);

// Binds this process to GPU (local_rank mod device count): ranks on one host spread over
// its GPUs. Returns the device index. CUDA builds only.
int select_cuda_device(int local_rank);

}  // namespace manet
