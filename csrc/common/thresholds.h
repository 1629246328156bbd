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
// Each row is finite and strictly increasing. `inv_step[r]` is 1/step where row r is evenly
// spaced, which makes a guess that the exact search below corrects by a step or two;
// it is 0 for other rows, which are then searched by bisection.
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

// The bin of a cell of value v in row r: the index of the first threshold >= v, or T when
// there is none. A cell in bin k is counted at thresholds k..T-1, which is the `<=` rule of
// SPEC section 1. -inf falls in bin 0, +inf in bin T (never counted). v must not be NaN.
//
// On an evenly spaced row (inv_step[r] > 0: every threshold within 1e-3 of a step of
// t_0 + k * step, and |t| < 2^40 steps, so that the guess below is off by less than one bin)
// the guess g = ceil((v - t_0) / step) in [0, T] is within one of the bin, and one comparison
// on each side makes it exact: branch-free, so that loops over values vectorise (two gathers).
// Other rows are searched by bisection.
TE_HD int64_t threshold_bin(const Thresholds& th, int64_t r, double v) {
  const int64_t T = th.count;
  const double* t = th.values + r * T;
  const double inv = th.inv_step[r];
  if (!(inv > 0.0)) return first_at_least(t, T, v, false);
  double u = ceil((v - th.origin[r]) * inv);
  u = u > 0.0 ? u : 0.0;  // NaN (v = +-inf on an empty range) goes to 0: corrected below
  u = u < (double)T ? u : (double)T;
  const int32_t g = (int32_t)u, last = (int32_t)T - 1;
  const int32_t below = g - 1 > 0 ? g - 1 : 0, at = g < last ? g : last;
  const int32_t k = g - (int32_t)(v <= t[below]) + (int32_t)(v > t[at]);  // in [g - 1, g + 1]
  return k < 0 ? 0 : (k > (int32_t)T ? T : k);
}

}  // namespace topoeuler
