// The saturation window of the soft (sigmoid) relaxation, shared by the CPU and CUDA soft
// kernels (no PyTorch headers).
//
// A cell of value h contributes sigmoid(s * (t_k - h)) at threshold t_k. For
// s * (t_k - h) < -z_max the sigmoid is 0 and for > z_max it is 1 to the working precision
// (z_max = 17 for float32, 37 for float64, chosen by the caller), so only the thresholds of the
// window [lo, hi) need the sigmoid: lo = first k with t_k >= h - z_max / s, hi = first k with
// t_k > h + z_max / s. Thresholds k >= hi take exactly 1: the kernels add the sign once to a
// step histogram at hi and take its cumulative sum. Thresholds are sorted (non-decreasing).
#pragma once
#include <cmath>
#include <cstdint>

#include "common/thresholds.h"

namespace topoeuler {
namespace soft {

constexpr double kMaxFinite = 1.7976931348623157e308;
// The table is used only for z_max up to this bound: within a window, e_lo <= e^z_max and
// table[r, lo, k] >= e^(-2 z_max) are then normal doubles (e^354 * e^-708). Beyond it e_lo
// overflows or the table underflows (inf * 0 = NaN), and the kernels call exp per threshold.
constexpr double kMaxTableZ = 354.0;

// Scale, saturation bound, and the threshold rows [rows, T] (each sorted). step[r] > 0 when row r
// is about evenly spaced: only a starting guess for the window search (which is exact anyway).
// table, when not null, is [rows, T, T] with table[r, lo, k] = exp(-scale * (t[r, k] - t[r, lo]))
// for k >= lo (at most 1): then exp(-s (t_k - h)) = exp(-s (t_lo - h)) * table[r, lo, k] needs one
// exp per cell, whatever the spacing of the thresholds.
struct SoftThresholds {
  const double* values;
  const double* step;
  const double* table;
  int64_t count;
  double scale;
  double z_max;
};

// Index guess ceil((v - t_0) / step) clamped to [0, T] on an evenly spaced row, -1 otherwise.
TE_HD int64_t guess_index(const double* t, int64_t T, double step, double v) {
  if (!(step > 0.0)) return -1;
  const double g = ceil((v - t[0]) / step);
  return g <= 0.0 ? 0 : (g >= (double)T ? T : (int64_t)g);
}

// The window [lo, hi) of a value h in row r. h = +inf gives [T, T) (never counted), h = -inf
// gives [0, 0) (counted everywhere, through the step at 0).
TE_HD void window(const SoftThresholds& th, int64_t r, double h, int64_t& lo, int64_t& hi) {
  const double* t = th.values + r * th.count;
  const int64_t T = th.count;
  const double reach = th.z_max / th.scale;  // z_max may be +inf: then every threshold is in the window
  if (h > kMaxFinite || h < -kMaxFinite) {
    lo = hi = h > 0 ? T : 0;
    return;
  }
  if (reach > kMaxFinite) {
    lo = 0;
    hi = T;
    return;
  }
  const double step = th.step[r];
  lo = first_at_least(t, T, h - reach, false, guess_index(t, T, step, h - reach));
  hi = first_at_least(t, T, h + reach, true, guess_index(t, T, step, h + reach));
  if (hi < lo) hi = lo;
}

// e_k = exp(-s * (t_k - h)) over a non-empty window [lo, hi): sigmoid = 1 / (1 + e),
// sigmoid' = e / (1 + e)^2. With the table and z_max <= kMaxTableZ (no overflow, no underflow),
// e_k = e_lo * table[r, lo, k]: one exp per cell and independent products. Otherwise
// e_k = exp(-s (t_k - h)), which may be +inf (sigmoid 0) but never NaN.
struct Exponentials {
  const double* t;
  const double* row;
  double e0, h, scale;
  TE_HD Exponentials(const SoftThresholds& th, int64_t r, double h_, int64_t lo)
      : t(th.values + r * th.count), row(nullptr), e0(0.0), h(h_), scale(th.scale) {
    if (th.table != nullptr && th.z_max <= kMaxTableZ) {
      row = th.table + (r * th.count + lo) * th.count;
      e0 = exp(-scale * (t[lo] - h));
    }
  }
  TE_HD double at(int64_t k) const { return row ? e0 * row[k] : exp(-scale * (t[k] - h)); }
};

// The backward over the window [lo, hi) of one cell of value h in row r, whose sign (ECT) or
// pixel weight (ECC) is w: returns sum_k go[k] * sigmoid'_k, the gradient of the cell's value
// up to the factor -s * w, and, when with_t, calls add_t(k, s * w * sigmoid'_k * go[k]): the
// cell's part of the gradient of threshold k (added directly on the CPU, atomically on CUDA).
#ifdef __CUDACC__
#pragma nv_exec_check_disable
#endif
template <typename AddT>
TE_HD double window_backward(const SoftThresholds& th, int64_t r, double h, int64_t lo, int64_t hi, const double* go,
                             double w, bool with_t, AddT&& add_t) {
  const Exponentials e(th, r, h, lo);
  double acc = 0.0;
  for (int64_t k = lo; k < hi; ++k) {
    const double sig = 1.0 / (1.0 + e.at(k)), dsig = sig * (1.0 - sig);
    acc += go[k] * dsig;
    if (with_t) add_t(k, th.scale * w * dsig * go[k]);
  }
  return acc;
}

}  // namespace soft
}  // namespace topoeuler
