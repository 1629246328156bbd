// CUDA kernel of the exact ECC: the cubical traversal of common/cubical_cuda.cuh on the grid values.
#include <cuda_runtime.h>

#include "common/cubical_cuda.cuh"
#include "ecc/ecc.h"

namespace topoeuler {
namespace {

// The value of a pixel is the grid entry itself: x is [B, depth, H, W] contiguous.
template <typename S>
struct GridValues {
  using value_type = S;
  const S* __restrict__ x;
  __device__ __forceinline__ S operator()(int64_t, int64_t offset, int64_t, int64_t, int64_t) const {
    return x[offset];
  }
};

// Byte grids (uint8, bool) read as they are and compared as floats (exact for bytes): the
// traversal's +inf halo needs a float value type.
struct ByteValues {
  using value_type = float;
  const uint8_t* __restrict__ x;
  __device__ __forceinline__ float operator()(int64_t, int64_t offset, int64_t, int64_t, int64_t) const {
    return (float)x[offset];
  }
};

}  // namespace

void ecc_histogram_cuda(const uint8_t* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream) {
  cubical_cuda::histogram(ByteValues{x}, shape, 1, t_construction, thresholds, hist, static_cast<cudaStream_t>(stream));
}

void ecc_histogram_cuda(const float* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream) {
  cubical_cuda::histogram(GridValues<float>{x}, shape, 1, t_construction, thresholds, hist,
                          static_cast<cudaStream_t>(stream));
}

void ecc_histogram_cuda(const double* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream) {
  cubical_cuda::histogram(GridValues<double>{x}, shape, 1, t_construction, thresholds, hist,
                          static_cast<cudaStream_t>(stream));
}

}  // namespace topoeuler
