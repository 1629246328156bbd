// Fused soft (sigmoid-relaxed) ECC kernels, forward and backward (docs/definitions.md
// section 3). No PyTorch headers. Memory O(pixels + B * T): no [cells, T] tensor.
//
// out[b, k] = sum over pixels p of c(p) sigmoid(s (t_k - f(p))), with the charging weights c(p)
// of cubical.h (the traversal is the exact ECC's GridWalker on the CPU). Backward:
// grad_f[p] = -s c(p) sum_k g[b, k] sigmoid'(.), grad_t[k] += s c(p) sigmoid'(.) g[b, k]; a cell
// whose max (V) / min (T) is tied sends its gradient to the pixel it is charged to.
//
// Every output buffer is float64, zeroed by the caller. CPU results are deterministic (fixed
// reduction order, independent of the number of threads); CUDA results use atomics.
#pragma once
#include <cstdint>

#include "common/grid.h"
#include "common/soft_window.h"

namespace topoeuler {

// out [B, T]. thresholds have one row. x is [B, depth, H, W] contiguous.
void soft_ecc_forward_cpu(const float* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                          double* out);
void soft_ecc_forward_cpu(const double* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                          double* out);
// grad_out [B, T] -> grad_x [B, depth, H, W], grad_t [T] (each may be nullptr).
void soft_ecc_backward_cpu(const float* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                           const double* grad_out, double* grad_x, double* grad_t);
void soft_ecc_backward_cpu(const double* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                           const double* grad_out, double* grad_x, double* grad_t);

// The same contracts on CUDA device pointers, enqueued on `stream` (a cudaStream_t). `work` is
// a zeroed device buffer of B * T doubles for the step histogram.
void soft_ecc_forward_cuda(const float* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                           double* out, double* work, void* stream);
void soft_ecc_forward_cuda(const double* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                           double* out, double* work, void* stream);
void soft_ecc_backward_cuda(const float* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_x, double* grad_t, void* stream);
void soft_ecc_backward_cuda(const double* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_x, double* grad_t, void* stream);

}  // namespace topoeuler
