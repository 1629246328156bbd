// Threshold binning shared by every CPU and CUDA kernel (no PyTorch headers).
#pragma once
#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define TE_HD __host__ __device__ __forceinline__
#define TE_UNROLL _Pragma("unroll")
#else
#define TE_HD inline __attribute__((always_inline))
#define TE_UNROLL _Pragma("GCC unroll 32")
#endif

namespace topoeuler {

// Thresholds of `rows` rows (one per direction for the ECT, one row for the ECC).
// Each row is finite and sorted. `inv_step[r]` is 1/step where row r is evenly spaced (see
// even_bin), 0 for other rows, which are then searched by bisection.
struct Thresholds {
  const double* values;    // [rows, count]
  const double* origin;    // [rows]  values[r, 0]
  const double* inv_step;  // [rows]
  int64_t count;           // T
};

// First k in [0, T) with t[k] >= v (strict = false) or t[k] > v (strict = true); T if none.
// `guess` is a starting index (any value in [0, T]); the result is exact whatever the guess.
TE_HD int64_t first_at_least(const double* t, int64_t T, double v, bool strict, int64_t guess = -1) {
  if (guess >= 0) {
    int64_t k = guess;
    if (strict) {
      while (k > 0 && t[k - 1] > v) --k;
      while (k < T && t[k] <= v) ++k;
    } else {
      while (k > 0 && t[k - 1] >= v) --k;
      while (k < T && t[k] < v) ++k;
    }
    return k;
  }
  int64_t lo = 0, hi = T;
  while (lo < hi) {
    const int64_t mid = (lo + hi) >> 1;
    if (strict ? (t[mid] <= v) : (t[mid] < v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// The bin of a value v on an evenly spaced row t[0..T) (every threshold within 1e-3 of a step
// of t_0 + k * step, and |t| < 2^40 steps: see threshold_rows in csrc/bindings.cpp). With
// u = (v - t_0) / step, the nearest index j = round(u), clamped to [0, T), satisfies
// t_(j-1) < v <= t_(j+1), so the bin is j or j + 1, decided by one comparison with t_j.
// Branch-free, so that loops over values vectorise (one gather). v = +-inf gives T / 0; v must
// not be NaN.
TE_HD int64_t even_bin(const double* t, int64_t T, double origin, double inv_step, double v) {
  double u = (v - origin) * inv_step;
  u = u > 0.0 ? u : 0.0;
  u = u < (double)(T - 1) ? u : (double)(T - 1);
  const int32_t j = (int32_t)(u + 0.5);
  return j + (int32_t)(v > t[j]);
}

// The bin of a cell of value v in row r: the index of the first threshold >= v, or T when
// there is none. A cell in bin k is counted at thresholds k..T-1, which is the `<=` rule of
// docs/definitions.md section 1. -inf falls in bin 0, +inf in bin T (never counted). v must not be NaN.
// Evenly spaced rows (inv_step[r] > 0) use even_bin, others bisection.
TE_HD int64_t threshold_bin(const Thresholds& th, int64_t r, double v) {
  const double* t = th.values + r * th.count;
  const double inv = th.inv_step[r];
  return inv > 0.0 ? even_bin(t, th.count, th.origin[r], inv, v) : first_at_least(t, th.count, v, false);
}

}  // namespace topoeuler
