// The CPU traversal of a 2D/3D grid shared by every cubical op (exact ECC, image ECT, soft ECC).
//
// GridWalker<S>::walk visits every pixel/voxel of one grid whose charging weight c(p) (see
// cubical.h) is non-zero, as visit(linear index in the grid, value, weight). Values come from
// load(z, y, row): it writes the `width` values of row y of plane z (NaN-free). S is a float
// type (values) or uint8_t (keys: threshold bins, whose order is the values' as far as the ECC
// can tell). Rows outside the grid read as pad<S>() (+inf, or the largest key). Every row is
// loaded once into buffers padded with pad<S>(), so that the neighbourhood of every pixel needs
// no bounds checks; the weights of many pixels are computed first, by a loop the compiler
// vectorises (with an AVX2 clone picked at run time on x86-64), as int8 for byte keys (32
// lanes per register) and int32 for floats (as wide as their comparisons, no narrowing), then
// the few non-zero ones are visited.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "common/cubical.h"
#include "common/grid.h"

namespace topoeuler {
// Weights w[j] = c(position j) of `count` consecutive padded positions, by a vectorised loop
// (cubical_cpu.cpp). 2D: up/mid/down point one position before the first position's
// neighbours above, level, below (pitch apart). 3D: r[3 * dz + dy] likewise for the nine
// rows of the neighbourhood.
namespace row_weights {
void of_row(const float* up, const float* mid, const float* down, int64_t count, bool t_construction, int32_t* w);
void of_row(const double* up, const double* mid, const double* down, int64_t count, bool t_construction, int32_t* w);
void of_row(const uint8_t* up, const uint8_t* mid, const uint8_t* down, int64_t count, bool t_construction, int8_t* w);
void of_row(const float* const* r, int64_t count, bool t_construction, int32_t* w);
void of_row(const double* const* r, int64_t count, bool t_construction, int32_t* w);
void of_row(const uint8_t* const* r, int64_t count, bool t_construction, int8_t* w);
}  // namespace row_weights

// The value outside the grid: +inf for values, the largest key for keys (above every bin).
template <typename S>
constexpr S pad() {
  return std::is_floating_point<S>::value ? std::numeric_limits<S>::infinity() : std::numeric_limits<S>::max();
}

// Rows (2D) or planes (3D) of a grid: the unit along which work is split.
inline int64_t grid_units(const GridShape& g) { return g.ndim == 2 ? g.height : g.depth; }

// Grids cut into blocks of whole rows/planes of about 2^16 pixels, so that a single large image
// still keeps every thread busy; the CPU kernels' work items are (grid, block) pairs.
struct GridBlocks {
  static constexpr int64_t kPixelsPerBlock = 1 << 16;
  int64_t units, grid_size, units_per_block, count;
  explicit GridBlocks(const GridShape& g)
      : units(grid_units(g)),
        grid_size(g.depth * g.height * g.width),
        units_per_block(std::max<int64_t>(1, kPixelsPerBlock / (grid_size / units))),
        count((units + units_per_block - 1) / units_per_block) {}
  // Rows/planes [begin, end) of a block.
  int64_t begin(int64_t block) const { return block * units_per_block; }
  int64_t end(int64_t block) const { return std::min(units, begin(block) + units_per_block); }
};

// Buffers for walking grids of one shape; reuse one walker for many grids on a thread.
//
// Rows are padded with one +inf column on each side (pitch W + 2) and handled in chunks: the
// weights of a chunk of rows (2D) or of a whole plane (3D) are one flat loop over consecutive
// padded positions, long enough to vectorise even for 28-pixel rows (positions on the padding
// get weights that are never visited).
template <typename S>
class GridWalker {
  using Weight = std::conditional_t<sizeof(S) == 1, int8_t, int32_t>;

 public:
  explicit GridWalker(const GridShape& g)
      : g_(g),
        pitch_(g.width + 2),
        chunk_(g.ndim == 2 ? std::max<int64_t>(1, std::min<int64_t>(g.height, kChunkPositions / pitch_)) : g.height),
        slab_((chunk_ + 2) * pitch_),
        buffer_((g.ndim == 2 ? 1 : 3) * slab_, pad<S>()),
        weight_(chunk_ * pitch_ + 32) {}  // + 32: visit_row reads whole words

  // Visits the pixels of rows (2D) or planes (3D) [begin, end) of one grid.
  template <typename Load, typename Visit>
  void walk(int64_t begin, int64_t end, bool t_construction, Load&& load, Visit&& visit) {
    if (g_.ndim == 2) {
      walk_rows(begin, end, t_construction, load, visit);
    } else {
      walk_planes(begin, end, t_construction, load, visit);
    }
  }

 private:
  static constexpr int64_t kChunkPositions = 1 << 14;

