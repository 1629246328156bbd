// CUDA kernels of the soft ECT and ECC, forward and backward (contracts in soft/soft.h).
// Plain CUDA: no PyTorch headers; launchers take raw device pointers and a cudaStream_t.
//
// Soft ECT: one launch per simplex set, a thread per simplex, blockIdx.y = direction. A simplex's
// height is the max of its vertices' heights computed on the fly (double, summed in order j,
// no FMA: built with --fmad=false), as the CPU traversal does. The window of the sigmoid
// (soft_window.h) is shared with the CPU kernels. Forward: window sums and steps go to global
// double atomics (out and `work`), then one thread per row adds the cumulative sum of the steps.
// Backward: dL/dh is split evenly among the vertices attaining the max, scattered to grad_pos
// with atomics; grad_dir[d] and grad_t[d, :] of a block (one direction at a time) are first
// summed in shared memory where they fit (above 48 KiB with the opt-in). Directions beyond
// gridDim.y's limit (65535) are looped over by the blocks. Soft ECC: a thread per pixel/voxel computes its charging weight c(p) with the
// same cubical_weight_2d/3d as the CPU traversal (neighbours outside the grid are +inf).
// Atomics make the float64 sums order-dependent at rounding level (not bitwise deterministic).
#include <cuda_runtime.h>
#include <math.h>

#include <algorithm>
#include <cstdint>

#include "common/cubical.h"
#include "common/cuda_common.cuh"
#include "ect/ect_traversal.h"
#include "soft/soft.h"

