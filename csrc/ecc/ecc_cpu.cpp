// CPU kernel of the exact ECC: the grid traversal makes one histogram update per pixel/voxel of
// non-zero weight; the curve is the histogram's cumulative sum, taken here.
//
// With T <= 255 thresholds, pixels are binned first (bins_cpu.h) and the traversal compares
// byte keys, 32-64 per vector instruction. With more thresholds, binning every pixel costs
// more than it saves: the traversal compares the values and bins only the pixels of non-zero
// weight (a few percent of them). Byte grids are binned by a table of the 256 byte values; with
// more thresholds their traversal compares the bytes as floats (exact), converted row by row.
#include <ATen/Parallel.h>

#include <algorithm>
#include <numeric>
#include <type_traits>
#include <vector>

#include "common/bins_cpu.h"
#include "common/cubical_cpu.h"
#include "ecc/ecc.h"

namespace topoeuler {
namespace {

// K = uint8_t: binned keys; K = S (or float for byte grids): values.
template <typename S, typename K>
void ecc_curves(const S* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* curve) {
  constexpr bool binned = std::is_same<K, uint8_t>::value;
  const int64_t T = th.count;
  const bins::Row row(th, 0, std::is_same<S, uint8_t>::value);
  const GridBlocks bl(g);
  const int64_t blocks = bl.count, unit = bl.grid_size / bl.units;  // pixels per row (2D) / plane (3D)
  // Each block has its own histogram; one block per grid writes its curve straight into the
  // output, otherwise the blocks' histograms are summed after.
  std::vector<int64_t> partial(blocks > 1 ? g.batch * blocks * T : 0, 0);
  at::parallel_for(0, g.batch * blocks, 1, [&](int64_t first, int64_t last) {
    GridWalker<K> walker(g);
    // The block's bins, with a row/plane either side.
    std::vector<K> keys(binned ? (std::min(bl.units_per_block, bl.units) + 2) * unit : 0);
    std::vector<int64_t> counts(T + 1);  // by bin; bin T (never counted) takes the keys >= T, branch-free
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / blocks, block = item % blocks;
      const S* grid = x + b * bl.grid_size;
      const int64_t lo = std::max<int64_t>(bl.begin(block) - 1, 0), hi = std::min(bl.end(block) + 1, bl.units);
      if constexpr (binned) bins::of_values(grid + lo * unit, (hi - lo) * unit, row, keys.data());
      auto load = [&](int64_t z, int64_t y, K* out) {
        const int64_t at = (z * g.height + y) * g.width;
        if constexpr (binned) {
          std::copy_n(keys.data() + at - lo * unit, g.width, out);
        } else {
          std::copy_n(grid + at, g.width, out);
        }
      };
      int64_t* c = counts.data();
      auto visit = [=, &th](int64_t, K key, int weight) {
        if constexpr (binned) {
          c[std::min<int64_t>(key, T)] += weight;
        } else {
          c[threshold_bin(th, 0, (double)key)] += weight;
        }
      };
      std::fill(counts.begin(), counts.end(), 0);
      walker.walk(bl.begin(block), bl.end(block), t_construction, load, visit);
      if (blocks > 1) {
        std::copy_n(counts.data(), T, partial.data() + item * T);
      } else {
        std::partial_sum(counts.data(), counts.data() + T, curve + b * T);
      }
    }
  });
  if (blocks > 1) {
    at::parallel_for(0, g.batch, 1, [&](int64_t first, int64_t last) {
      for (int64_t b = first; b < last; ++b) {
        int64_t acc = 0;
        for (int64_t k = 0; k < T; ++k) {
          for (int64_t block = 0; block < blocks; ++block) acc += partial[(b * blocks + block) * T + k];
          curve[b * T + k] = acc;
        }
      }
    });
  }
}

template <typename S>
void ecc_curves_of(const S* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* curve) {
  if (th.count <= 0xff) {  // bins 0..T fit a byte (255, the padding, may equal bin T: never counted)
    ecc_curves<S, uint8_t>(x, g, t_construction, th, curve);
  } else {
    ecc_curves<S, std::conditional_t<std::is_same<S, uint8_t>::value, float, S>>(x, g, t_construction, th, curve);
  }
}

}  // namespace

void ecc_curves_cpu(const uint8_t* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* curve) {
  ecc_curves_of(x, g, t_construction, th, curve);
}

void ecc_curves_cpu(const float* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* curve) {
  ecc_curves_of(x, g, t_construction, th, curve);
}

void ecc_curves_cpu(const double* x, const GridShape& g, bool t_construction, const Thresholds& th, int64_t* curve) {
  ecc_curves_of(x, g, t_construction, th, curve);
}

}  // namespace topoeuler
