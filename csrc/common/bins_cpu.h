// Threshold bins of many values at once, for the CPU kernels that compare bins instead of values:
// out[i] = threshold_bin(th, r, v[i]) as an unsigned key (bin T: never counted). The exact ECC
// bins pixels when T <= 255, so that the grid traversal compares 32 (AVX2) or 64 (AVX-512) byte
// keys per vector instruction; the exact ECT bins the heights of a vertex in 32 directions at
// once (of_lanes: one row of 32 keys, an AVX2 register of byte keys). Binning is monotone, so a cell's bin is the max (V) / min (T) of its pixels'
// bins: the ECC of the bins equals the ECC of the values at every threshold. On evenly spaced rows the loop is vectorised (even_bin)
// with AVX-512 (16 values per step; float values find t_j in registers) or AVX2 (8 per step,
// gathers), whichever the CPU has; other rows are searched by bisection.
#pragma once
#include <cstdint>
#include <vector>

#include "common/thresholds.h"

namespace topoeuler {
namespace bins {

// Row r of the thresholds, prepared once for binning many values.
struct Row {
  static constexpr int64_t kChunk = 32;  // floats of `below` per table lookup (two AVX-512 registers)
  // byte_table: also tabulate the bins of the 256 byte values (for of_values on uint8 grids).
  Row(const Thresholds& th, int64_t r, bool byte_table = false);
  const double* t;
  int64_t count;
  double origin, inv_step;
  bool float_guess;  // the nearest index of float values may be computed in float (see Row::Row)
  // below[k] is the largest float <= t[k] (float values compare with it exactly), padded with
  // +inf to whole chunks; empty when T > 255 (float values are binned only for T <= 255).
  std::vector<float> below;
  // byte_bins[v] = threshold_bin of the byte value v (when built with byte_table, T <= 255).
  std::vector<uint8_t> byte_bins;
};

// The rows of a block of kLanes consecutive directions, r0 .. r0 + lanes - 1 (lanes past `lanes`
// repeat row r0), for binning values laid out lane-minor (of_lanes): the ECT bins the heights of
// one vertex in 32 directions at once, so that its 32 keys are written as one row.
struct LaneRows {
  static constexpr int kLanes = 32;
  LaneRows(const Thresholds& th, int64_t r0, int64_t lanes);
  Thresholds th;
  int64_t r[kLanes];  // lane l's row
  const double* t;    // row r0, the base of the gathers
  // Every row evenly spaced (inv_step > 0) and kLanes * count < 2^31 (int32 gather offsets):
  // the vectorised loops apply; otherwise each value is searched in its row.
  bool even;
  alignas(64) double origin[kLanes];
  alignas(64) double inv_step[kLanes];
  alignas(64) int32_t offset[kLanes];  // of lane l's row from t, (r[l] - r0) * T, when even
};

// The instruction sets of the vectorised loops, best last. set_isa_cap limits them (tests run
// every path on one machine) and returns the previous cap; active_isa is the one in use.
enum class Isa : int { scalar = 0, avx2 = 1, avx512 = 2 };
Isa set_isa_cap(Isa cap);
Isa active_isa();

// out[i] = threshold_bin of v[i] in the row, as a byte key (the ECC's pixels, T <= 255; byte
// values need a Row built with byte_table: a table lookup).
void of_values(const uint8_t* v, int64_t n, const Row& row, uint8_t* out);
void of_values(const float* v, int64_t n, const Row& row, uint8_t* out);
void of_values(const double* v, int64_t n, const Row& row, uint8_t* out);

// out[i * stride + l] = threshold_bin of v[i * 32 + l] in lane l's row, for i < n and l < 32
// (values not NaN).
void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint8_t* out, int64_t stride);
void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint16_t* out, int64_t stride);
void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint32_t* out, int64_t stride);

// Calls f(K{}) with the narrowest key type for T thresholds: uint8_t up to T = 255, uint16_t up
// to 65535, else uint32_t.
template <typename F>
void with_key_type(int64_t T, F&& f) {
  if (T <= 0xff) {
    f(uint8_t{});
  } else if (T <= 0xffff) {
    f(uint16_t{});
  } else {
    f(uint32_t{});
  }
}

}  // namespace bins
}  // namespace topoeuler