namespace topoeuler {
namespace {

constexpr int kThreads = 256;
// grad_t rows of one block are summed in shared memory up to this many thresholds.
constexpr int64_t kSharedT = 4096;

__device__ __forceinline__ int64_t vertex_of(const Simplices& set, int r, int64_t m) {
  return set.idx ? set.idx[r * set.count + m] : m;
}

// Directions go on gridDim.y, at most this many (the hardware's limit); a block handles
// directions blockIdx.y, blockIdx.y + gridDim.y, ...
constexpr int64_t kMaxGridY = 65535;

template <typename S>
__global__ void __launch_bounds__(kThreads)
    ect_forward_kernel(const S* __restrict__ pos, PointCloud pc, Simplices set, const double* __restrict__ directions,
                       int64_t D, soft::SoftThresholds th, double* out, double* step) {
  const int64_t m = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (m >= set.count) return;
  const int64_t v0 = vertex_of(set, 0, m), g = pc.batch ? pc.batch[v0] : 0;
  const double sign = (set.k % 2 == 1) ? 1.0 : -1.0;
  const int64_t T = th.count;
  for (int64_t d = blockIdx.y; d < D; d += gridDim.y) {
    const double* v = directions + d * pc.dim;
    double h = ect_traversal::vertex_height(pos + v0 * pc.dim, pc.dim, v);
    for (int r = 1; r < set.k; ++r)
      h = fmax(h, ect_traversal::vertex_height(pos + vertex_of(set, r, m) * pc.dim, pc.dim, v));
    const int64_t row = (g * D + d) * T;
    int64_t lo, hi;
    soft::window(th, d, h, lo, hi);
    if (lo < hi) {
      const soft::Exponentials e(th, d, h, lo);
      for (int64_t k = lo; k < hi; ++k) atomicAdd(out + row + k, sign / (1.0 + e.at(k)));
    }
    if (hi < T) atomicAdd(step + row + hi, sign);
  }
}

// out[row, k] += sum_{k' <= k} step[row, k'] for rows [0, rows).
__global__ void cumulative_kernel(double* out, const double* step, int64_t rows, int64_t T) {
  const int64_t r = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (r >= rows) return;
  double acc = 0.0;
  for (int64_t k = 0; k < T; ++k) out[r * T + k] += (acc += step[r * T + k]);
}

// Where a block first sums its direction's grad_dir ([dim]) and grad_t ([T]) rows: in dynamic
// shared memory when they fit (dir first, then t), else straight into global memory.
struct SharedRows {
  bool dir, t;
  size_t bytes(int64_t dim, int64_t T) const { return (size_t)((dir ? dim : 0) + (t ? T : 0)) * sizeof(double); }
};

template <typename S>
__global__ void __launch_bounds__(kThreads)
    ect_backward_kernel(const S* __restrict__ pos, PointCloud pc, Simplices set,
                        const double* __restrict__ directions, int64_t D, soft::SoftThresholds th,
                        const double* __restrict__ grad_out, double* grad_pos, double* grad_dir, double* grad_t,
                        SharedRows shared_rows) {
  extern __shared__ double shared[];
  const int64_t dim = pc.dim, T = th.count;
  const bool shared_dir = shared_rows.dir && grad_dir, shared_t = shared_rows.t && grad_t;
  const int64_t held = (shared_rows.dir ? dim : 0) + (shared_rows.t ? T : 0);
  double* s_dir = shared;
  double* s_t = shared + (shared_rows.dir ? dim : 0);
  const int64_t m = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  for (int64_t d = blockIdx.y; d < D; d += gridDim.y) {  // the same d for every thread of the block
    for (int64_t j = threadIdx.x; j < held; j += blockDim.x) shared[j] = 0.0;
    __syncthreads();
    double* dir_row = shared_dir ? s_dir : (grad_dir ? grad_dir + d * dim : nullptr);
    double* t_row = shared_t ? s_t : (grad_t ? grad_t + d * T : nullptr);
    if (m < set.count) {
      const double* v = directions + d * dim;
      double h = ect_traversal::vertex_height(pos + vertex_of(set, 0, m) * dim, dim, v);
      for (int r = 1; r < set.k; ++r)
        h = fmax(h, ect_traversal::vertex_height(pos + vertex_of(set, r, m) * dim, dim, v));
      const int64_t v0 = vertex_of(set, 0, m), g = pc.batch ? pc.batch[v0] : 0;
      const double sign = (set.k % 2 == 1) ? 1.0 : -1.0, s = th.scale;
      const double* go = grad_out + (g * D + d) * T;
      int64_t lo, hi;
      soft::window(th, d, h, lo, hi);
      if (lo < hi) {
        const double acc = soft::window_backward(th, d, h, lo, hi, go, sign, t_row != nullptr,
                                                 [&](int64_t k, double gk) { atomicAdd(t_row + k, gk); });
        if (grad_pos || dir_row) {
          int ties = 0;
          for (int r = 0; r < set.k; ++r)
            ties += ect_traversal::vertex_height(pos + vertex_of(set, r, m) * dim, dim, v) == h;
          const double share = -s * sign * acc / ties;
          for (int r = 0; r < set.k; ++r) {
            const int64_t i = vertex_of(set, r, m);
            if (ect_traversal::vertex_height(pos + i * dim, dim, v) != h) continue;
            for (int64_t j = 0; j < dim; ++j) {
              if (grad_pos) atomicAdd(grad_pos + i * dim + j, share * v[j]);
              if (dir_row) atomicAdd(dir_row + j, share * (double)pos[i * dim + j]);
            }
          }
        }
      }
    }
    __syncthreads();
    if (shared_dir)
      for (int64_t j = threadIdx.x; j < dim; j += blockDim.x)
        if (s_dir[j] != 0.0) atomicAdd(grad_dir + d * dim + j, s_dir[j]);
    if (shared_t)
      for (int64_t k = threadIdx.x; k < T; k += blockDim.x)
        if (s_t[k] != 0.0) atomicAdd(grad_t + d * T + k, s_t[k]);
    __syncthreads();  // before the next direction clears the rows
  }
}

// Lets `kernel` take `bytes` of dynamic shared memory (above 48 KiB only with the opt-in).
template <class Kernel>
void allow_shared(Kernel kernel, size_t bytes, const cuda::DeviceInfo& dev) {
  if ((int64_t)bytes > dev.smem_default)
    cuda::check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)bytes),
                "cudaFuncSetAttribute (dynamic shared memory)");
}

template <typename S>
void ect_forward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                 int64_t D, const soft::SoftThresholds& th, double* out, double* work, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  for (int s = 0; s < num_sets; ++s) {
    if (sets[s].count == 0) continue;
    const dim3 grid((unsigned)cuda::ceil_div(sets[s].count, kThreads), (unsigned)std::min(D, kMaxGridY));
    ect_forward_kernel<S><<<grid, kThreads, 0, st>>>(pos, pc, sets[s], directions, D, th, out, work);
    cuda::check(cudaGetLastError(), "the soft ECT forward kernel launch");
  }
  const int64_t rows = pc.num_graphs * D;
  cumulative_kernel<<<(unsigned)cuda::ceil_div(rows, kThreads), kThreads, 0, st>>>(out, work, rows, th.count);
  cuda::check(cudaGetLastError(), "the soft ECT cumulative kernel launch");
}

