// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per direction (the unit of parallel work): every vertex is binned once; a simplex's bin is
// the max of its vertices' bins (binning is monotone, so this is the bin of the max height).
// Cost O((N + sum of simplices) * D) time, O(N) extra memory per thread: no [cells, D, T].
// The traversal (heights, simplices, max over vertices) is ect_traversal.h, shared with the
// soft ECT kernels.
#include <ATen/Parallel.h>

#include <vector>

#include "ect/ect.h"
#include "ect/ect_traversal.h"

namespace topoeuler {
namespace {

template <typename S>
void ect_histogram(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t D, const Thresholds& th, int64_t* hist) {
  const int64_t N = pc.num_points, dim = pc.dim, T = th.count;
  auto graph_of = [&](int64_t vertex) { return pc.batch ? pc.batch[vertex] : int64_t(0); };
  at::parallel_for(0, D, 1, [&](int64_t first, int64_t last) {
    std::vector<int64_t> bin(N);
    for (int64_t d = first; d < last; ++d) {
      const double* v = directions + d * dim;
      for (int64_t i = 0; i < N; ++i) bin[i] = threshold_bin(th, d, ect_traversal::vertex_height(pos + i * dim, dim, v));
      ect_traversal::visit_simplices(sets, num_sets, bin.data(), [&](const Simplices& set, int64_t m, int64_t k, int sign) {
        if (k < T) hist[(graph_of(ect_traversal::simplex_vertex(set, 0, m)) * D + d) * T + k] += sign;
      });
    }
  });
}

}  // namespace

void ect_histogram_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* hist) {
  ect_histogram(pos, pc, sets, num_sets, directions, D, th, hist);
}

void ect_histogram_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* hist) {
  ect_histogram(pos, pc, sets, num_sets, directions, D, th, hist);
}

}  // namespace topoeuler
