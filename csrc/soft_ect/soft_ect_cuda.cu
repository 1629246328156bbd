// CUDA kernels of the soft ECT, forward and backward (contracts in soft_ect/soft_ect.h).
// Plain CUDA: no PyTorch headers; launchers take raw device pointers and a cudaStream_t.
//
// One launch per simplex set, a thread per simplex, blockIdx.y = direction. A simplex's
// height is the max of its vertices' heights computed on the fly (double, summed in order j,
// no FMA: built with --fmad=false), as the CPU traversal does. The window of the sigmoid
// (soft_window.h) is shared with the CPU kernels. Forward: window sums and steps go to global
// double atomics (out and `work`), then one thread per row adds the cumulative sum of the steps.
// Backward: dL/dh is split evenly among the vertices attaining the max, scattered to grad_pos
// with atomics; grad_dir[d] and grad_t[d, :] of a block (one direction at a time) are first
// summed in shared memory where they fit (above 48 KiB with the opt-in). Directions beyond
// gridDim.y's limit (65535) are looped over by the blocks.
// Atomics make the float64 sums order-dependent at rounding level (not bitwise deterministic).
#include <cuda_runtime.h>
#include <math.h>

#include <algorithm>
#include <cstdint>

#include "common/complex.h"
#include "common/cuda_common.cuh"
#include "common/soft_cuda.cuh"
#include "soft_ect/soft_ect.h"

namespace topoeuler {
namespace {

constexpr int kThreads = 256;
// grad_t rows of one block are summed in shared memory up to this many thresholds.
constexpr int64_t kSharedT = 4096;

// Directions go on gridDim.y, at most this many (the hardware's limit); a block handles
// directions blockIdx.y, blockIdx.y + gridDim.y, ...
constexpr int64_t kMaxGridY = 65535;

template <typename S>
__global__ void __launch_bounds__(kThreads)
    ect_forward_kernel(const S* __restrict__ pos, PointCloud pc, Simplices set, const double* __restrict__ directions,
                       int64_t D, soft::SoftThresholds th, double* out, double* step) {
  const int64_t m = blockIdx.x * (int64_t)blockDim.x + threadIdx.x;
  if (m >= set.count) return;
  const int64_t v0 = traversal::simplex_vertex(set, 0, m), g = pc.batch ? pc.batch[v0] : 0;
  const double sign = traversal::simplex_sign(set);
  const int64_t T = th.count;
  for (int64_t d = blockIdx.y; d < D; d += gridDim.y) {
    const double h = traversal::simplex_height(pos, pc.dim, set, m, directions + d * pc.dim);
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
      const double h = traversal::simplex_height(pos, dim, set, m, v);
      const int64_t g = pc.batch ? pc.batch[traversal::simplex_vertex(set, 0, m)] : 0;
      const double sign = traversal::simplex_sign(set), s = th.scale;
      const double* go = grad_out + (g * D + d) * T;
      int64_t lo, hi;
      soft::window(th, d, h, lo, hi);
      if (lo < hi) {
        const double acc = soft::window_backward(th, d, h, lo, hi, go, sign, t_row != nullptr,
                                                 [&](int64_t k, double gk) { atomicAdd(t_row + k, gk); });
        if (grad_pos || dir_row) {
          int ties = 0;
          for (int r = 0; r < set.k; ++r)
            ties += traversal::vertex_height(pos + traversal::simplex_vertex(set, r, m) * dim, dim, v) == h;
          const double share = -s * sign * acc / ties;
          for (int r = 0; r < set.k; ++r) {
            const int64_t i = traversal::simplex_vertex(set, r, m);
            if (traversal::vertex_height(pos + i * dim, dim, v) != h) continue;
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
  soft::cumulative_kernel<<<(unsigned)cuda::ceil_div(rows, kThreads), kThreads, 0, st>>>(out, work, rows, th.count);
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
}  // namespace topoeuler
