// CUDA kernel of the exact ECT of point clouds, graphs and meshes.
//
// One launch per simplex set; a thread per (simplex, direction) pair, directions fastest so that
// a warp shares a simplex's index and coordinate loads and its atomics hit distinct entries.
// A simplex's height is the max of its vertices' heights computed on the fly (double, summed
// in order j = 0..dim-1, no FMA); binning is monotone, so its bin equals the CPU kernel's max of
// the vertices' bins. Counts go to a shared int32 histogram over a window of consecutive graphs
// starting at the graph of the block's first simplex (PyG batches keep graphs contiguous), and
// to global int64 atomics for graphs outside it or when one graph's [D, T] does not fit.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "common/cuda_common.cuh"
#include "common/complex.h"
#include "ect/ect.h"

namespace topoeuler {
namespace {

constexpr int kThreads = 256;
constexpr int64_t kWindowBytes = 32 * 1024;
constexpr int64_t kMaxPairsPerBlock = int64_t(1) << 30;  // keeps pair indices (and int32 counts) in range

// Grid: blocks of kThreads; block i takes simplices [i * chunk, (i+1) * chunk) of `set`, all
// directions. With SHARED, dynamic shared memory holds `window` x D x T int32 for graphs
// lo .. lo + window - 1. hist is [B, D, T] int64.
template <typename S, bool SHARED>
__global__ void __launch_bounds__(kThreads)
    ect_kernel(const S* __restrict__ pos, PointCloud pc, Simplices set, const double* __restrict__ directions,
               int64_t D, Thresholds th, int64_t* hist, int64_t chunk, int window) {
  extern __shared__ int window_hist[];
  const int64_t T = th.count, first = blockIdx.x * chunk, last = min(set.count, first + chunk);
  const int sign = traversal::simplex_sign(set);
  auto graph = [&](int64_t v) { return pc.batch ? pc.batch[v] : int64_t(0); };
  int64_t lo = 0;
  if constexpr (SHARED) {
    lo = graph(traversal::simplex_vertex(set, 0, first));
    for (int i = threadIdx.x; i < window * (int)(D * T); i += kThreads) window_hist[i] = 0;
    __syncthreads();
  }
  const unsigned pairs = (unsigned)((last - first) * D);
  for (unsigned p = threadIdx.x; p < pairs; p += kThreads) {
    const int64_t m = first + p / (unsigned)D, d = p % (unsigned)D;
    const double* v = directions + d * pc.dim;
    const int64_t k = threshold_bin(th, d, traversal::simplex_height(pos, pc.dim, set, m, v));
    if (k >= T) continue;
    const int64_t g = graph(traversal::simplex_vertex(set, 0, m));
    if (SHARED && g >= lo && g < lo + window)
      atomicAdd(window_hist + ((g - lo) * D + d) * T + k, sign);
    else
      cuda::atomic_add_i64(hist + (g * D + d) * T + k, sign);
  }
  if constexpr (SHARED) {
    __syncthreads();
    // Entry i of the window is entry lo * D * T + i of hist; only graphs < B ever get counts.
    for (int i = threadIdx.x; i < window * (int)(D * T); i += kThreads)
      if (window_hist[i] != 0) cuda::atomic_add_i64(hist + lo * D * T + i, window_hist[i]);
  }
}

template <typename S>
void ect_histogram(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t D, const Thresholds& th, int64_t* hist, cudaStream_t stream) {
  const int64_t T = th.count, B = pc.num_graphs;
  if (D == 0 || T == 0 || B == 0) return;
  const cuda::DeviceInfo dev = cuda::device_info();
  const int64_t window_bytes = std::min(kWindowBytes, dev.smem_default);
  const int64_t window = std::min<int64_t>(B, window_bytes / (D * T * (int64_t)sizeof(int)));
  const auto kernel = window > 0 ? ect_kernel<S, true> : ect_kernel<S, false>;
  const int64_t bytes = window * D * T * (int64_t)sizeof(int);
  const int64_t target = cuda::kWaves * cuda::resident_blocks(kernel, kThreads, bytes, dev);
  for (int s = 0; s < num_sets; ++s) {
    const Simplices& set = sets[s];
    if (set.count == 0) continue;
    // Equal runs of simplices, kWaves resident waves of blocks, at least 4 pairs per thread.
    int64_t chunk = std::max(cuda::ceil_div(set.count, target), cuda::ceil_div(4 * kThreads, D));
    chunk = std::max<int64_t>(1, std::min(chunk, kMaxPairsPerBlock / D));
    const unsigned blocks = (unsigned)cuda::ceil_div(set.count, chunk);
    kernel<<<blocks, kThreads, (size_t)bytes, stream>>>(pos, pc, set, directions, D, th, hist, chunk, (int)window);
    cuda::check(cudaGetLastError(), "the ECT kernel launch");
  }
}

}  // namespace

void ect_histogram_cuda(const float* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                        const double* directions, int64_t num_directions, const Thresholds& thresholds,
                        int64_t* hist, void* stream) {
  ect_histogram(pos, cloud, sets, num_sets, directions, num_directions, thresholds, hist,
                static_cast<cudaStream_t>(stream));
}

void ect_histogram_cuda(const double* pos, const PointCloud& cloud, const Simplices* sets, int num_sets,
                        const double* directions, int64_t num_directions, const Thresholds& thresholds,
                        int64_t* hist, void* stream) {
  ect_histogram(pos, cloud, sets, num_sets, directions, num_directions, thresholds, hist,
                static_cast<cudaStream_t>(stream));
}

}  // namespace topoeuler
