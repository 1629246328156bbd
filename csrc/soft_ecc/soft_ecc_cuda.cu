// CUDA kernels of the soft ECC, forward and backward (contracts in soft_ecc/soft_ecc.h).
// Plain CUDA: no PyTorch headers; launchers take raw device pointers and a cudaStream_t.
//
// A thread per pixel/voxel computes its charging weight c(p) with the same
// cubical_weight_2d/3d as the CPU traversal (neighbours outside the grid are +inf). The window
// of the sigmoid (soft_window.h) is shared with the CPU kernels. Forward: window sums and steps
// go to global double atomics (out and `work`), then one thread per grid adds the cumulative
// sum of the steps. Backward: grad_t is first summed per block in shared memory (T <= 4096).
// Atomics make the float64 sums order-dependent at rounding level (not bitwise deterministic).
#include <cuda_runtime.h>
#include <math.h>

#include <algorithm>
#include <cstdint>

#include "common/cubical.h"
#include "common/cuda_common.cuh"
#include "common/soft_cuda.cuh"
#include "soft_ecc/soft_ecc.h"

namespace topoeuler {
namespace {

constexpr int kThreads = 256;
// grad_t rows of one block are summed in shared memory up to this many thresholds.
constexpr int64_t kSharedT = 4096;

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
  soft::cumulative_kernel<<<(unsigned)cuda::ceil_div(g.batch, kThreads), kThreads, 0, st>>>(out, work, g.batch, th.count);
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
