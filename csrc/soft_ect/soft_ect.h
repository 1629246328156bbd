// Fused soft (sigmoid-relaxed, DECT-style) ECT kernels, forward and backward
// (docs/definitions.md section 3). No PyTorch headers. Memory O(cells + B * D * T): no
// [cells, D, T] tensor.
//
// out[g, d, k] = sum over simplices c of graph g of (-1)^dim(c) sigmoid(s (t[d, k] - h_d(c)))
// with h_d(vertex i) = <pos_i, v_d> (double, summed in order j, no FMA) and h_d(c) = max over c's
// vertices. Backward: dL/dh_d(c) = -s (-1)^dim(c) sum_k g[g, d, k] sigmoid'(.), sent to the
// vertices attaining the max (ties split evenly); then grad_pos[i] += dL/dh_i v_d,
// grad_dir[d] += dL/dh_i pos_i, grad_t[d, k] += s (-1)^dim(c) sigmoid'(.) g[g, d, k].
//
// Every output buffer is float64, zeroed by the caller. CPU results are deterministic (fixed
// reduction order, independent of the number of threads); CUDA results use atomics.
#pragma once
#include <cstdint>

#include "common/complex.h"
#include "common/soft_window.h"

namespace topoeuler {

// out [B, D, T]. thresholds have D rows.
void soft_ect_forward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out);
void soft_ect_forward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out);
// grad_out [B, D, T] -> grad_pos [N, dim], grad_dir [D, dim], grad_t [D, T] (each may be nullptr: not needed).
void soft_ect_backward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t);
void soft_ect_backward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t);

// The same contracts on CUDA device pointers (sets[] itself on the host, its idx on the device),
// enqueued on `stream` (a cudaStream_t). `work` is a zeroed device buffer of B * D * T doubles
// for the step histogram.
void soft_ect_forward_cuda(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream);
void soft_ect_forward_cuda(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, double* out,
                           double* work, void* stream);
void soft_ect_backward_cuda(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                            const double* directions, int64_t D, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_pos, double* grad_dir, double* grad_t, void* stream);
void soft_ect_backward_cuda(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                            const double* directions, int64_t D, const soft::SoftThresholds& th,
                            const double* grad_out, double* grad_pos, double* grad_dir, double* grad_t, void* stream);

}  // namespace topoeuler
