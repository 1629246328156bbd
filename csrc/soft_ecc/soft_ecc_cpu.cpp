// CPU kernels of the soft ECC (forward and backward) on the shared grid traversal GridWalker
// (common/cubical_cpu.h): it visits every pixel/voxel of non-zero charging weight c(p) as
// (index, value, weight); the sigmoid is evaluated only on the value's saturation window.
// Grids are cut into blocks of whole rows/planes (as the exact ECC kernel does); each block has
// its own partial curve / threshold gradient, summed in block order afterwards: deterministic,
// whatever the number of threads.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "common/cubical_cpu.h"
#include "soft_ecc/soft_ecc.h"

namespace topoeuler {
namespace {

template <typename S>
void forward(const S* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th, double* out) {
  const int64_t T = th.count;
  const GridBlocks bl(g);
  // Per block: T window sums followed by T + 1 steps.
  std::vector<double> partial(g.batch * bl.count * (2 * T + 1), 0.0);
  at::parallel_for(0, g.batch * bl.count, 1, [&](int64_t first, int64_t last) {
    GridWalker<S> walker(g);
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / bl.count, block = item % bl.count;
      const S* grid = x + b * bl.grid_size;
      double* dense = partial.data() + item * (2 * T + 1);
      double* step = dense + T;
      auto load = [&](int64_t z, int64_t y, S* row) { std::copy_n(grid + (z * g.height + y) * g.width, g.width, row); };
      auto visit = [&](int64_t, S value, int weight) {
        int64_t lo, hi;
        soft::window(th, 0, (double)value, lo, hi);
        if (lo < hi) {
          const soft::Exponentials e(th, 0, (double)value, lo);
          for (int64_t k = lo; k < hi; ++k) dense[k] += weight / (1.0 + e.at(k));
        }
        step[hi] += weight;
      };
      walker.walk(bl.begin(block), bl.end(block), t_construction, load, visit);
    }
  });
  at::parallel_for(0, g.batch, 1, [&](int64_t first, int64_t last) {
    for (int64_t b = first; b < last; ++b) {
      double* row = out + b * T;
      double acc = 0.0;
      for (int64_t k = 0; k < T; ++k) {
        for (int64_t block = 0; block < bl.count; ++block) {
          const double* p = partial.data() + (b * bl.count + block) * (2 * T + 1);
          acc += p[T + k];
          row[k] += p[k];
        }
        row[k] += acc;
      }
    }
  });
}

template <typename S>
void backward(const S* x, const GridShape& g, bool t_construction, const soft::SoftThresholds& th,
              const double* grad_out, double* grad_x, double* grad_t) {
  const int64_t T = th.count;
  const double s = th.scale;
  const GridBlocks bl(g);
  std::vector<double> partial(grad_t ? g.batch * bl.count * T : 0, 0.0);
  at::parallel_for(0, g.batch * bl.count, 1, [&](int64_t first, int64_t last) {
    GridWalker<S> walker(g);
    for (int64_t item = first; item < last; ++item) {
      const int64_t b = item / bl.count, block = item % bl.count;
      const S* grid = x + b * bl.grid_size;
      const double* go = grad_out + b * T;
      double* gt = grad_t ? partial.data() + item * T : nullptr;
      double* gx = grad_x ? grad_x + b * bl.grid_size : nullptr;
      auto load = [&](int64_t z, int64_t y, S* row) { std::copy_n(grid + (z * g.height + y) * g.width, g.width, row); };
      auto visit = [&](int64_t index, S value, int weight) {
        int64_t lo, hi;
        soft::window(th, 0, (double)value, lo, hi);
        if (lo >= hi) return;
        const double acc = soft::window_backward(th, 0, (double)value, lo, hi, go, weight, gt != nullptr,
                                                 [&](int64_t k, double gk) { gt[k] += gk; });
        if (gx) gx[index] = -s * weight * acc;
      };
      walker.walk(bl.begin(block), bl.end(block), t_construction, load, visit);
    }
  });
  if (grad_t) {
    for (int64_t item = 0; item < g.batch * bl.count; ++item)
      for (int64_t k = 0; k < T; ++k) grad_t[k] += partial[item * T + k];
  }
}

}  // namespace

void soft_ecc_forward_cpu(const float* x, const GridShape& g, bool t, const soft::SoftThresholds& th, double* out) {
  forward(x, g, t, th, out);
}
void soft_ecc_forward_cpu(const double* x, const GridShape& g, bool t, const soft::SoftThresholds& th, double* out) {
  forward(x, g, t, th, out);
}
void soft_ecc_backward_cpu(const float* x, const GridShape& g, bool t, const soft::SoftThresholds& th,
                           const double* grad_out, double* grad_x, double* grad_t) {
  backward(x, g, t, th, grad_out, grad_x, grad_t);
}
void soft_ecc_backward_cpu(const double* x, const GridShape& g, bool t, const soft::SoftThresholds& th,
                           const double* grad_out, double* grad_x, double* grad_t) {
  backward(x, g, t, th, grad_out, grad_x, grad_t);
}

}  // namespace topoeuler
