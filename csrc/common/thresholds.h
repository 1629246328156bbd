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
TE_HD int64_t threshold_bin(const Thresholds& th, int64_t r, double v) {
  int64_t guess = -1;
  const double inv = th.inv_step[r];
  if (inv > 0.0) {
    const double g = ceil((v - th.origin[r]) * inv);
    guess = g <= 0.0 ? 0 : (g >= (double)th.count ? th.count : (int64_t)g);
  }
  return first_at_least(th.values + r * th.count, th.count, v, false, guess);
}

}  // namespace topoeuler
