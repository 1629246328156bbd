// Vectorised threshold binning (bins_cpu.h): AVX-512, AVX2 or scalar, picked at run time.
#include "common/bins_cpu.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TE_BINS_X86 1
#endif

namespace topoeuler {
namespace bins {

Row::Row(const Thresholds& th, int64_t r, bool byte_table)
    : t(th.values + r * th.count), count(th.count), origin(th.origin[r]), inv_step(th.inv_step[r]),
      // float u = (v - t_0) / step is off by at most (|t_0| / step + T + 1) * 2^-22 steps where it matters
      // (u in [-1, T]; beyond, it is clamped): below 0.25 under this bound. The step and its
      // inverse must also be normal floats, and the row's span at most 2^126 < FLT_MAX: then
      // v - t_0 overflows to +-inf only for values beyond the last/first threshold, which are
      // clamped as they should be (near the float32 limits, v - t_0 can exceed FLT_MAX).
      float_guess(std::fabs(origin) * inv_step + (double)count < 0x1p20 && inv_step < 0x1p126 &&
                  inv_step > 0x1p-126 && (double)(count - 1) < 0x1p126 * inv_step),
      below(th.count <= 0xff ? (th.count + kChunk - 1) / kChunk * kChunk : 0, INFINITY) {
  // The largest float <= t[k]: for a float v, v <= t[k] <=> v <= below[k].
  for (int64_t k = 0; k < (int64_t)below.size() && k < count; ++k) {
    const float f = (float)t[k];
    below[k] = (double)f > t[k] ? std::nextafter(f, -INFINITY) : f;
  }
  if (byte_table && th.count <= 0xff)
    for (int v = 0; v < 256; ++v) byte_bins.push_back((uint8_t)threshold_bin(th, r, (double)v));
}

LaneRows::LaneRows(const Thresholds& th, int64_t r0, int64_t lanes)
    : th(th), t(th.values + r0 * th.count), even((double)kLanes * (double)th.count < 0x1p31) {
  for (int l = 0; l < kLanes; ++l) {
    r[l] = l < lanes ? r0 + l : r0;
    origin[l] = th.origin[r[l]];
    inv_step[l] = th.inv_step[r[l]];
    offset[l] = even ? (int32_t)((r[l] - r0) * th.count) : 0;
    even = even && inv_step[l] > 0.0;
  }
}

namespace {

std::atomic<int> isa_cap{(int)Isa::avx512};

Isa cpu_isa() {
#ifdef TE_BINS_X86
  static const Isa best = __builtin_cpu_supports("avx512f") ? Isa::avx512
                          : __builtin_cpu_supports("avx2")  ? Isa::avx2
                                                            : Isa::scalar;
  return (Isa)std::min((int)best, isa_cap.load());
#else
  return Isa::scalar;
#endif
}

#ifdef TE_BINS_X86
#define TE_AVX512 __attribute__((target("avx512f")))
#define TE_AVX2 __attribute__((target("avx2")))

// ---- AVX-512: 16 values per step; float values look t_j up in registers (no gather). ----

// The clamped nearest index j of even_bin for 8 values (double arithmetic, as even_bin).
inline TE_AVX512 __m256i nearest8(__m512d x, __m512d origin, __m512d inv, __m512d last) {
  __m512d u = _mm512_mul_pd(_mm512_sub_pd(x, origin), inv);
  u = _mm512_min_pd(_mm512_max_pd(u, _mm512_setzero_pd()), last);  // NaN -> 0, as even_bin
  return _mm512_cvttpd_epi32(_mm512_add_pd(u, _mm512_set1_pd(0.5)));
}

// The same in float arithmetic, for 16 float values, on rows where Row::float_guess says it is
// accurate enough (off by less than 0.25 of a step, like the double one).
inline TE_AVX512 __m512i nearest16(__m512 x, __m512 origin, __m512 inv, __m512 last) {
  __m512 u = _mm512_mul_ps(_mm512_sub_ps(x, origin), inv);
  u = _mm512_min_ps(_mm512_max_ps(u, _mm512_setzero_ps()), last);
  return _mm512_cvttps_epi32(_mm512_add_ps(u, _mm512_set1_ps(0.5f)));
}

inline TE_AVX512 __m256 lo8(__m512 x) { return _mm512_castps512_ps256(x); }
inline TE_AVX512 __m256 hi8(__m512 x) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)); }

