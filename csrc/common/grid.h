// Batched 2D/3D grids as every cubical kernel (exact and soft ECC, image ECT) takes them.
#pragma once
#include <cstdint>

namespace topoeuler {

// A batch of B grids of shape [depth, height, width] (depth = 1 for 2D), contiguous.
struct GridShape {
  int64_t batch, depth, height, width;
  int ndim;  // 2 or 3
};

}  // namespace topoeuler
