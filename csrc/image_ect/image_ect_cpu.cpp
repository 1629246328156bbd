// CPU kernel of the image ECT: the ECC traversal with heights computed row by row.
#include <ATen/Parallel.h>

#include <limits>
#include <vector>

#include "common/cubical_cpu.h"
#include "image_ect/image_ect.h"

namespace topoeuler {

void image_ect_histogram_cpu(const uint8_t* mask, const GridShape& g, const double* directions, int64_t D,
                             bool t_construction, const Thresholds& th, int64_t* hist) {
  const int64_t T = th.count, grid_size = g.depth * g.height * g.width;
  std::vector<double> cz(g.depth), cy(g.height), cx(g.width);
  for (int64_t i = 0; i < g.depth; ++i) cz[i] = grid_coordinate(i, g.depth);
  for (int64_t i = 0; i < g.height; ++i) cy[i] = grid_coordinate(i, g.height);
  for (int64_t i = 0; i < g.width; ++i) cx[i] = grid_coordinate(i, g.width);
  const double inf = std::numeric_limits<double>::infinity();
  // One work item per (grid, direction): direction d's heights, ECC into hist[b, d].
  at::parallel_for(0, g.batch * D, 1, [&](int64_t first, int64_t last) {
    GridWalker<double> walker(g);
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / D, d = item % D;
      const double* v = directions + d * g.ndim;
      const uint8_t* grid = mask + b * grid_size;
      int64_t* h = hist + item * T;
      auto load = [&](int64_t z, int64_t y, double* row) {
        // Summed in axis order (depth, height, width), as documented in image_ect.h.
        const double base = g.ndim == 3 ? cz[z] * v[0] + cy[y] * v[1] : cy[y] * v[0];
        const double vx = v[g.ndim - 1];
        const uint8_t* m = grid + (z * g.height + y) * g.width;
        for (int64_t x = 0; x < g.width; ++x) row[x] = m[x] ? base + cx[x] * vx : inf;
      };
      auto visit = [&](int64_t, double value, int weight) {
        const int64_t k = threshold_bin(th, d, value);
        if (k < T) h[k] += weight;
      };
      walker.walk(0, grid_units(g), t_construction, load, visit);
    }
  });
}

}  // namespace topoeuler
