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

// __restrict: the int8 output may not alias the rows, which is what lets the loop vectorise.
template <typename S>
inline __attribute__((always_inline)) void grid2d(const S* __restrict up, const S* __restrict mid,
                                                  const S* __restrict down, int64_t W, bool t_construction,
                                                  int32_t* __restrict w) {
  for (int64_t j = 0; j < W; ++j) {
    const S n[9] = {up[j], up[j + 1], up[j + 2], mid[j], mid[j + 1], mid[j + 2], down[j], down[j + 1], down[j + 2]};
    w[j] = cubical_weight_2d(n, t_construction);
  }
}

template <typename S>
inline __attribute__((always_inline)) void grid3d(const S* const* r, int64_t W, bool t_construction,
                                                  int32_t* __restrict w) {
  const S *__restrict r0 = r[0], *__restrict r1 = r[1], *__restrict r2 = r[2], *__restrict r3 = r[3],
          *__restrict r4 = r[4], *__restrict r5 = r[5], *__restrict r6 = r[6], *__restrict r7 = r[7],
          *__restrict r8 = r[8];
  for (int64_t j = 0; j < W; ++j) {
    const S n[27] = {r0[j], r0[j + 1], r0[j + 2], r1[j], r1[j + 1], r1[j + 2], r2[j], r2[j + 1], r2[j + 2],
                     r3[j], r3[j + 1], r3[j + 2], r4[j], r4[j + 1], r4[j + 2], r5[j], r5[j + 1], r5[j + 2],
                     r6[j], r6[j + 1], r6[j + 2], r7[j], r7[j + 1], r7[j + 2], r8[j], r8[j + 1], r8[j + 2]};
    w[j] = cubical_weight_3d(n, t_construction);
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