// Stores 16 bins (int32 lanes in [0, T]) as keys.
inline TE_AVX512 void store16(__m512i k, uint8_t* out) { _mm_storeu_si128((__m128i*)out, _mm512_cvtusepi32_epi8(k)); }
inline TE_AVX512 void store16(__m512i k, uint16_t* out) {
  _mm256_storeu_si256((__m256i*)out, _mm512_cvtusepi32_epi16(k));
}
inline TE_AVX512 void store16(__m512i k, uint32_t* out) { _mm512_storeu_si512(out, k); }

TE_AVX512 int64_t even_bins_avx512(const float* v, int64_t n, const Row& row, uint8_t* out) {
  const __m512d o = _mm512_set1_pd(row.origin), s = _mm512_set1_pd(row.inv_step), last = _mm512_set1_pd(row.count - 1);
  const __m512 of = _mm512_set1_ps((float)row.origin), sf = _mm512_set1_ps((float)row.inv_step),
               lastf = _mm512_set1_ps((float)(row.count - 1));
  const int64_t chunks = (int64_t)row.below.size() / Row::kChunk;
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 x = _mm512_loadu_ps(v + i);
    const __m512i j = row.float_guess ? nearest16(x, of, sf, lastf)
                                      : _mm512_inserti64x4(_mm512_castsi256_si512(nearest8(_mm512_cvtps_pd(lo8(x)), o, s, last)),
                                                           nearest8(_mm512_cvtps_pd(hi8(x)), o, s, last), 1);
    // t_j from the table (T <= 255: at most 8 chunks of 32 floats, two registers each) by
    // permutes, which read j's low 5 bits: faster than a gather.
    __m512 tj = _mm512_setzero_ps();
    const __m512i chunk = _mm512_srli_epi32(j, 5);
    for (int64_t c = 0; c < chunks; ++c) {
      const float* b = row.below.data() + c * Row::kChunk;
      const __mmask16 in = _mm512_cmpeq_epi32_mask(chunk, _mm512_set1_epi32((int)c));
      tj = _mm512_mask_mov_ps(tj, in, _mm512_permutex2var_ps(_mm512_loadu_ps(b), j, _mm512_loadu_ps(b + 16)));
    }
    const __mmask16 above = _mm512_cmp_ps_mask(x, tj, _CMP_GT_OQ);
    store16(_mm512_mask_add_epi32(j, above, j, _mm512_set1_epi32(1)), out + i);
  }
  return i;
}

template <typename K>
TE_AVX512 int64_t even_bins_avx512(const double* v, int64_t n, const Row& row, K* out) {
  const __m512d o = _mm512_set1_pd(row.origin), s = _mm512_set1_pd(row.inv_step), last = _mm512_set1_pd(row.count - 1);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512d x0 = _mm512_loadu_pd(v + i), x1 = _mm512_loadu_pd(v + i + 8);
    const __m256i j0 = nearest8(x0, o, s, last), j1 = nearest8(x1, o, s, last);
    const __mmask16 above = (__mmask16)(_mm512_cmp_pd_mask(x0, _mm512_i32gather_pd(j0, row.t, 8), _CMP_GT_OQ) |
                                        (_mm512_cmp_pd_mask(x1, _mm512_i32gather_pd(j1, row.t, 8), _CMP_GT_OQ) << 8));
    const __m512i j = _mm512_inserti64x4(_mm512_castsi256_si512(j0), j1, 1);
    store16(_mm512_mask_add_epi32(j, above, j, _mm512_set1_epi32(1)), out + i);
  }
  return i;
}

