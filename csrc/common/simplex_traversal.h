// The per-direction CPU traversal of an embedded complex: vertex_heights (L directions of a
// vertex at once) serves the exact ECT kernel (ect/ect_cpu.cpp, which charges simplices with its
// own loop) and the soft ECT kernels (soft_ect/soft_ect_cpu.cpp), which also visit simplices
// here. No PyTorch headers.
//
// For a block of L directions, the caller computes a per-vertex key per direction (the soft
// kernels: the height itself, L = 8) with vertex_height(s) (common/complex.h), then
// visit_simplices() calls visit(set, m, best, sign) once per simplex m of every set, where
// best[lane] is the max of its vertices' keys and sign = (-1)^dim. Vertices of simplex m of `set` are
// simplex_vertex(set, r, m), r = 0..set.k-1; its graph is that of vertex 0.
#pragma once
#include <algorithm>
#include <cstdint>

#include "common/complex.h"

namespace topoeuler {
namespace traversal {

// The heights of one vertex for L directions at once, h[lane] = sum_j pos[j] * v[j * L + lane]
// (v transposed), summed in the same order as vertex_height: the same doubles, vectorised.
template <int L, typename S>
inline void vertex_heights(const S* pos, int64_t dim, const double* v, double* h) {
  for (int lane = 0; lane < L; ++lane) h[lane] = 0.0;
  for (int64_t j = 0; j < dim; ++j) {
    const double p = (double)pos[j];
    for (int lane = 0; lane < L; ++lane) h[lane] += p * v[j * L + lane];
  }
}

// Prefetches the key rows (L keys each) of the vertices of simplex m, both ends of each row (a
// row may straddle two cache lines). Callers name a simplex some way ahead of the one they
// visit: in a large complex vertices are far apart in memory, and the loads of many simplices
// then overlap. (always_inline: GCC deletes calls to a function that only prefetches.)
template <int L, typename Key>
inline __attribute__((always_inline)) void prefetch_vertices(const Simplices& set, int64_t m, const Key* key) {
  for (int r = 0; r < set.k; ++r) {
    const char* row = (const char*)(key + simplex_vertex(set, r, m) * L);
    __builtin_prefetch(row);
    __builtin_prefetch(row + L * sizeof(Key) - 1);
  }
}

// visit(set, m, best, sign) for every simplex, in set order then simplex order (a fixed
// order: reductions over it are deterministic). Keys are stored for L directions per vertex,
// key[vertex * L + lane]; best[lane] is the max over the simplex's vertices of their keys
// (L > 1 lets one cache line of a vertex serve L directions).
template <int L, typename Key, typename Visit>
inline void visit_simplices(const Simplices* sets, int num_sets, const Key* key, Visit&& visit) {
  Key best[L];
  for (int s = 0; s < num_sets; ++s) {
    const Simplices& set = sets[s];
    const int sign = simplex_sign(set);
    for (int64_t m = 0; m < set.count; ++m) {
      const Key* vertex0 = key + simplex_vertex(set, 0, m) * L;
      for (int lane = 0; lane < L; ++lane) best[lane] = vertex0[lane];
      for (int r = 1; r < set.k; ++r) {
        const Key* other = key + set.idx[r * set.count + m] * L;
        for (int lane = 0; lane < L; ++lane) {  // std::max by value: by reference, GCC does not vectorise it
          const Key o = other[lane];
          best[lane] = best[lane] < o ? o : best[lane];
        }
      }
      visit(set, m, (const Key*)best, sign);
    }
  }
}

}  // namespace traversal
}  // namespace topoeuler
