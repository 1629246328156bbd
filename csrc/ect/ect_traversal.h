// The per-direction CPU traversal of an embedded complex, shared by the exact ECT kernel
// (ect_cpu.cpp) and the soft ECT kernels (soft/soft_ect_cpu.cpp). No PyTorch headers.
//
// For one direction v, the caller computes a per-vertex key (the exact kernel: the threshold
// bin of the height; the soft kernels: the height itself) with vertex_height(), then
// visit_simplices() calls visit(set, m, key, sign) once per simplex m of every set, where key is
// the max of its vertices' keys and sign = (-1)^dim. Vertices of simplex m of `set` are
// simplex_vertex(set, r, m), r = 0..set.k-1; its graph is that of vertex 0.
#pragma once
#include <algorithm>
#include <cstdint>

#include "ect/ect.h"

namespace topoeuler {
namespace ect_traversal {

// h = sum_j pos[j] * v[j] in double, summed in order j = 0..dim-1 (built without FMA contraction).
template <typename S>
inline double vertex_height(const S* pos, int64_t dim, const double* v) {
  double h = 0.0;
  for (int64_t j = 0; j < dim; ++j) h += (double)pos[j] * v[j];
  return h;
}

// Vertex r of simplex m (the vertex set, idx == nullptr, has simplex m = vertex m).
inline int64_t simplex_vertex(const Simplices& set, int r, int64_t m) {
  return set.idx ? set.idx[r * set.count + m] : m;
}

// (-1)^dim of a simplex with k vertices: vertices +, edges -, faces +, ...
inline int simplex_sign(const Simplices& set) { return (set.k % 2 == 1) ? 1 : -1; }

// visit(set, m, max over the simplex's vertices of key[vertex], sign) for every simplex, in set
// order then simplex order (a fixed order: reductions over it are deterministic).
template <typename Key, typename Visit>
inline void visit_simplices(const Simplices* sets, int num_sets, const Key* key, Visit&& visit) {
  for (int s = 0; s < num_sets; ++s) {
    const Simplices& set = sets[s];
    const int sign = simplex_sign(set);
    if (set.idx == nullptr) {
      for (int64_t i = 0; i < set.count; ++i) visit(set, i, key[i], sign);
      continue;
    }
    for (int64_t m = 0; m < set.count; ++m) {
      Key best = key[set.idx[m]];
      for (int r = 1; r < set.k; ++r) best = std::max(best, key[set.idx[r * set.count + m]]);
      visit(set, m, best, sign);
    }
  }
}

}  // namespace ect_traversal
}  // namespace topoeuler