// One vertex's row of kLanes values at a time: lanes 16q .. 16q + 15 in two groups of 8.
template <typename K>
TE_AVX512 void lane_bins_avx512(const double* v, int64_t n, const LaneRows& rows, K* out, int64_t stride) {
  constexpr int L = LaneRows::kLanes;
  const __m512d last = _mm512_set1_pd((double)(rows.th.count - 1));
  for (int64_t i = 0; i < n; ++i)
    for (int q = 0; q < L; q += 16) {
      const double* x = v + i * L + q;
      const __m512d x0 = _mm512_loadu_pd(x), x1 = _mm512_loadu_pd(x + 8);
      const __m256i j0 = nearest8(x0, _mm512_load_pd(rows.origin + q), _mm512_load_pd(rows.inv_step + q), last);
      const __m256i j1 = nearest8(x1, _mm512_load_pd(rows.origin + q + 8), _mm512_load_pd(rows.inv_step + q + 8), last);
      const __m256i at0 = _mm256_add_epi32(j0, _mm256_load_si256((const __m256i*)(rows.offset + q)));
      const __m256i at1 = _mm256_add_epi32(j1, _mm256_load_si256((const __m256i*)(rows.offset + q + 8)));
      const __mmask16 above = (__mmask16)(_mm512_cmp_pd_mask(x0, _mm512_i32gather_pd(at0, rows.t, 8), _CMP_GT_OQ) |
                                          (_mm512_cmp_pd_mask(x1, _mm512_i32gather_pd(at1, rows.t, 8), _CMP_GT_OQ) << 8));
      const __m512i j = _mm512_inserti64x4(_mm512_castsi256_si512(j0), j1, 1);
      store16(_mm512_mask_add_epi32(j, above, j, _mm512_set1_epi32(1)), out + i * stride + q);
    }
}

// ---- AVX2: 8 values per step; t_j is gathered. ----

inline TE_AVX2 __m128i nearest4(__m256d x, __m256d origin, __m256d inv, __m256d last) {
  __m256d u = _mm256_mul_pd(_mm256_sub_pd(x, origin), inv);
  u = _mm256_min_pd(_mm256_max_pd(u, _mm256_setzero_pd()), last);
  return _mm256_cvttpd_epi32(_mm256_add_pd(u, _mm256_set1_pd(0.5)));
}

// Stores 8 bins (int32 lanes in [0, T]) as keys.
inline TE_AVX2 void store8(__m256i k, uint8_t* out) {
  const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1));
  _mm_storel_epi64((__m128i*)out, _mm_packus_epi16(w, w));
}
inline TE_AVX2 void store8(__m256i k, uint16_t* out) {
  _mm_storeu_si128((__m128i*)out, _mm_packus_epi32(_mm256_castsi256_si128(k), _mm256_extracti128_si256(k, 1)));
}
inline TE_AVX2 void store8(__m256i k, uint32_t* out) { _mm256_storeu_si256((__m256i*)out, k); }

// The 4 comparisons x > t_j of double lanes as int32 lanes (-1 where true).
inline TE_AVX2 __m128i above4(__m256d x, __m256d tj) {
  const __m256i low = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
  return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(_mm256_cmp_pd(x, tj, _CMP_GT_OQ)), low));
}

TE_AVX2 int64_t even_bins_avx2(const float* v, int64_t n, const Row& row, uint8_t* out) {
  const __m256d o = _mm256_set1_pd(row.origin), s = _mm256_set1_pd(row.inv_step), last = _mm256_set1_pd(row.count - 1);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 x = _mm256_loadu_ps(v + i);
    const __m128i j0 = nearest4(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), o, s, last);
    const __m128i j1 = nearest4(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), o, s, last);
    const __m256i j = _mm256_set_m128i(j1, j0);
    const __m256 above = _mm256_cmp_ps(x, _mm256_i32gather_ps(row.below.data(), j, 4), _CMP_GT_OQ);
    store8(_mm256_sub_epi32(j, _mm256_castps_si256(above)), out + i);
  }
  return i;
}

template <typename K>
TE_AVX2 int64_t even_bins_avx2(const double* v, int64_t n, const Row& row, K* out) {
  const __m256d o = _mm256_set1_pd(row.origin), s = _mm256_set1_pd(row.inv_step), last = _mm256_set1_pd(row.count - 1);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256d x0 = _mm256_loadu_pd(v + i), x1 = _mm256_loadu_pd(v + i + 4);
    const __m128i j0 = nearest4(x0, o, s, last), j1 = nearest4(x1, o, s, last);
    const __m128i k0 = _mm_sub_epi32(j0, above4(x0, _mm256_i32gather_pd(row.t, j0, 8)));
    const __m128i k1 = _mm_sub_epi32(j1, above4(x1, _mm256_i32gather_pd(row.t, j1, 8)));
    store8(_mm256_set_m128i(k1, k0), out + i);
  }
  return i;
}

