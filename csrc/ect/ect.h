// Exact ECT of embedded simplicial complexes: point clouds, graphs, meshes (docs/definitions.md section 2).
#pragma once
#include <cstdint>

#include "common/complex.h"
#include "common/thresholds.h"

namespace topoeuler {

// Heights h_i = sum_j pos[i, j] * v[j] are computed in double, summed in order j = 0..d-1
// without fused multiply-add; a simplex's height is the max over its vertices, and it adds
// (-1)^(k-1) to hist[g, d, bin] with g = batch[first vertex] (0 without batch; every vertex of
// a simplex is in that graph). pos is [N, dim] contiguous, directions [D, dim] double,
// thresholds have D rows. `sets` lists the vertex set (k = 1, idx = nullptr: all vertices) and
// any higher simplices. The CPU kernel writes every entry of the curves [B, D, T] int64,
// curve[g, d, k] = sum of hist[g, d, k' <= k]; the CUDA one adds into a zeroed hist [B, D, T].
void ect_curves_cpu(const float* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                    const double* directions, int64_t num_directions, const Thresholds& thresholds, int64_t* curve);
void ect_curves_cpu(const double* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                    const double* directions, int64_t num_directions, const Thresholds& thresholds, int64_t* curve);
void ect_histogram_cuda(const float* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                        const double* directions, int64_t num_directions, const Thresholds& thresholds,
                        int64_t* hist, void* stream);
void ect_histogram_cuda(const double* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                        const double* directions, int64_t num_directions, const Thresholds& thresholds,
                        int64_t* hist, void* stream);

}  // namespace topoeuler
