// The charging identity of SPEC section 3 for cubical complexes (no PyTorch headers).
//
// Every cell of the V- or T-construction is charged to one pixel/voxel p, so that
//     ECC(t) = sum_p c(p) * [f(p) <= t]
// with an integer weight c(p) that depends only on the 3x3 (3x3x3) neighbourhood of p.
// Pixels are totally ordered by (value, raster index): q precedes p when f(q) < f(p), or
// f(q) == f(p) and q comes first in raster order (row-major over the grid).
//
// * V-construction: a cell's value is the max of its vertices; it is charged to the vertex
//   that is last in the order. c(p) = sum over cells c whose other vertices all precede p of
//   (-1)^dim(c).
// * T-construction: a cell's value is the min of the top cells containing it; it is charged
//   to the top cell that is first in the order. A lower cell of p is shared with the
//   neighbours on the same side, so p takes it when p precedes all of them. A cell of p of
//   "span" s (s neighbours' directions) has dimension n - s.
//
// Out-of-grid neighbours must be passed as +inf: the V-cell through them does not exist (+inf
// does not precede p), and in the T-construction p owns the boundary cell alone (p precedes
// +inf). A pixel equal to +inf is never counted, whatever its weight.
#pragma once
#include "common/thresholds.h"

namespace topoeuler {

// m_k of the weights below: 1 when the neighbour at index k precedes p (V-construction), or
// when p precedes it (T-construction, flip = 1). Neighbours k < centre come first in raster
// order, so a tie makes them precede p. Written as branch-free integer arithmetic so that
// loops over pixels vectorise.
template <typename S>
TE_HD int before_centre(S neighbour, S centre, int flip) { return (int)(neighbour <= centre) ^ flip; }
template <typename S>
TE_HD int after_centre(S neighbour, S centre, int flip) { return (int)(neighbour < centre) ^ flip; }

// n: the 3x3 neighbourhood in row-major order, n[4] = f(p). Returns c(p).
template <typename S>
TE_HD int cubical_weight_2d(const S* n, bool t_construction) {
  const S v = n[4];
  const int f = t_construction;
  const int m0 = before_centre(n[0], v, f), m1 = before_centre(n[1], v, f), m2 = before_centre(n[2], v, f);
  const int m3 = before_centre(n[3], v, f), m5 = after_centre(n[5], v, f), m6 = after_centre(n[6], v, f);
  const int m7 = after_centre(n[7], v, f), m8 = after_centre(n[8], v, f);
  const int span1 = m1 + m3 + m5 + m7;  // edges (V) / edges of the pixel (T)
  const int span2 = (m0 & m1 & m3) + (m1 & m2 & m5) + (m3 & m6 & m7) + (m5 & m7 & m8);  // squares / corners
  return 1 - span1 + span2;  // (-1)^n = 1 for the T-construction in 2D
}

// n: the 3x3x3 neighbourhood, index 9*(dz+1) + 3*(dy+1) + (dx+1), n[13] = f(p). Returns c(p).
template <typename S>
TE_HD int cubical_weight_3d(const S* n, bool t_construction) {
  const S v = n[13];
  const int f = t_construction;
  int m[27];
  TE_UNROLL
  for (int k = 0; k < 13; ++k) m[k] = before_centre(n[k], v, f);
  TE_UNROLL
  for (int k = 14; k < 27; ++k) m[k] = after_centre(n[k], v, f);
  // Offsets along z, y, x are 9, 3, 1 from the centre 13.
  const int span1 = m[13 - 9] + m[13 + 9] + m[13 - 3] + m[13 + 3] + m[13 - 1] + m[13 + 1];
  int span2 = 0, span3 = 0;
  TE_UNROLL
  for (int a = -1; a <= 1; a += 2) {
    TE_UNROLL
    for (int b = -1; b <= 1; b += 2) {
      span2 += m[13 + 9 * a] & m[13 + 3 * b] & m[13 + 9 * a + 3 * b];  // z-y squares
      span2 += m[13 + 9 * a] & m[13 + b] & m[13 + 9 * a + b];          // z-x squares
      span2 += m[13 + 3 * a] & m[13 + b] & m[13 + 3 * a + b];          // y-x squares
      TE_UNROLL
      for (int c = -1; c <= 1; c += 2) {
        const int z = 9 * a, y = 3 * b, x = c;
        span3 += m[13 + z] & m[13 + y] & m[13 + x] & m[13 + z + y] & m[13 + z + x] & m[13 + y + x] &
                 m[13 + z + y + x];
      }
    }
  }
  const int s = 1 - span1 + span2 - span3;
  return t_construction ? -s : s;  // (-1)^n = -1 for the T-construction in 3D
}

}  // namespace topoeuler
