#include "device/device.hpp"

#ifdef MANET_WITH_CUDA
#include <cuda_runtime.h>
#endif

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <utility>

#include "core/error.hpp"

namespace manet {

bool built_with_cuda() {
#ifdef MANET_WITH_CUDA
  return true;
#else
  return false;
#endif
}

CudaProbe probe_cuda() {
  CudaProbe probe;
#ifdef MANET_WITH_CUDA
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    probe.why_none = "cudaGetDeviceCount returned " + std::to_string(int(status)) + " (" + cudaGetErrorName(status) +
                     ": " + cudaGetErrorString(status) + ")";
    cudaGetLastError();  // clear the sticky error so a later CUDA call does not report it
    return probe;
  }
  if (count == 0) probe.why_none = "cudaGetDeviceCount found 0 devices";
  probe.devices = count;
#else
  probe.why_none = "this manet was built without CUDA (configure with -DMANET_CUDA=ON)";
#endif
  return probe;
}

DeviceKind resolve_device(const std::string& requested, const std::string& config_file,
                          const std::function<void(const std::string&)>& notice) {
  if (requested == "cpu") return DeviceKind::cpu;
  if (requested != "auto" && requested != "cuda")
    throw Error(config_file + ": device: expected auto, cpu or cuda, got '" + requested + "'", ErrorKind::usage);
  if (!built_with_cuda()) {
    if (requested == "auto") return DeviceKind::cpu;  // nothing to fall back from: no notice
    throw Error(config_file + ": device: cuda, but this manet was built without CUDA: rebuild with cmake "
                    "-DMANET_CUDA=ON (needs nvcc, cuBLAS and NCCL), or set device: cpu or auto",
                ErrorKind::usage);
  }
  const CudaProbe probe = probe_cuda();
  if (probe.devices > 0) return DeviceKind::cuda;
  if (requested == "cuda")
    throw Error(config_file + ": device: cuda, but no usable CUDA device: " + probe.why_none +
                    "; set device: cpu or auto to train on the CPU",
                ErrorKind::usage);
  if (notice) notice("device: auto: no usable CUDA device (" + probe.why_none + "), training on the CPU");
  return DeviceKind::cpu;
}

int select_cuda_device(int local_rank) {
#ifdef MANET_WITH_CUDA
  const CudaProbe probe = probe_cuda();
  check(probe.devices > 0, "no usable CUDA device: " + probe.why_none);
  const int device = local_rank % probe.devices;
  const cudaError_t status = cudaSetDevice(device);
  check(status == cudaSuccess, "cudaSetDevice(" + std::to_string(device) + ") failed: " + cudaGetErrorString(status));
  return device;
#else
  throw Error("select_cuda_device: this manet was built without CUDA");
#endif
}

namespace {

template <std::size_t N>
void copy_field(char (&field)[N], const std::string& text) {
  std::memset(field, 0, N);
  text.copy(field, N - 1);
}

}  // namespace

GpuClaim make_gpu_claim(const std::string& host, const std::string& uuid, const std::string& name, int device,
                        int visible) {
  GpuClaim c;
  copy_field(c.host, host);
  copy_field(c.uuid, uuid);
  copy_field(c.name, name);
  c.device = device, c.visible = visible;
  return c;
}

GpuClaim claim_cuda_device(int device) {
#ifdef MANET_WITH_CUDA
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  cudaDeviceProp prop{};
  const cudaError_t status = cudaGetDeviceProperties(&prop, device);
  check(status == cudaSuccess,
        "cudaGetDeviceProperties(" + std::to_string(device) + ") failed: " + cudaGetErrorString(status));
  // GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, as nvidia-smi -L prints it.
  const auto* b = reinterpret_cast<const unsigned char*>(prop.uuid.bytes);
  char uuid[48];
  std::snprintf(uuid, sizeof uuid, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return make_gpu_claim(host, uuid, prop.name, device, probe_cuda().devices);
#else
  throw Error("claim_cuda_device: this manet was built without CUDA");
#endif
}

std::string shared_gpu_problem(const std::vector<GpuClaim>& claims) {
  // (host, uuid) -> the ranks on it, in rank order.
  std::map<std::pair<std::string, std::string>, std::vector<int>> ranks_of;
  for (std::size_t r = 0; r < claims.size(); ++r) ranks_of[{claims[r].host, claims[r].uuid}].push_back(int(r));
  for (std::size_t r = 0; r < claims.size(); ++r) {
    const std::vector<int>& sharing = ranks_of[{claims[r].host, claims[r].uuid}];
    if (sharing.size() < 2 || sharing.front() != int(r)) continue;  // the first shared GPU, by its lowest rank
    std::string ranks;
    for (std::size_t i = 0; i < sharing.size(); ++i)
      ranks += (i == 0 ? "" : i + 1 == sharing.size() ? " and " : ", ") + std::to_string(sharing[i]);
    const GpuClaim& c = claims[r];
    long on_host = 0;
    for (const GpuClaim& other : claims) on_host += std::strcmp(other.host, c.host) == 0;
    return "ranks " + ranks + " on host " + c.host + " would share one GPU (" + c.name + ", " + c.uuid +
           ", CUDA device " + std::to_string(c.device) + "): NCCL needs a GPU of its own for every rank. " +
           std::to_string(on_host) + " rank(s) run on " + c.host + " and each sees " + std::to_string(c.visible) +
           " GPU(s): start at most one rank per GPU (mpirun --map-by ppr:" + std::to_string(std::max(c.visible, 1)) +
           ":node), give each rank its own GPU (CUDA_VISIBLE_DEVICES), or set device: cpu";
  }
  return "";
}

}  // namespace manet
