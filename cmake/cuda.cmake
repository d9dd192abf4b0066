# MANET_CUDA=ON|OFF|AUTO: the CUDA kernels (src/kernels/cuda), the device model and the
# NCCL backend. AUTO turns them on when nvcc, the CUDA toolkit (cudart, cuBLAS) and NCCL
# are all found (by default under /usr/local/cuda); ON insists; OFF (the default) keeps
# the quick-start build CPU-only and as fast as before. Sets MANET_WITH_CUDA.
set(MANET_CUDA OFF CACHE STRING "CUDA kernels + NCCL backend: ON, OFF or AUTO")
set_property(CACHE MANET_CUDA PROPERTY STRINGS ON OFF AUTO)
string(TOUPPER "${MANET_CUDA}" manet_cuda_choice)
if(NOT manet_cuda_choice MATCHES "^(ON|OFF|AUTO)$")
  message(FATAL_ERROR "MANET_CUDA must be ON, OFF or AUTO (got '${MANET_CUDA}')")
endif()

set(MANET_WITH_CUDA OFF)
if(NOT manet_cuda_choice STREQUAL "OFF")
  if(NOT CMAKE_CUDA_COMPILER AND NOT DEFINED ENV{CUDACXX} AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  include(CheckLanguage)
  check_language(CUDA)
  if(NOT CUDAToolkit_ROOT AND EXISTS /usr/local/cuda)
    set(CUDAToolkit_ROOT /usr/local/cuda)
  endif()
  find_package(CUDAToolkit QUIET)
  # No CUDA::nccl target: the library and header sit beside the toolkit's (docs/gpu.md).
  find_library(NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  set(manet_cuda_missing "")
  if(NOT CMAKE_CUDA_COMPILER)
    list(APPEND manet_cuda_missing "nvcc")
  endif()
  if(NOT CUDAToolkit_FOUND OR NOT TARGET CUDA::cublas)
    list(APPEND manet_cuda_missing "the CUDA toolkit (cudart, cuBLAS)")
  endif()
  if(NOT NCCL_LIBRARY OR NOT NCCL_INCLUDE_DIR)
    list(APPEND manet_cuda_missing "NCCL (libnccl, nccl.h)")
  endif()
  if(manet_cuda_missing STREQUAL "")
    set(MANET_WITH_CUDA ON)
  elseif(manet_cuda_choice STREQUAL "ON")
    string(REPLACE ";" ", " manet_cuda_missing "${manet_cuda_missing}")
    message(FATAL_ERROR "MANET_CUDA=ON but not found: ${manet_cuda_missing} (looked under /usr/local/cuda; "
                        "set CUDAToolkit_ROOT / CMAKE_CUDA_COMPILER, or use MANET_CUDA=AUTO or OFF)")
  endif()
endif()

# The CUDA runtime as a shared library (default) or linked in (bench/gpu/make_bundle.sh:
# a binary carried to another machine then needs only the driver, cuBLAS and NCCL there).
option(MANET_CUDART_STATIC "Link the CUDA runtime statically" OFF)
set(MANET_CUDART CUDA::cudart)
if(MANET_CUDART_STATIC)
  set(MANET_CUDART CUDA::cudart_static)
  set(CMAKE_CUDA_RUNTIME_LIBRARY Static)
endif()

if(MANET_WITH_CUDA)
  # A100 (sm_80) and H100 (sm_90) at least; override with -DCMAKE_CUDA_ARCHITECTURES=...
  if(NOT CMAKE_CUDA_ARCHITECTURES)
    set(CMAKE_CUDA_ARCHITECTURES 80 90)
  endif()
  enable_language(CUDA)
  # C++20 for the .cu files as for the rest. CMake 3.25 knows nvcc's dialect flags only up
  # to C++17 (nvcc >= 12 takes -std=c++20), so it is told.
  if(NOT CMAKE_CUDA20_STANDARD_COMPILE_OPTION)
    set(CMAKE_CUDA20_STANDARD_COMPILE_OPTION "-std=c++20")
    set(CMAKE_CUDA20_EXTENSION_COMPILE_OPTION "-std=c++20")
  endif()
  set(CMAKE_CUDA_STANDARD 20)
  set(CMAKE_CUDA_STANDARD_REQUIRED ON)
  set(CMAKE_CUDA_EXTENSIONS OFF)
  message(STATUS "manet: CUDA kernels and NCCL on (archs ${CMAKE_CUDA_ARCHITECTURES}; NCCL ${NCCL_LIBRARY})")
else()
  message(STATUS "manet: CPU only (MANET_CUDA=${MANET_CUDA})")
endif()
