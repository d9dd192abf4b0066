#include "device/device.hpp"

#ifdef MANET_WITH_CUDA
#include <cuda_runtime.h>
#endif

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

}  // namespace manet
