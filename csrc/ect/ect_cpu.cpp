// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per block of 8 directions (the unit of parallel work): every vertex is binned once per
// direction; a simplex's bin is the max of its vertices' bins (binning is monotone, so this is
// the bin of the max height).
// Cost O((N + sum of simplices) * D) time, O(N) extra memory per thread: no [cells, D, T].
// The traversal (heights, simplices, max over vertices) is ect_traversal.h, shared with the
// soft ECT kernels.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "ect/ect.h"
#include "ect/ect_traversal.h"

namespace topoeuler {
namespace {

// Directions per block: a vertex's bins for the block fill half a cache line, so the
// random access of a simplex to its vertices serves 8 directions at once (more lanes make
// the bins of a large graph outgrow the cache: 8 measured best on random graphs and meshes).
constexpr int kLanes = 8;

template <typename S>
void ect_histogram(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t D, const Thresholds& th, int64_t* hist) {
  const int64_t N = pc.num_points, dim = pc.dim, T = th.count;
  auto graph_of = [&](int64_t vertex) { return pc.batch ? pc.batch[vertex] : int64_t(0); };
  const int64_t blocks = (D + kLanes - 1) / kLanes;
  at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
    std::vector<int32_t> bin(N * kLanes);
    std::vector<double> v(dim * kLanes);  // the block's directions, transposed: v[j * kLanes + lane]
    for (int64_t block = first; block < last; ++block) {
      const int64_t d0 = block * kLanes, lanes = std::min<int64_t>(kLanes, D - d0);
      for (int64_t j = 0; j < dim; ++j)
        for (int64_t lane = 0; lane < kLanes; ++lane) v[j * kLanes + lane] = lane < lanes ? directions[(d0 + lane) * dim + j] : 0.0;
      for (int64_t i = 0; i < N; ++i) {
        double h[kLanes];
        ect_traversal::vertex_heights<kLanes>(pos + i * dim, dim, v.data(), h);
        int32_t* b = bin.data() + i * kLanes;
        for (int64_t lane = 0; lane < kLanes; ++lane)  // lanes past D: bin T, never counted
          b[lane] = lane < lanes ? (int32_t)threshold_bin(th, d0 + lane, h[lane]) : (int32_t)T;
      }
      ect_traversal::visit_simplices<kLanes>(
          sets, num_sets, bin.data(), [&](const Simplices& set, int64_t m, const int32_t* best, int sign) {
            int64_t* h = hist + (graph_of(ect_traversal::simplex_vertex(set, 0, m)) * D + d0) * T;
            for (int64_t lane = 0; lane < lanes; ++lane) {  // branch-free: bin T adds 0 to bin T - 1
              const int32_t k = best[lane];
              h[lane * T + std::min<int64_t>(k, T - 1)] += k < T ? sign : 0;
            }
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
