// The CUDA traversal shared by every cubical op (exact ECC, image ECT); the CUDA counterpart of
// cubical_cpu.h, with the same weights (cubical.h) and the same binning (thresholds.h).
//
// A batch of B grids is read as one stack of B * L "slabs" (L = H rows in 2D, D planes in 3D),
// each slab Y x W (Y = 1 in 2D, H in 3D), contiguous as in [B, depth, H, W]. The stack is cut
// into tiles of TS slabs x TY rows x 32 columns; a tile may straddle grids, so a batch of small
// images (MNIST) packs many images into one block instead of one launch or block per image.
// A block takes a contiguous run of tiles, loads each into shared memory with a one-pixel halo
// (+inf outside the stack and outside [0, Y) x [0, W); consecutive threads read consecutive x),
// and masks the halo slabs that belong to the neighbouring grid, so every pixel sees exactly the
// neighbourhood that traverse_grid gives it on the CPU.
//
// Counts go to a per-block shared int32 histogram over a sliding window of consecutive grids
// (tiles come in grid order), flushed into the global int64 histogram with one atomic per
// non-zero entry when the window slides and at the end. When even the smallest window does not
// fit in shared memory, the SHARED = false instantiation adds every count to global memory.
//
// Values come from a Loader: a functor with `using value_type = S` and
//   S operator()(int64_t row, int64_t offset, int64_t slab, int64_t y, int64_t x) const
// giving the value of pixel `offset` (linear index into [B, depth, H, W]) at slab `slab` of the
// stack (= b * L + position in grid), row y of the slab (0 in 2D), column x, for histogram row
// `row` (0 for the ECC, the direction for the image ECT). It is called only inside the grid and
// must not return NaN. hist is [B, rows, T] int64: hist[b, row, k] += c(p) for bin k < T.
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "common/cubical.h"
#include "common/cuda_common.cuh"
#include "common/grid.h"

