// Row weights of the CPU traversal (cubical_cpu.h): loops over cubical_weight_2d/3d that the
// compiler vectorises; on x86-64 Linux with GCC an AVX2 clone is chosen at run time.
#include "common/cubical_cpu.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define TE_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TE_VECTOR_CLONES
#endif

namespace topoeuler {
namespace row_weights {
namespace {

// __restrict: the int32 output may not alias the rows, which is what lets the loop vectorise.
template <typename S>
inline __attribute__((always_inline)) void grid2d(const S* __restrict up, const S* __restrict mid,
                                                  const S* __restrict down, int64_t W, bool t_construction,
                                                  int32_t* __restrict w) {
  for (int64_t j = 0; j < W; ++j) {
    const S n[9] = {up[j], up[j + 1], up[j + 2], mid[j], mid[j + 1], mid[j + 2], down[j], down[j + 1], down[j + 2]};
    w[j] = cubical_weight_2d(n, t_construction);
  }
}

// r[3 * dz + dy] points at padded column -1 of the row at offset (dz - 1, dy - 1).
template <typename S>
inline __attribute__((always_inline)) void grid3d(const S* const* r, int64_t W, bool t_construction,
                                                  int32_t* __restrict w) {
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
    w[j] = cubical_weight_3d_at(at, t_construction);
  }
}

}  // namespace

TE_VECTOR_CLONES void of_row(const float* up, const float* mid, const float* down, int64_t W, bool t, int32_t* w) {
  grid2d(up, mid, down, W, t, w);
}
TE_VECTOR_CLONES void of_row(const double* up, const double* mid, const double* down, int64_t W, bool t, int32_t* w) {
  grid2d(up, mid, down, W, t, w);
}
TE_VECTOR_CLONES void of_row(const float* const* r, int64_t W, bool t, int32_t* w) { grid3d(r, W, t, w); }
TE_VECTOR_CLONES void of_row(const double* const* r, int64_t W, bool t, int32_t* w) { grid3d(r, W, t, w); }

}  // namespace row_weights
}  // namespace topoeuler
