// Exact ECT of the cubical complexes of foreground pixels/voxels (docs/definitions.md section 2).
#pragma once
#include <cstdint>

#include "common/grid.h"
#include "common/thresholds.h"

namespace topoeuler {

// Coordinate of index i on an axis of n pixels: i * (2 / (n - 1)) - 1, spanning [-1, 1]
// (0 when n == 1). Computed in double without fused multiply-add.
TE_HD double grid_coordinate(int64_t i, int64_t n) { return n > 1 ? (double)i * (2.0 / (double)(n - 1)) - 1.0 : 0.0; }

// Height of a foreground pixel at (z, y, x) for direction v (ndim components, axis order
// depth, height, width; the depth term is absent in 2D), summed in axis order; +inf elsewhere.
// hist[b, d, k] (shape [B, D, T], zeroed) receives the weights of grid b under direction d
// with bin k, where `thresholds` has D rows. `mask` is [B, depth, height, width] of 0/1.
void image_ect_histogram_cpu(const uint8_t* mask, const GridShape& shape, const double* directions,
                             int64_t num_directions, bool t_construction, const Thresholds& thresholds,
                             int64_t* hist);
void image_ect_histogram_cuda(const uint8_t* mask, const GridShape& shape, const double* directions,
                              int64_t num_directions, bool t_construction, const Thresholds& thresholds,
                              int64_t* hist, void* stream);

}  // namespace topoeuler
