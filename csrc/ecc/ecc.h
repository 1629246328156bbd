// Exact Euler characteristic curves of batched 2D/3D grids (docs/definitions.md section 1).
#pragma once
#include <cstdint>

#include "common/grid.h"
#include "common/thresholds.h"

namespace topoeuler {

// curve[b, k] = ECC of grid b at threshold k: the cumulative sum over bins <= k of the weights
// c(p) of the pixels of grid b (cubical.h). `curve` is [B, T] int64; every entry is written.
// `thresholds` has one row. Byte grids (uint8, bool as 0/1) are read as they are: no widened copy.
void ecc_curves_cpu(const uint8_t* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                    int64_t* curve);
void ecc_curves_cpu(const float* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                    int64_t* curve);
void ecc_curves_cpu(const double* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                    int64_t* curve);

// The histogram on CUDA device pointers (thresholds too), enqueued on `stream` (a cudaStream_t):
// hist[b, k] += the weights of the pixels of grid b in bin k; `hist` [B, T] int64 must be zeroed.
void ecc_histogram_cuda(const uint8_t* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream);
void ecc_histogram_cuda(const float* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream);
void ecc_histogram_cuda(const double* x, const GridShape& shape, bool t_construction, const Thresholds& thresholds,
                        int64_t* hist, void* stream);

}  // namespace topoeuler
