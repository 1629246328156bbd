// CPU kernel of the image ECT: the ECC traversal on the bins of heights computed row by row.
#include <ATen/Parallel.h>

#include <vector>

#include "common/bins_cpu.h"
#include "common/cubical_cpu.h"
#include "image_ect/image_ect.h"

namespace topoeuler {
namespace {

template <typename K>
void image_ect_histogram(const uint8_t* mask, const GridShape& g, const double* directions, int64_t D,
                         bool t_construction, const Thresholds& th, int64_t* hist) {
  const int64_t T = th.count, grid_size = g.depth * g.height * g.width;
  std::vector<double> cz(g.depth), cy(g.height), cx(g.width);
  for (int64_t i = 0; i < g.depth; ++i) cz[i] = grid_coordinate(i, g.depth);
  for (int64_t i = 0; i < g.height; ++i) cy[i] = grid_coordinate(i, g.height);
  for (int64_t i = 0; i < g.width; ++i) cx[i] = grid_coordinate(i, g.width);
  std::vector<bins::Row> rows;
  for (int64_t d = 0; d < D; ++d) rows.emplace_back(th, d);
  // One work item per (grid, direction): direction d's heights, ECC into hist[b, d].
  at::parallel_for(0, g.batch * D, 1, [&](int64_t first, int64_t last) {
    GridWalker<K> walker(g);
    std::vector<double> height(g.width);
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / D, d = item % D;
      const double* v = directions + d * g.ndim;
      const uint8_t* grid = mask + b * grid_size;
      int64_t* h = hist + item * T;
      auto load = [&](int64_t z, int64_t y, K* row) {
        // Summed in axis order (depth, height, width), as documented in image_ect.h.
        const double base = g.ndim == 3 ? cz[z] * v[0] + cy[y] * v[1] : cy[y] * v[0];
        const double vx = v[g.ndim - 1];
        for (int64_t x = 0; x < g.width; ++x) height[x] = base + cx[x] * vx;
        bins::of_values(height.data(), g.width, rows[d], row);
        const uint8_t* m = grid + (z * g.height + y) * g.width;
        for (int64_t x = 0; x < g.width; ++x) row[x] = m[x] ? row[x] : pad<K>();  // background: outside
      };
      auto visit = [h, T](int64_t, K key, int weight) {
        if (key < T) h[key] += weight;
      };
      walker.walk(0, grid_units(g), t_construction, load, visit);
    }
  });
}

}  // namespace

void image_ect_histogram_cpu(const uint8_t* mask, const GridShape& g, const double* directions, int64_t D,
                             bool t_construction, const Thresholds& th, int64_t* hist) {
  bins::with_key_type(th.count, [&](auto key) {
    image_ect_histogram<decltype(key)>(mask, g, directions, D, t_construction, th, hist);
  });
}

}  // namespace topoeuler