namespace topoeuler {
namespace cubical_cuda {

constexpr int kTileX = 32, kBlockY = 8, kThreads = kTileX * kBlockY;

// Tile extent in slabs (S) and rows (Y), and the halo along y (HY).
template <int NDIM>
struct Tile;
template <>
struct Tile<2> {
  static constexpr int S = 16, Y = 1, HY = 0;  // 16 x 32 pixels, 2 per thread
};
template <>
struct Tile<3> {
  static constexpr int S = 4, Y = 8, HY = 1;  // 4 x 8 x 32 voxels, 4 per thread
};

struct Stack {
  int64_t slabs;     // B * L
  int64_t slab_len;  // L
  int64_t rows;      // Y
  int64_t width;     // W
  int64_t tiles_y, tiles_x, tiles;
};

// A block adds at most kMaxChunk * 1024 voxels * 27 (the largest |c(p)|) < 2^31 to one entry
// of its int32 shared histogram.
constexpr int64_t kMaxChunk = 1 << 16;
// Shared memory a window may take when a larger one would only save flushes.
constexpr int64_t kWindowBytes = 16 * 1024;

// hist[lo + i / T, row, i % T] += window[i] for the grids lo..hi, zeroing the window.
__device__ __forceinline__ void flush(int* window, int64_t lo, int64_t hi, int T, int64_t num_rows, int64_t row,
                                      int64_t* hist) {
  const int tid = threadIdx.y * kTileX + threadIdx.x, n = (int)(hi - lo + 1) * T;
  for (int i = tid; i < n; i += kThreads) {
    const int v = window[i];
    if (v != 0) {
      window[i] = 0;
      cuda::atomic_add_i64(hist + ((lo + i / T) * num_rows + row) * T + i % T, v);
    }
  }
}

// Grid: (blocks, min(rows, 65535)), block (32, 8). Block i takes tiles [i * chunk, (i+1) * chunk)
// for rows blockIdx.y, blockIdx.y + gridDim.y, ...; with SHARED, dynamic shared memory holds
// `window` x T int32 (window >= the grids one tile touches).
template <int NDIM, bool SHARED, class Loader>
__global__ void __launch_bounds__(kThreads)
    histogram_kernel(Loader load, Stack st, bool t_construction, Thresholds th, int64_t num_rows, int64_t* hist,
                     int64_t chunk, int window) {
  using S = typename Loader::value_type;
  using TL = Tile<NDIM>;
  constexpr int SS = TL::S + 2, SY = TL::Y + 2 * TL::HY, SX = kTileX + 2;
  constexpr int PLANE = NDIM == 2 ? 3 : 9, CENTRE = NDIM == 2 ? 4 : 13;
  constexpr int PER_THREAD = TL::S * TL::Y * kTileX / kThreads;
  __shared__ S tile[SS * SY * SX];                      // [SS, SY, SX], halo included
  __shared__ int64_t slab_grid[TL::S], slab_pos[TL::S];  // grid of interior slab s, and its position in it
  extern __shared__ int window_hist[];                   // [window, T], grids lo .. lo + window - 1

  const int tid = threadIdx.y * kTileX + threadIdx.x;
  const S inf = static_cast<S>(INFINITY);
  const int64_t T = th.count, L = st.slab_len, per_slab_tile = st.tiles_y * st.tiles_x;
  const int64_t first = blockIdx.x * chunk, last = min(st.tiles, first + chunk);
  if constexpr (SHARED)
    for (int i = tid; i < window * (int)T; i += kThreads) window_hist[i] = 0;

  for (int64_t row = blockIdx.y; row < num_rows; row += gridDim.y) {
    int64_t lo = first / per_slab_tile * TL::S / L, hi = lo;  // grids with counts in the window
    for (int64_t t = first; t < last; ++t) {
      const int64_t xt = t % st.tiles_x, yt = t / st.tiles_x % st.tiles_y, zt = t / per_slab_tile;
      const int64_t s0 = zt * TL::S, y0 = yt * TL::Y, x0 = xt * kTileX;
      const int64_t grid_first = s0 / L, grid_last = (min(s0 + TL::S, st.slabs) - 1) / L;
      __syncthreads();  // the previous tile and window counts are complete
      if constexpr (SHARED) {
        if (grid_last >= lo + window) {  // grid_last - grid_first < window by the launcher's choice
          flush(window_hist, lo, hi, (int)T, num_rows, row, hist);
          lo = grid_first;
        }
        hi = grid_last;
      }
      if (tid < TL::S) {
        const int64_t s = s0 + tid, b = s / L;
        slab_grid[tid] = b;
        slab_pos[tid] = s - b * L;
      }
      for (int i = tid; i < SS * SY * SX; i += kThreads) {
        const int64_t s = s0 - 1 + i / (SY * SX), y = y0 - TL::HY + i / SX % SY, x = x0 - 1 + i % SX;
        const bool inside = s >= 0 && s < st.slabs && y >= 0 && y < st.rows && x >= 0 && x < st.width;
        tile[i] = inside ? load(row, (s * st.rows + y) * st.width + x, s, y, x) : inf;
      }
      __syncthreads();
      TE_UNROLL
      for (int j = 0; j < PER_THREAD; ++j) {
        const int p = tid + j * kThreads, px = p % kTileX, py = p / kTileX % TL::Y, ps = p / (kTileX * TL::Y);
        if (s0 + ps >= st.slabs || y0 + py >= st.rows || x0 + px >= st.width) continue;
        // Slab a of the neighbourhood is s + a - 1; the ones outside this pixel's grid are +inf.
        const int64_t pos = slab_pos[ps];
        S n[3 * PLANE];
        TE_UNROLL
        for (int a = 0; a < 3; ++a) {
          const bool outside = (a == 0 && pos == 0) || (a == 2 && pos == L - 1);
          TE_UNROLL
          for (int q = 0; q < PLANE; ++q)
            n[a * PLANE + q] = outside ? inf : tile[((ps + a) * SY + py + q / 3) * SX + px + q % 3];
        }
        int w;
        if constexpr (NDIM == 2)
          w = cubical_weight_2d(n, t_construction);
        else
          w = cubical_weight_3d(n, t_construction);
        if (w == 0) continue;
        const int64_t k = threshold_bin(th, row, (double)n[CENTRE]);
        if (k >= T) continue;
        const int64_t b = slab_grid[ps];
        if constexpr (SHARED)
          atomicAdd(window_hist + (b - lo) * T + k, w);
        else
          cuda::atomic_add_i64(hist + (b * num_rows + row) * T + k, w);
      }
    }
    if constexpr (SHARED) {
      __syncthreads();
      flush(window_hist, lo, hi, (int)T, num_rows, row, hist);
    }
  }
}

// The most grids that n consecutive slabs can touch.
inline int64_t grids_spanned(int64_t n, int64_t L, int64_t B) {
  const int64_t g = cuda::ceil_div(n - 1, L) + 1;
  return g < B ? g : B;
}

template <int NDIM, class Loader>
void launch(const Loader& load, const GridShape& g, int64_t num_rows, bool t_construction, const Thresholds& th,
            int64_t* hist, cudaStream_t stream) {
  using TL = Tile<NDIM>;
  Stack st;
  st.slab_len = NDIM == 3 ? g.depth : g.height;
  st.slabs = g.batch * st.slab_len;
  st.rows = NDIM == 3 ? g.height : 1;
  st.width = g.width;
  if (st.slabs == 0 || st.rows == 0 || st.width == 0 || num_rows == 0) return;
  st.tiles_y = cuda::ceil_div(st.rows, TL::Y);
  st.tiles_x = cuda::ceil_div(st.width, kTileX);
  st.tiles = cuda::ceil_div(st.slabs, TL::S) * st.tiles_y * st.tiles_x;
  const cuda::DeviceInfo dev = cuda::device_info();

  // Window: at least the grids of one tile; more (up to kWindowBytes) saves flushes. Without
  // room for the smallest one, every count goes to global memory.
  const int64_t T = th.count, row_bytes = T * (int64_t)sizeof(int);
  const int64_t min_window = grids_spanned(TL::S, st.slab_len, g.batch);
  int64_t window = std::max(min_window, std::min(g.batch, kWindowBytes / row_bytes));
  auto kernel = histogram_kernel<NDIM, true, Loader>;
  cudaFuncAttributes attributes;
  cuda::check(cudaFuncGetAttributes(&attributes, kernel), "cudaFuncGetAttributes");
  const int64_t static_bytes = (int64_t)attributes.sharedSizeBytes;
  if (window * row_bytes + static_bytes > dev.smem_optin) {
    kernel = histogram_kernel<NDIM, false, Loader>;
    window = 0;
  } else if (window * row_bytes + static_bytes > dev.smem_default) {  // idempotent: always the maximum
    cuda::check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     (int)(dev.smem_optin - static_bytes)),
                "cudaFuncSetAttribute");
  }

