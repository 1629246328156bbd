// The cumulative sum of the soft CUDA kernels' step histograms (soft_window.h: thresholds at or
// above a cell's window take exactly its sign/weight, added once at the window's end).
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace topoeuler {
namespace soft {
namespace {  // a kernel per translation unit that includes this header

// out[row, k] += sum_{k' <= k} step[row, k'] for rows [0, rows).
__global__ void cumulative_kernel(double* out, const double* step, int64_t rows, int64_t T) {
  const int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (r >= rows) return;
  double acc = 0.0;
  for (int64_t k = 0; k < T; ++k) out[r * T + k] += (acc += step[r * T + k]);
}

}  // namespace
}  // namespace soft
}  // namespace topoeuler