// One vertex's row of kLanes values at a time, in groups of 4.
template <typename K>
TE_AVX2 void lane_bins_avx2(const double* v, int64_t n, const LaneRows& rows, K* out, int64_t stride) {
  constexpr int L = LaneRows::kLanes;
  const __m256d last = _mm256_set1_pd((double)(rows.th.count - 1));
  for (int64_t i = 0; i < n; ++i)
    for (int q = 0; q < L; q += 8) {
      const double* x = v + i * L + q;
      const __m256d x0 = _mm256_loadu_pd(x), x1 = _mm256_loadu_pd(x + 4);
      const __m128i j0 = nearest4(x0, _mm256_load_pd(rows.origin + q), _mm256_load_pd(rows.inv_step + q), last);
      const __m128i j1 = nearest4(x1, _mm256_load_pd(rows.origin + q + 4), _mm256_load_pd(rows.inv_step + q + 4), last);
      const __m128i at0 = _mm_add_epi32(j0, _mm_load_si128((const __m128i*)(rows.offset + q)));
      const __m128i at1 = _mm_add_epi32(j1, _mm_load_si128((const __m128i*)(rows.offset + q + 4)));
      const __m128i k0 = _mm_sub_epi32(j0, above4(x0, _mm256_i32gather_pd(rows.t, at0, 8)));
      const __m128i k1 = _mm_sub_epi32(j1, above4(x1, _mm256_i32gather_pd(rows.t, at1, 8)));
      store8(_mm256_set_m128i(k1, k0), out + i * stride + q);
    }
}
#endif

template <typename K>
void lane_bins(const double* v, int64_t n, const LaneRows& rows, K* out, int64_t stride) {
  constexpr int L = LaneRows::kLanes;
#ifdef TE_BINS_X86
  const Isa isa = rows.even ? cpu_isa() : Isa::scalar;
  if (isa == Isa::avx512) return lane_bins_avx512(v, n, rows, out, stride);
  if (isa == Isa::avx2) return lane_bins_avx2(v, n, rows, out, stride);
#endif
  for (int64_t i = 0; i < n; ++i)
    for (int l = 0; l < L; ++l) out[i * stride + l] = (K)threshold_bin(rows.th, rows.r[l], v[i * L + l]);
}

template <typename S, typename K>
void bin(const S* v, int64_t n, const Row& row, K* out) {
  if (!(row.inv_step > 0.0)) {
    for (int64_t i = 0; i < n; ++i) out[i] = (K)first_at_least(row.t, row.count, (double)v[i], false);
    return;
  }
  int64_t i = 0;
#ifdef TE_BINS_X86
  const Isa isa = cpu_isa();
  if (isa == Isa::avx512) i = even_bins_avx512(v, n, row, out);
  if (isa == Isa::avx2) i = even_bins_avx2(v, n, row, out);
#endif
  for (; i < n; ++i) out[i] = (K)even_bin(row.t, row.count, row.origin, row.inv_step, (double)v[i]);
}

}  // namespace

Isa set_isa_cap(Isa cap) { return (Isa)isa_cap.exchange((int)cap); }
Isa active_isa() { return cpu_isa(); }

void of_values(const uint8_t* v, int64_t n, const Row& row, uint8_t* out) {
  const uint8_t* table = row.byte_bins.data();
  for (int64_t i = 0; i < n; ++i) out[i] = table[v[i]];
}

void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint8_t* out, int64_t stride) {
  lane_bins(v, n, rows, out, stride);
}
void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint16_t* out, int64_t stride) {
  lane_bins(v, n, rows, out, stride);
}
void of_lanes(const double* v, int64_t n, const LaneRows& rows, uint32_t* out, int64_t stride) {
  lane_bins(v, n, rows, out, stride);
}

#define TE_BINS(S, K) \
  void of_values(const S* v, int64_t n, const Row& row, K* out) { bin(v, n, row, out); }
TE_BINS(float, uint8_t)
TE_BINS(double, uint8_t)
#undef TE_BINS

}  // namespace bins
}  // namespace topoeuler
