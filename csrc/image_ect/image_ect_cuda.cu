// CUDA kernel of the image ECT: the cubical traversal of common/cubical_cuda.cuh on the heights
// of the foreground pixels, one histogram row per direction.
#include <cuda_runtime.h>

#include <cmath>

#include "common/cubical_cuda.cuh"
#include "image_ect/image_ect.h"

namespace topoeuler {
namespace {

// Height of pixel (z, y, x) under direction `row`, summed in axis order exactly as
// image_ect_histogram_cpu does (no FMA: compiled with --fmad=false); +inf off the mask.
// mask is [B, depth, H, W] of 0/1, directions [D, ndim].
struct Heights {
  using value_type = double;
  const uint8_t* __restrict__ mask;
  const double* __restrict__ directions;
  GridShape g;
  __device__ __forceinline__ double operator()(int64_t row, int64_t offset, int64_t slab, int64_t y,
                                               int64_t x) const {
    if (mask[offset] == 0) return INFINITY;
    const double* v = directions + row * g.ndim;
    if (g.ndim == 3) {
      const double base = grid_coordinate(slab % g.depth, g.depth) * v[0] + grid_coordinate(y, g.height) * v[1];
      return base + grid_coordinate(x, g.width) * v[2];
    }
    return grid_coordinate(slab % g.height, g.height) * v[0] + grid_coordinate(x, g.width) * v[1];
  }
};

}  // namespace

void image_ect_histogram_cuda(const uint8_t* mask, const GridShape& shape, const double* directions,
                              int64_t num_directions, bool t_construction, const Thresholds& thresholds,
                              int64_t* hist, void* stream) {
  cubical_cuda::histogram(Heights{mask, directions, shape}, shape, num_directions, t_construction, thresholds, hist,
                          static_cast<cudaStream_t>(stream));
}

}  // namespace topoeuler
