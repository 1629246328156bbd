// CPU kernel of the exact ECC: one histogram update per pixel/voxel of non-zero weight.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "common/cubical_cpu.h"
#include "ecc/ecc.h"

namespace topoeuler {
namespace {

template <typename S>
void ecc_histogram(const S* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* hist) {
  const int64_t T = th.count;
  const GridBlocks bl(g);
  const int64_t blocks = bl.count;
  // Each block has its own histogram; one block per grid writes straight into the output,
  // otherwise blocks are summed after.
  std::vector<int64_t> partial(blocks > 1 ? g.batch * blocks * T : 0, 0);
  at::parallel_for(0, g.batch * blocks, 1, [&](int64_t first, int64_t last) {
    GridWalker<S> walker(g);
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / blocks, block = item % blocks;
      const S* grid = x + b * bl.grid_size;
      int64_t* h = blocks > 1 ? partial.data() + item * T : hist + b * T;
      auto load = [&](int64_t z, int64_t y, S* row) {
        std::copy_n(grid + (z * g.height + y) * g.width, g.width, row);
      };
      auto visit = [&](int64_t, S value, int weight) {
        const int64_t k = threshold_bin(th, 0, (double)value);
        if (k < T) h[k] += weight;
      };
      walker.walk(bl.begin(block), bl.end(block), t_construction, load, visit);
    }
  });
  if (blocks > 1) {
    at::parallel_for(0, g.batch, 1, [&](int64_t first, int64_t last) {
      for (int64_t b = first; b < last; ++b)
        for (int64_t block = 0; block < blocks; ++block)
          for (int64_t k = 0; k < T; ++k) hist[b * T + k] += partial[(b * blocks + block) * T + k];
    });
  }
}

}  // namespace

void ecc_histogram_cpu(const float* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* hist) {
  ecc_histogram(x, g, t_construction, th, hist);
}

void ecc_histogram_cpu(const double* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* hist) {
  ecc_histogram(x, g, t_construction, th, hist);
}

}  // namespace topoeuler
