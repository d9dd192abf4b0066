#pragma once
// Where a run computes: the top-level config key `device: auto|cpu|cuda`, resolved once
// at start-up. `auto` takes the GPU when this build has CUDA and a device is usable, else
// the CPU (with a one-line notice when a CUDA build finds no usable device); `cuda`
// insists and is a usage error, naming the key and the file, when it cannot be had.
#include <functional>
#include <string>
#include <vector>

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

// Which physical GPU a rank took, as every rank sends it to the others (fixed size, for
// an all-gather): the host, the GPU's UUID (as nvidia-smi prints it), the index the rank
// used and how many devices it could see.
struct GpuClaim {
  char host[64] = {};
  char uuid[48] = {};
  char name[64] = {};
  int device = 0;
  int visible = 0;
};
// This process's claim on CUDA device `device` (CUDA builds; else an Error).
GpuClaim claim_cuda_device(int device);
GpuClaim make_gpu_claim(const std::string& host, const std::string& uuid, const std::string& name, int device,
                        int visible);

// NCCL cannot put two ranks on one GPU: it fails deep inside ncclCommInitRank ("Duplicate
// GPU detected") and the detail is lost. Given every rank's claim (rank order), "" when
// every GPU has one rank, else the message that refuses the run up front: which ranks
// share which GPU on which host, how many GPUs that host shows them, and what to do.
std::string shared_gpu_problem(const std::vector<GpuClaim>& claims);

}  // namespace manet
