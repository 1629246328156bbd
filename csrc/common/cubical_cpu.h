// The CPU traversal of a 2D/3D grid shared by every cubical op (exact ECC, image ECT, soft ECC).
//
// GridWalker<S>::walk visits every pixel/voxel of one grid whose charging weight c(p) (see
// cubical.h) is non-zero, as visit(linear index in the grid, value, weight). Values come from
// load(z, y, row): it writes the `width` values of row y of plane z (NaN-free). Rows outside
// the grid read as +inf. Rows are loaded once into a three-row (2D) / three-plane (3D) ring of
// buffers padded with +inf, so that the neighbourhood of every pixel needs no bounds checks;
// the weights of a whole row are computed first, by a loop the compiler vectorises (with an
// AVX2 clone picked at run time on x86-64), then the few non-zero ones are visited.
#pragma once
#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include "common/cubical.h"
#include "ecc/ecc.h"

namespace topoeuler {
// Weights of one row, w[j] = c(pixel j), computed by a vectorised loop (cubical_cpu.cpp).
// 2D: up/mid/down point at padded column -1 of rows y-1, y, y+1.
// 3D: r[3 * dz + dy] points at padded column -1 of the row at offset (dz - 1, dy - 1).
namespace row_weights {
void of_row(const float* up, const float* mid, const float* down, int64_t W, bool t_construction, int32_t* w);
void of_row(const double* up, const double* mid, const double* down, int64_t W, bool t_construction, int32_t* w);
void of_row(const float* const* r, int64_t W, bool t_construction, int32_t* w);
void of_row(const double* const* r, int64_t W, bool t_construction, int32_t* w);
}  // namespace row_weights

// Rows (2D) or planes (3D) of a grid: the unit along which work is split.
inline int64_t grid_units(const GridShape& g) { return g.ndim == 2 ? g.height : g.depth; }

// Buffers for walking grids of one shape; reuse one walker for many grids on a thread.
template <typename S>
class GridWalker {
 public:
  explicit GridWalker(const GridShape& g)
      : g_(g), pitch_(g.width + 2), plane_(g.ndim == 2 ? pitch_ : (g.height + 2) * pitch_),
        buffer_(3 * plane_, std::numeric_limits<S>::infinity()), weight_(g.width) {}

  // Visits the pixels of rows (2D) or planes (3D) [begin, end) of one grid.
  template <typename Load, typename Visit>
  void walk(int64_t begin, int64_t end, bool t_construction, Load&& load, Visit&& visit) {
    S* slot[3] = {buffer_.data(), buffer_.data() + plane_, buffer_.data() + 2 * plane_};
    fill(slot[0], begin - 1, load);
    fill(slot[1], begin, load);
    const int64_t W = g_.width;
    for (int64_t u = begin; u < end; ++u) {
      fill(slot[2], u + 1, load);
      if (g_.ndim == 2) {
        row_weights::of_row(slot[0], slot[1], slot[2], W, t_construction, weight_.data());
        visit_row(u * W, slot[1] + 1, visit);
      } else {
        for (int64_t y = 0; y < g_.height; ++y) {
          const S* r[9];
          for (int dz = 0; dz < 3; ++dz)
            for (int dy = 0; dy < 3; ++dy) r[3 * dz + dy] = slot[dz] + (y + dy) * pitch_;
          row_weights::of_row(r, W, t_construction, weight_.data());
          visit_row((u * g_.height + y) * W, r[4] + 1, visit);
        }
      }
      std::rotate(slot, slot + 1, slot + 3);
    }
  }

 private:
  // Loads row/plane u into a slot, or +inf when u is outside the grid (the padding stays +inf).
  template <typename Load>
  void fill(S* slot, int64_t u, Load& load) {
    if (u < 0 || u >= grid_units(g_)) {
      std::fill(slot, slot + plane_, std::numeric_limits<S>::infinity());
    } else if (g_.ndim == 2) {
      load(int64_t(0), u, slot + 1);
    } else {
      for (int64_t y = 0; y < g_.height; ++y) load(u, y, slot + (y + 1) * pitch_ + 1);
    }
  }

  template <typename Visit>
  void visit_row(int64_t first, const S* values, Visit& visit) {
    for (int64_t j = 0; j < g_.width; ++j)
      if (weight_[j] != 0) visit(first + j, values[j], weight_[j]);
  }

  GridShape g_;
  int64_t pitch_, plane_;
  std::vector<S> buffer_;
  std::vector<int32_t> weight_;
};

}  // namespace topoeuler
