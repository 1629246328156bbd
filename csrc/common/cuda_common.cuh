// Small helpers shared by the CUDA launchers (no PyTorch headers).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace topoeuler {
namespace cuda {

inline void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string("topoeuler: CUDA error in ") + what + ": " + cudaGetErrorString(status));
}

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// hist[i] += v on int64 device memory (two's complement makes the unsigned add exact).
__device__ __forceinline__ void atomic_add_i64(int64_t* p, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}

// What the launchers size their grids and shared memory by, for the current device.
struct DeviceInfo {
  int64_t sms;
  int64_t smem_default;  // shared memory per block without opt-in (48 KiB)
  int64_t smem_optin;    // shared memory per block with cudaFuncAttributeMaxDynamicSharedMemorySize
};

inline DeviceInfo device_info() {
  int device = 0, sms = 0, smem = 0, optin = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
  check(cudaDeviceGetAttribute(&smem, cudaDevAttrMaxSharedMemoryPerBlock, device), "cudaDeviceGetAttribute");
  check(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "cudaDeviceGetAttribute");
  return {sms, smem, optin > smem ? optin : smem};
}

// Blocks of `kernel` that the whole device holds at once with this block size and dynamic shared memory.
template <class Kernel>
int64_t resident_blocks(Kernel kernel, int threads, int64_t dynamic_bytes, const DeviceInfo& dev) {
  int per_sm = 0;
  check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, (size_t)dynamic_bytes),
        "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  return (per_sm > 0 ? per_sm : 1) * dev.sms;
}

// Grids hold this many resident waves of equal blocks, which evens out blocks of unequal work.
constexpr int64_t kWaves = 4;

}  // namespace cuda
}  // namespace topoeuler
