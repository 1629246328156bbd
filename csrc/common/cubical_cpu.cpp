// Row weights of the CPU traversal (cubical_cpu.h): loops over cubical_weight_2d/3d that the
// compiler vectorises; on x86-64 Linux with GCC an AVX2 clone is chosen at run time. The masks'
// integer type has the width of the values (Mask<S>), so that every lane of a comparison's
// result is used: 32 byte keys, 8 floats or 4 doubles per AVX2 register; byte keys give int8
// weights, floats int32 (narrower weights would cost packs of every mask).
#include "common/cubical_cpu.h"

#include <type_traits>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TE_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TE_VECTOR_CLONES
#endif

namespace topoeuler {
namespace row_weights {
namespace {

template <typename S>
using Mask = std::conditional_t<sizeof(S) == 1, int8_t,
                                std::conditional_t<sizeof(S) == 2, int16_t,
                                                   std::conditional_t<sizeof(S) == 4, int32_t, int64_t>>>;

// __restrict: the weights may not alias the rows, which is what lets the loop vectorise.
template <typename S, typename Weight>
inline __attribute__((always_inline)) void grid2d(const S* __restrict up, const S* __restrict mid,
                                                  const S* __restrict down, int64_t W, bool t_construction,
                                                  Weight* __restrict w) {
  for (int64_t j = 0; j < W; ++j) {
    const S n[9] = {up[j], up[j + 1], up[j + 2], mid[j], mid[j + 1], mid[j + 2], down[j], down[j + 1], down[j + 2]};
    w[j] = (Weight)cubical_weight_2d<Mask<S>>(n, t_construction);
  }
}

// r[3 * dz + dy] points at padded column -1 of the row at offset (dz - 1, dy - 1).
template <typename S, typename Weight>
inline __attribute__((always_inline)) void grid3d(const S* const* r, int64_t W, bool t_construction,
                                                  Weight* __restrict w) {
  const S *__restrict r0 = r[0], *__restrict r1 = r[1], *__restrict r2 = r[2], *__restrict r3 = r[3],
          *__restrict r4 = r[4], *__restrict r5 = r[5], *__restrict r6 = r[6], *__restrict r7 = r[7],
          *__restrict r8 = r[8];
  for (int64_t j = 0; j < W; ++j) {
    // After unrolling, k is a constant: one load from a fixed row at column j + k % 3.
    auto at = [&](int k) {
      const int q = k / 3;
      const S* row = q == 0 ? r0 : q == 1 ? r1 : q == 2 ? r2 : q == 3 ? r3 : q == 4 ? r4 : q == 5 ? r5 : q == 6 ? r6 : q == 7 ? r7 : r8;
      return row[j + k % 3];
    };
    w[j] = (Weight)cubical_weight_3d_at<Mask<S>>(at, t_construction);
  }
}

}  // namespace

#define TE_ROW_WEIGHTS(S, Weight)                                                                          \
  TE_VECTOR_CLONES void of_row(const S* up, const S* mid, const S* down, int64_t W, bool t, Weight* w) { \
    grid2d(up, mid, down, W, t, w);                                                                       \
  }                                                                                                       \
  TE_VECTOR_CLONES void of_row(const S* const* r, int64_t W, bool t, Weight* w) { grid3d(r, W, t, w); }
TE_ROW_WEIGHTS(float, int32_t)
TE_ROW_WEIGHTS(double, int32_t)
TE_ROW_WEIGHTS(uint8_t, int8_t)
#undef TE_ROW_WEIGHTS

}  // namespace row_weights
}  // namespace topoeuler