  // Blocks take equal contiguous runs of tiles, kWaves resident waves of them in all.
  const int64_t grid_rows = std::min<int64_t>(num_rows, 65535);
  const int64_t resident = cuda::resident_blocks(kernel, kThreads, window * row_bytes, dev);
  const int64_t target = std::max<int64_t>(1, cuda::kWaves * resident / grid_rows);
  const int64_t chunk = std::min(kMaxChunk, cuda::ceil_div(st.tiles, target));
  // A run of `chunk` tiles touches at most this many grids: no need for a larger window.
  const int64_t run_slabs = (cuda::ceil_div(chunk, st.tiles_y * st.tiles_x) + 1) * TL::S;
  if (window > 0) window = std::max(min_window, std::min(window, grids_spanned(run_slabs, st.slab_len, g.batch)));

  const dim3 grid((unsigned)cuda::ceil_div(st.tiles, chunk), (unsigned)grid_rows), block(kTileX, kBlockY);
  kernel<<<grid, block, (size_t)(window * row_bytes), stream>>>(load, st, t_construction, th, num_rows, hist, chunk,
                                                                (int)window);
  cuda::check(cudaGetLastError(), "the cubical histogram kernel launch");
}

// hist [B, num_rows, T] += the weights of every pixel/voxel of the grids `g`, valued by `load`.
template <class Loader>
void histogram(const Loader& load, const GridShape& g, int64_t num_rows, bool t_construction, const Thresholds& th,
               int64_t* hist, cudaStream_t stream) {
  if (th.count == 0) return;
  if (g.ndim == 3)
    launch<3>(load, g, num_rows, t_construction, th, hist, stream);
  else
    launch<2>(load, g, num_rows, t_construction, th, hist, stream);
}

}  // namespace cubical_cuda
}  // namespace topoeuler