  // 2D: the buffer holds rows y0 - 1 .. y0 + R of the chunk [y0, y0 + R).
  template <typename Load, typename Visit>
  void walk_rows(int64_t begin, int64_t end, bool t_construction, Load& load, Visit& visit) {
    S* buf = buffer_.data();
    fill_row(buf, begin - 1, load);
    fill_row(buf + pitch_, begin, load);
    for (int64_t y0 = begin; y0 < end; y0 += chunk_) {
      const int64_t R = std::min(chunk_, end - y0);
      for (int64_t r = 1; r <= R; ++r) fill_row(buf + (r + 1) * pitch_, y0 + r, load);
      row_weights::of_row(buf, buf + pitch_, buf + 2 * pitch_, (R - 1) * pitch_ + g_.width, t_construction,
                          weight_.data());
      for (int64_t r = 0; r < R; ++r) visit_row((y0 + r) * g_.width, buf + (r + 1) * pitch_ + 1, r * pitch_, visit);
      std::copy_n(buf + R * pitch_, 2 * pitch_, buf);  // rows y0 + R - 1, y0 + R start the next chunk
    }
  }

  // 3D: a ring of three padded planes (H + 2 rows each).
  template <typename Load, typename Visit>
  void walk_planes(int64_t begin, int64_t end, bool t_construction, Load& load, Visit& visit) {
    S* slot[3] = {buffer_.data(), buffer_.data() + slab_, buffer_.data() + 2 * slab_};
    fill_plane(slot[0], begin - 1, load);
    fill_plane(slot[1], begin, load);
    for (int64_t z = begin; z < end; ++z) {
      fill_plane(slot[2], z + 1, load);
      const S* r[9];  // r[3 * dz + dy]: padded column -1 of row dy - 1 of plane z + dz - 1
      for (int dz = 0; dz < 3; ++dz)
        for (int dy = 0; dy < 3; ++dy) r[3 * dz + dy] = slot[dz] + dy * pitch_;
      row_weights::of_row(r, (g_.height - 1) * pitch_ + g_.width, t_construction, weight_.data());
      for (int64_t y = 0; y < g_.height; ++y)
        visit_row((z * g_.height + y) * g_.width, slot[1] + (y + 1) * pitch_ + 1, y * pitch_, visit);
      std::rotate(slot, slot + 1, slot + 3);
    }
  }

  // Row y of a 2D grid (its padding stays pad<S>()), or all pad<S>() when y is outside the grid.
  template <typename Load>
  void fill_row(S* row, int64_t y, Load& load) {
    if (y < 0 || y >= g_.height) {
      std::fill(row, row + pitch_, pad<S>());
    } else {
      load(int64_t(0), y, row + 1);
    }
  }

  // Plane z of a 3D grid into a padded plane, or all pad<S>() when z is outside the grid.
  template <typename Load>
  void fill_plane(S* plane, int64_t z, Load& load) {
    if (z < 0 || z >= g_.depth) {
      std::fill(plane, plane + slab_, pad<S>());
    } else {
      for (int64_t y = 0; y < g_.height; ++y) load(z, y, plane + (y + 1) * pitch_ + 1);
    }
  }

  // Visits the pixels of one row: values[j] is pixel j, its weight is weight_[first_weight + j].
  // Most weights are 0 (flat or monotone regions): 32 bytes of weights are tested at once, and
  // byte weights are then visited by their non-zero bytes (little-endian: byte b of a word is
  // weight j0 + b).
  template <typename Visit>
  void visit_row(int64_t first, const S* values, int64_t first_weight, Visit& visit) {
    constexpr int64_t kPer = 32 / sizeof(Weight);  // weights per 32 bytes
    const Weight* w = weight_.data() + first_weight;
    for (int64_t j0 = 0; j0 < g_.width; j0 += kPer) {
      uint64_t words[4];
      std::memcpy(words, w + j0, 32);
      const int64_t n = std::min(kPer, g_.width - j0);
      if constexpr (sizeof(Weight) == 1) {
        constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL, kHigh = 0x8080808080808080ULL;
        for (int q = 0; q < 4 && 8 * q < n; ++q) {
          uint64_t word = words[q];
          if (n - 8 * q < 8) word &= ~uint64_t(0) >> (8 * (8 * q + 8 - n));  // bytes past the row
          for (uint64_t nonzero = (((word & kLow7) + kLow7) | word) & kHigh; nonzero; nonzero &= nonzero - 1) {
            const int64_t j = j0 + 8 * q + (__builtin_ctzll(nonzero) >> 3);
            visit(first + j, values[j], (int)w[j]);
          }
        }
      } else {
        if ((words[0] | words[1] | words[2] | words[3]) == 0) continue;
        for (int64_t j = j0; j < j0 + n; ++j)
          if (w[j] != 0) visit(first + j, values[j], (int)w[j]);
      }
    }
  }

  GridShape g_;
  int64_t pitch_, chunk_, slab_;
  std::vector<S> buffer_;
  std::vector<Weight> weight_;
};

}  // namespace topoeuler
