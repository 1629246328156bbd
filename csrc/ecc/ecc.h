// Exact Euler characteristic curves of batched 2D/3D grids (SPEC section 1).
#pragma once
#include <cstdint>

#include "common/thresholds.h"

namespace topoeuler {

// A batch of B grids of shape [depth, height, width] (depth = 1 for 2D), contiguous.
struct GridShape {
  int64_t batch, depth, height, width;
  int ndim;  // 2 or 3
};

// hist[b, k] += sum of the weights c(p) of the pixels of grid b whose bin is k (k < T);
// the ECC is its cumulative sum over k. `hist` is [B, T] int64 and must be zeroed.
// `thresholds` has one row.
void ecc_histogram_cpu(const float* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                       int64_t* hist);
void ecc_histogram_cpu(const double* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                       int64_t* hist);

// Same contract on CUDA device pointers (thresholds too), enqueued on `stream` (a cudaStream_t).
void ecc_histogram_cuda(const float* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream);
void ecc_histogram_cuda(const double* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream);

}  // namespace topoeuler
