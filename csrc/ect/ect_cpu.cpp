// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per direction (the unit of parallel work): every vertex is binned once; a simplex's bin is
// the max of its vertices' bins (binning is monotone, so this is the bin of the max height).
// Cost O((N + sum of simplices) * D) time, O(N) extra memory per thread: no [cells, D, T].
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "ect/ect.h"

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
      auto add = [&](int64_t vertex, int64_t k, int64_t sign) {
        if (k < T) hist[(graph_of(vertex) * D + d) * T + k] += sign;
      };
      for (int64_t i = 0; i < N; ++i) {
        double height = 0.0;
        for (int64_t j = 0; j < dim; ++j) height += (double)pos[i * dim + j] * v[j];
        bin[i] = threshold_bin(th, d, height);
      }
      for (int s = 0; s < num_sets; ++s) {
        const Simplices& set = sets[s];
        const int64_t sign = (set.k % 2 == 1) ? 1 : -1;  // (-1)^(k-1): vertices +, edges -, faces +
        if (set.idx == nullptr) {
          for (int64_t i = 0; i < N; ++i) add(i, bin[i], sign);
          continue;
        }
        for (int64_t m = 0; m < set.count; ++m) {
          int64_t k = bin[set.idx[m]];
          for (int r = 1; r < set.k; ++r) k = std::max(k, bin[set.idx[r * set.count + m]]);
          add(set.idx[m], k, sign);
        }
      }
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