template <typename S>
void ect_backward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                  int64_t D, const soft::SoftThresholds& th, const double* grad_out, double* grad_pos,
                  double* grad_dir, double* grad_t, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const cuda::DeviceInfo dev = cuda::device_info();
  const int64_t budget = dev.smem_optin / (int64_t)sizeof(double);  // doubles of shared memory per block
  SharedRows rows;
  rows.t = grad_t != nullptr && th.count <= kSharedT && th.count <= budget;
  rows.dir = grad_dir != nullptr && pc.dim + (rows.t ? th.count : 0) <= budget;
  const size_t bytes = rows.bytes(pc.dim, th.count);
  allow_shared(ect_backward_kernel<S>, bytes, dev);
  for (int s = 0; s < num_sets; ++s) {
    if (sets[s].count == 0) continue;
    const dim3 grid((unsigned)cuda::ceil_div(sets[s].count, kThreads), (unsigned)std::min(D, kMaxGridY));
    ect_backward_kernel<S><<<grid, kThreads, bytes, st>>>(pos, pc, sets[s], directions, D, th, grad_out, grad_pos,
                                                          grad_dir, grad_t, rows);
    cuda::check(cudaGetLastError(), "the soft ECT backward kernel launch");
  }
}

// Charging weight c(p) of pixel/voxel `p` (linear index in [B, depth, H, W]) and its value.
template <typename S>
__device__ __forceinline__ int pixel_weight(const S* __restrict__ x, const GridShape& g, bool t_construction, int64_t p,
                                            S& value) {
  const int64_t W = g.width, H = g.height, Z = g.depth;
  const int64_t xi = p % W, yi = (p / W) % H, zi = (p / (W * H)) % Z, b = p / (W * H * Z);
  const S* grid = x + b * Z * H * W;
  const S inf = (S)INFINITY;
  value = x[p];
  if (g.ndim == 2) {
    S n[9];
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int64_t y = yi + dy, xx = xi + dx;
        n[3 * (dy + 1) + dx + 1] = (y < 0 || y >= H || xx < 0 || xx >= W) ? inf : grid[y * W + xx];
      }
    return cubical_weight_2d(n, t_construction);
  }
  S n[27];
  for (int dz = -1; dz <= 1; ++dz)
    for (int dy = -1; dy <= 1; ++dy)
      for (int dx = -1; dx <= 1; ++dx) {
        const int64_t z = zi + dz, y = yi + dy, xx = xi + dx;
        n[9 * (dz + 1) + 3 * (dy + 1) + dx + 1] =
            (z < 0 || z >= Z || y < 0 || y >= H || xx < 0 || xx >= W) ? inf : grid[(z * H + y) * W + xx];
      }
  return cubical_weight_3d(n, t_construction);
}

template <typename S>
__global__ void __launch_bounds__(kThreads)
    ecc_forward_kernel(const S* __restrict__ x, GridShape g, bool t_construction, soft::SoftThresholds th,
                       double* out, double* step) {
  const int64_t p = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  const int64_t size = g.depth * g.height * g.width;
  if (p >= g.batch * size) return;
  S value;
  const int w = pixel_weight(x, g, t_construction, p, value);
  if (w == 0) return;
  const int64_t T = th.count, row = (p / size) * T;
  int64_t lo, hi;
  soft::window(th, 0, (double)value, lo, hi);
  if (lo < hi) {
    const soft::Exponentials e(th, 0, (double)value, lo);
    for (int64_t k = lo; k < hi; ++k) atomicAdd(out + row + k, w / (1.0 + e.at(k)));
  }
  if (hi < T) atomicAdd(step + row + hi, (double)w);
}

