// Embedded simplicial complexes as every ECT kernel (exact and soft, CPU and CUDA) takes them,
// and the per-simplex helpers they share (docs/definitions.md section 2). No PyTorch headers.
#pragma once
#include <cstdint>

#include "common/thresholds.h"

namespace topoeuler {

// Simplices with k vertices each, stored as PyG does: idx[r * count + m] is vertex r of
// simplex m (an edge_index [2, E], a face [3, F], ...). Indices are valid vertex indices, and
// the vertices of a simplex lie in one graph of the batch. The vertex set has k = 1 and
// idx = nullptr (simplex m is vertex m).
struct Simplices {
  const int64_t* idx;
  int k;
  int64_t count;
};

// Vertices pos [N, dim] (passed alongside), with batch [N] (graph of each vertex, in
// [0, num_graphs)) or nullptr (one graph).
struct PointCloud {
  int64_t num_points, dim;
  const int64_t* batch;  // [N] or nullptr
  int64_t num_graphs;
};

namespace traversal {

// h = sum_j pos[j] * v[j] in double, summed in order j = 0..dim-1 (built without FMA
// contraction), on every backend, so that every kernel rounds alike.
template <typename S>
TE_HD double vertex_height(const S* pos, int64_t dim, const double* v) {
  double h = 0.0;
  for (int64_t j = 0; j < dim; ++j) h += (double)pos[j] * v[j];
  return h;
}

// Vertex r of simplex m.
TE_HD int64_t simplex_vertex(const Simplices& set, int r, int64_t m) {
  return set.idx ? set.idx[r * set.count + m] : m;
}

// (-1)^dim of a simplex with k vertices: vertices +, edges -, faces +, ...
TE_HD int simplex_sign(const Simplices& set) { return (set.k % 2 == 1) ? 1 : -1; }

// The height of simplex m in direction v: the max of its vertices' heights.
template <typename S>
TE_HD double simplex_height(const S* pos, int64_t dim, const Simplices& set, int64_t m, const double* v) {
  double h = vertex_height(pos + simplex_vertex(set, 0, m) * dim, dim, v);
  for (int r = 1; r < set.k; ++r) {
    const double hr = vertex_height(pos + simplex_vertex(set, r, m) * dim, dim, v);
    h = hr > h ? hr : h;
  }
  return h;
}

}  // namespace traversal
}  // namespace topoeuler
