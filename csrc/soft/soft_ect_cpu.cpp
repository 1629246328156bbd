// CPU kernels of the soft ECT (forward and backward), on the traversal of ect/ect_traversal.h.
//
// Forward: parallel over directions; direction d owns rows out[:, d, :], so no two threads
// write the same entry. Each simplex evaluates the sigmoid only on its saturation window and
// adds its sign once to a step histogram at the window's end (cumulative sum at the end).
// Backward: directions are processed in rounds of kRound; in a round each direction writes
// dL/dh of every vertex into its own slot, then vertices are reduced over the round's slots in
// direction order: the result does not depend on the number of threads. Extra memory:
// O(N) per thread + kRound * N + B * T per thread.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "ect/ect_traversal.h"
#include "soft/soft.h"

namespace topoeuler {
namespace {

namespace et = ect_traversal;
constexpr int64_t kRound = 16;

template <typename S>
void heights_of(const S* pos, int64_t N, int64_t dim, const double* v, double* h) {
  for (int64_t i = 0; i < N; ++i) h[i] = et::vertex_height(pos + i * dim, dim, v);
}

template <typename S>
void forward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
             int64_t D, const soft::SoftThresholds& th, double* out) {
  const int64_t N = pc.num_points, dim = pc.dim, T = th.count, B = pc.num_graphs;
  auto graph_of = [&](int64_t vertex) { return pc.batch ? pc.batch[vertex] : int64_t(0); };
  at::parallel_for(0, D, 1, [&](int64_t first, int64_t last) {
    std::vector<double> h(N), step(B * (T + 1));
    for (int64_t d = first; d < last; ++d) {
      heights_of(pos, N, dim, directions + d * dim, h.data());
      std::fill(step.begin(), step.end(), 0.0);
      et::visit_simplices<1>(sets, num_sets, h.data(), [&](const Simplices& set, int64_t m, const double* best, int sign) {
        const double height = best[0];
        const int64_t g = graph_of(et::simplex_vertex(set, 0, m));
        int64_t lo, hi;
        soft::window(th, d, height, lo, hi);
        double* row = out + (g * D + d) * T;
        if (lo < hi) {
          const soft::Exponentials e(th, d, height, lo);
          if (e.row) {  // independent iterations: vectorisable
            double* __restrict r = row;
            const double* __restrict tab = e.row;
            const double e0 = e.e0, sg = sign;
            for (int64_t k = lo; k < hi; ++k) r[k] += sg / (1.0 + e0 * tab[k]);
          } else {
            for (int64_t k = lo; k < hi; ++k) row[k] += sign / (1.0 + e.at(k));
          }
        }
        step[g * (T + 1) + hi] += sign;
      });
      for (int64_t g = 0; g < B; ++g) {
        double* row = out + (g * D + d) * T;
        double acc = 0.0;
        for (int64_t k = 0; k < T; ++k) row[k] += (acc += step[g * (T + 1) + k]);
      }
    }
  });
}

template <typename S>
void backward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
              int64_t D, const soft::SoftThresholds& th, const double* grad_out, double* grad_pos, double* grad_dir,
              double* grad_t) {
  const int64_t N = pc.num_points, dim = pc.dim, T = th.count;
  const double s = th.scale;
  auto graph_of = [&](int64_t vertex) { return pc.batch ? pc.batch[vertex] : int64_t(0); };
  const bool need_h = grad_pos != nullptr || grad_dir != nullptr;
  std::vector<double> slots(need_h ? std::min(kRound, D) * N : 0);
  for (int64_t round = 0; round < D; round += kRound) {
    const int64_t round_end = std::min(D, round + kRound);
    at::parallel_for(round, round_end, 1, [&](int64_t first, int64_t last) {
      std::vector<double> h(N);
      for (int64_t d = first; d < last; ++d) {
        heights_of(pos, N, dim, directions + d * dim, h.data());
        double* gh = need_h ? slots.data() + (d - round) * N : nullptr;
        if (gh) std::fill(gh, gh + N, 0.0);
        double* gt = grad_t ? grad_t + d * T : nullptr;
        et::visit_simplices<1>(sets, num_sets, h.data(), [&](const Simplices& set, int64_t m, const double* best, int sign) {
        const double height = best[0];
          int64_t lo, hi;
          soft::window(th, d, height, lo, hi);
          if (lo >= hi) return;
          const double* g = grad_out + (graph_of(et::simplex_vertex(set, 0, m)) * D + d) * T;
          const double acc = soft::window_backward(th, d, height, lo, hi, g, sign, gt != nullptr,
                                                   [&](int64_t k, double gk) { gt[k] += gk; });
          if (!gh) return;
          // dL/dh of the simplex, split evenly over the vertices attaining the max.
          int ties = 0;
          for (int r = 0; r < set.k; ++r) ties += h[et::simplex_vertex(set, r, m)] == height;
          const double share = -s * sign * acc / ties;
          for (int r = 0; r < set.k; ++r) {
            const int64_t i = et::simplex_vertex(set, r, m);
            if (h[i] == height) gh[i] += share;
          }
        });
        if (grad_dir && gh) {
          for (int64_t j = 0; j < dim; ++j) {
            double acc = 0.0;
            for (int64_t i = 0; i < N; ++i) acc += gh[i] * (double)pos[i * dim + j];
            grad_dir[d * dim + j] = acc;
          }
        }
      }
    });
    if (grad_pos) {
      at::parallel_for(0, N, 4096, [&](int64_t first, int64_t last) {
        for (int64_t d = round; d < round_end; ++d) {
          const double* gh = slots.data() + (d - round) * N;
          const double* v = directions + d * dim;
          for (int64_t i = first; i < last; ++i)
            for (int64_t j = 0; j < dim; ++j) grad_pos[i * dim + j] += gh[i] * v[j];
        }
      });
    }
  }
}

}  // namespace

void soft_ect_forward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out) {
  forward(pos, pc, sets, num_sets, directions, D, th, out);
}
void soft_ect_forward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out) {
  forward(pos, pc, sets, num_sets, directions, D, th, out);
}
void soft_ect_backward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t) {
  backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t);
}
void soft_ect_backward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t) {
  backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t);
}

}  // namespace topoeuler