template <typename S, bool SHARED_T>
__global__ void __launch_bounds__(kThreads)
    ecc_backward_kernel(const S* __restrict__ x, GridShape g, bool t_construction, soft::SoftThresholds th,
                        const double* __restrict__ grad_out, double* grad_x, double* grad_t) {
  extern __shared__ double s_t[];
  const int64_t T = th.count;
  if (SHARED_T)
    for (int64_t k = threadIdx.x; k < T; k += blockDim.x) s_t[k] = 0.0;
  __syncthreads();
  const int64_t p = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  const int64_t size = g.depth * g.height * g.width;
  if (p < g.batch * size) {
    S value;
    const int w = pixel_weight(x, g, t_construction, p, value);
    int64_t lo = 0, hi = 0;
    if (w != 0) soft::window(th, 0, (double)value, lo, hi);
    if (lo < hi) {
      const double* go = grad_out + (p / size) * T;
      const double s = th.scale;
      const double acc = soft::window_backward(th, 0, (double)value, lo, hi, go, w, grad_t != nullptr,
                                               [&](int64_t k, double gk) {
                                                 if (SHARED_T) atomicAdd(s_t + k, gk); else atomicAdd(grad_t + k, gk);
                                               });
      if (grad_x) grad_x[p] = -s * w * acc;
    }
  }
  if (SHARED_T && grad_t) {
    __syncthreads();
    for (int64_t k = threadIdx.x; k < T; k += blockDim.x)
      if (s_t[k] != 0.0) atomicAdd(grad_t + k, s_t[k]);
  }
}

template <typename S>
void ecc_forward(const S* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th, double* out,
                 double* work, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const int64_t n = g.batch * g.depth * g.height * g.width;
  if (n == 0) return;
  ecc_forward_kernel<S><<<(unsigned)cuda::ceil_div(n, kThreads), kThreads, 0, st>>>(x, g, t_construction, th, out,
                                                                                     work);
  cuda::check(cudaGetLastError(), "the soft ECC forward kernel launch");
  cumulative_kernel<<<(unsigned)cuda::ceil_div(g.batch, kThreads), kThreads, 0, st>>>(out, work, g.batch, th.count);
  cuda::check(cudaGetLastError(), "the soft ECC cumulative kernel launch");
}

template <typename S>
void ecc_backward(const S* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                  const double* grad_out, double* grad_x, double* grad_t, void* stream) {
  cudaStream_t st = (cudaStream_t)stream;
  const int64_t n = g.batch * g.depth * g.height * g.width;
  if (n == 0) return;
  const unsigned blocks = (unsigned)cuda::ceil_div(n, kThreads);
  if (th.count <= kSharedT)
    ecc_backward_kernel<S, true><<<blocks, kThreads, (size_t)th.count * sizeof(double), st>>>(
        x, g, t_construction, th, grad_out, grad_x, grad_t);
  else
    ecc_backward_kernel<S, false><<<blocks, kThreads, 0, st>>>(x, g, t_construction, th, grad_out, grad_x, grad_t);
  cuda::check(cudaGetLastError(), "the soft ECC backward kernel launch");
}

}  // namespace

void soft_ect_forward_cuda(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream) {
  ect_forward(pos, pc, sets, num_sets, directions, D, th, out, work, stream);
}
void soft_ect_forward_cuda(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream) {
  ect_forward(pos, pc, sets, num_sets, directions, D, th, out, work, stream);
}
void soft_ect_backward_cuda(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                            const double* directions, int64_t D, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_pos, double* grad_dir, double* grad_t, void* stream) {
  ect_backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t, stream);
}
void soft_ect_backward_cuda(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                            const double* directions, int64_t D, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_pos, double* grad_dir, double* grad_t, void* stream) {
  ect_backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t, stream);
}
void soft_ecc_forward_cuda(const float* x, const GridShape& g, bool t, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream) {
  ecc_forward(x, g, t, th, out, work, stream);
}
void soft_ecc_forward_cuda(const double* x, const GridShape& g, bool t, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream) {
  ecc_forward(x, g, t, th, out, work, stream);
}
void soft_ecc_backward_cuda(const float* x, const GridShape& g, bool t, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_x, double* grad_t, void* stream) {
  ecc_backward(x, g, t, th, grad_out, grad_x, grad_t, stream);
}
void soft_ecc_backward_cuda(const double* x, const GridShape& g, bool t, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_x, double* grad_t, void* stream) {
  ecc_backward(x, g, t, th, grad_out, grad_x, grad_t, stream);
}

}  // namespace topoeuler
