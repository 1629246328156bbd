// The charging identity of docs/definitions.md section 3 for cubical complexes (no PyTorch headers).
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
// order, so a tie makes them precede p. Written as branch-free integer arithmetic of type M so
// that loops over pixels vectorise: the CPU picks M as wide as the values (one byte per lane
// for byte keys), the weights' range (|c(p)| <= 27) fits any M.
template <typename M, typename S>
TE_HD M before_centre(S neighbour, S centre, M flip) { return (M)(neighbour <= centre) ^ flip; }
template <typename M, typename S>
TE_HD M after_centre(S neighbour, S centre, M flip) { return (M)(neighbour < centre) ^ flip; }

// n: the 3x3 neighbourhood in row-major order, n[4] = f(p). Returns c(p).
template <typename M = int, typename S>
TE_HD M cubical_weight_2d(const S* n, bool t_construction) {
  const S v = n[4];
  const M f = t_construction;
  const M m0 = before_centre(n[0], v, f), m1 = before_centre(n[1], v, f), m2 = before_centre(n[2], v, f);
  const M m3 = before_centre(n[3], v, f), m5 = after_centre(n[5], v, f), m6 = after_centre(n[6], v, f);
  const M m7 = after_centre(n[7], v, f), m8 = after_centre(n[8], v, f);
  const M span1 = m1 + m3 + m5 + m7;  // edges (V) / edges of the pixel (T)
  const M span2 = (m0 & m1 & m3) + (m1 & m2 & m5) + (m3 & m6 & m7) + (m5 & m7 & m8);  // squares / corners
  return (M)(1 - span1 + span2);  // (-1)^n = 1 for the T-construction in 2D
}

// c(p) from the 3x3x3 neighbourhood given by an accessor: n(k) is the value at index
// k = 9*(dz+1) + 3*(dy+1) + (dx+1), n(13) = f(p). (An accessor rather than an array lets the
// CPU row loop read every neighbour straight from its row.) Neighbour k has offset (dz, dy, dx)
// along z, y, x; m_k is its mask as in before_centre/after_centre.
// Written out without loops (12 squares, 8 cubes) so that loops over voxels vectorise.
template <typename M = int, typename Get>
TE_HD M cubical_weight_3d_at(const Get& n, bool t_construction) {
  const auto v = n(13);
  const M f = t_construction;
  const M m0 = before_centre(n(0), v, f);
  const M m1 = before_centre(n(1), v, f);
  const M m2 = before_centre(n(2), v, f);
  const M m3 = before_centre(n(3), v, f);
  const M m4 = before_centre(n(4), v, f);
  const M m5 = before_centre(n(5), v, f);
  const M m6 = before_centre(n(6), v, f);
  const M m7 = before_centre(n(7), v, f);
  const M m8 = before_centre(n(8), v, f);
  const M m9 = before_centre(n(9), v, f);
  const M m10 = before_centre(n(10), v, f);
  const M m11 = before_centre(n(11), v, f);
  const M m12 = before_centre(n(12), v, f);
  const M m14 = after_centre(n(14), v, f);
  const M m15 = after_centre(n(15), v, f);
  const M m16 = after_centre(n(16), v, f);
  const M m17 = after_centre(n(17), v, f);
  const M m18 = after_centre(n(18), v, f);
  const M m19 = after_centre(n(19), v, f);
  const M m20 = after_centre(n(20), v, f);
  const M m21 = after_centre(n(21), v, f);
  const M m22 = after_centre(n(22), v, f);
  const M m23 = after_centre(n(23), v, f);
  const M m24 = after_centre(n(24), v, f);
  const M m25 = after_centre(n(25), v, f);
  const M m26 = after_centre(n(26), v, f);
  const M span1 = m4 + m22 + m10 + m16 + m12 + m14;  // 6 edges / faces
  const M span2 =  // 12 squares / edges
      (m4 & m10 & m1) + (m4 & m12 & m3) + (m10 & m12 & m9) +
      (m4 & m16 & m7) + (m4 & m14 & m5) + (m10 & m14 & m11) +
      (m22 & m10 & m19) + (m22 & m12 & m21) + (m16 & m12 & m15) +
      (m22 & m16 & m25) + (m22 & m14 & m23) + (m16 & m14 & m17);
  const M span3 =  // 8 cubes / vertices
      (m4 & m10 & m12 & m1 & m3 & m9 & m0) +
      (m4 & m10 & m14 & m1 & m5 & m11 & m2) +
      (m4 & m16 & m12 & m7 & m3 & m15 & m6) +
      (m4 & m16 & m14 & m7 & m5 & m17 & m8) +
      (m22 & m10 & m12 & m19 & m21 & m9 & m18) +
      (m22 & m10 & m14 & m19 & m23 & m11 & m20) +
      (m22 & m16 & m12 & m25 & m21 & m15 & m24) +
      (m22 & m16 & m14 & m25 & m23 & m17 & m26);
  const M s = 1 - span1 + span2 - span3;
  return (M)((s ^ (M)-f) + f);  // negated for the T-construction ((-1)^n = -1 in 3D), branch-free
}

template <typename S>
struct ArrayNeighbourhood {
  const S* n;
  TE_HD S operator()(int k) const { return n[k]; }
};

// n: the 3x3x3 neighbourhood as an array [27] in the index order above. Returns c(p).
template <typename M = int, typename S>
TE_HD M cubical_weight_3d(const S* n, bool t_construction) {
  return cubical_weight_3d_at<M>(ArrayNeighbourhood<S>{n}, t_construction);
}

}  // namespace topoeuler
