// CPU kernels of the soft ECT (forward and backward), on the traversal of ect/traversal.h.
//
// The charging identity of docs/definitions.md section 3: a simplex's height is that of the vertices attaining
// its max, so its sign (-1)^dim is charged to them, split evenly among ties:
//     out[g, d, k] = sum over vertices i of graph g of w_d(i) sigmoid(s (t[d, k] - h_d(i)))
// with w_d(i) = sum over the simplices c whose max i attains of (-1)^dim(c) / ties(c) (a simplex
// lies in one graph: ops/ect.py checks it). The same weights give the backward:
//     dL/dh_d(i) = -s w_d(i) sum_k g[g, d, k] sigmoid'(.),  grad_t[d, k] = s sum_i w_d(i) sigmoid'(.) g[g, d, k].
// Cells charged to one vertex share its height, so they cancel exactly (w = 0, e.g. at a regular
// vertex of a surface) and only vertices with w != 0 evaluate a window.
//
// Directions are processed in blocks of up to kLanes (the unit of parallel work). Per block: the
// heights of every vertex (kLanes per vertex: one random access of the traversal serves kLanes
// directions), one traversal that charges every simplex, then one pass over the vertices that
// evaluates the windows (soft_window.h, z_max capped at kZCap). A window is evaluated in whole
// chunks of kWidth thresholds from lo (a few thresholds past its end, where the sigmoid is ~1,
// are evaluated rather than counted by the step), with e_k = e_lo * exp(-s (t_k - t_lo)) from a
// per-block table of ratios: independent iterations, vectorised (AVX2 when the CPU has it,
// chosen at run time). Window arithmetic: float for float32 positions when z_max <= 40 (ops/
// soft_ect.py passes float64 positions for a float64 result), else double; heights, weights and
// the sums over vertices are double.
//
// Forward: direction d's rows out[:, d, :] belong to d's block, so no two threads write the same
// entry. Backward: blocks are processed in rounds of as many blocks as threads; each block of a
// round writes dL/dh of every vertex into its own slot, then vertices are reduced over the
// round's slots in direction order: the result does not depend on the number of threads.
// Cost O((N + sum of simplices) * D + N * D * window width). Extra memory per thread: 2 N kLanes
// doubles (heights, weights), B kLanes (T + kWidth) partial rows, kLanes T (kWidth + 1) ratios,
// and (backward) N kLanes doubles of slot.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "common/simplex_traversal.h"
#include "soft_ect/soft_ect.h"

namespace topoeuler {
namespace {

namespace et = traversal;

// Directions per block: a vertex's heights fill one cache line.
constexpr int kLanes = 8;

// The blocks of directions: kLanes each, fewer when D is small so that every thread has one.
// Each direction is computed on its own, so the results do not depend on the split.
struct Blocks {
  int64_t size, count;
  explicit Blocks(int64_t D) {
    const int64_t threads = std::max(1, at::get_num_threads());
    size = std::min<int64_t>(kLanes, std::max<int64_t>(1, (D + threads - 1) / threads));
    count = (D + size - 1) / size;
  }
  int64_t first(int64_t block) const { return block * size; }
  int64_t lanes(int64_t block, int64_t D) const { return std::min(size, D - block * size); }
};

// Window arithmetic in W (float or double), kWidth<W> thresholds per chunk: one 256-bit vector.
template <typename W>
constexpr int kWidth = 32 / sizeof(W);
// The window is capped at |s (t - h)| <= kZCap<W>, where exp stays finite in W; beyond it the
// sigmoid is within 4e-18 (float) / 1e-304 (double) of 0 or 1.
template <typename W>
constexpr double kZCap = std::is_same<W, float>::value ? 40.0 : 700.0;

// Chunks of kWidth<W> values: GCC vector extensions, compiled to AVX2 or SSE2 by the clones
// below. Every helper is inlined into the clones, so the vector ABI warning does not apply.
#pragma GCC diagnostic ignored "-Wpsabi"
template <typename W>
struct Vector {
  typedef W type __attribute__((vector_size(32)));
};
template <typename W>
using Chunk = typename Vector<W>::type;
template <typename W>
inline Chunk<W> load(const W* p) {
  Chunk<W> x;
  std::memcpy(&x, p, sizeof x);
  return x;
}
// Lanes 4 * half .. 4 * half + 3 of a chunk of floats, in double.
inline Chunk<double> in_double(Chunk<float> x, int half) {
  typedef float Quad __attribute__((vector_size(16)));
  Quad q;
  std::memcpy(&q, (const float*)&x + 4 * half, sizeof q);
  return __builtin_convertvector(q, Chunk<double>);
}
// row[0 .. V) += factor * x, in double.
inline void add_to(double* row, Chunk<double> x, double factor) {
  const Chunk<double> sum = load(row) + factor * x;
  std::memcpy(row, &sum, sizeof sum);
}
inline void add_to(double* row, Chunk<float> x, double factor) {
  add_to(row, in_double(x, 0), factor);
  add_to(row + 4, in_double(x, 1), factor);
}
// The sum of x's lanes in double, as a tree (short dependency chains).
inline double sum(Chunk<double> x) { return (x[0] + x[2]) + (x[1] + x[3]); }
inline double sum(Chunk<float> x) { return sum(in_double(x, 0) + in_double(x, 1)); }

// x where the comparison m is true, else 0.
typedef decltype(Chunk<double>{} == Chunk<double>{}) Mask;
inline Chunk<double> select(Mask m, Chunk<double> x) { return (Chunk<double>)((Mask)x & m); }

// The window of height h in one threshold row: the chunks from lo cover soft::window's [lo, hi),
// end is clipped to T (end = hi when the window is empty); e_lo = exp(-s (t_lo - h)).
template <typename W>
struct Window {
  int64_t lo, end;
  W e_lo;
};

// A block's per-thread workspace: directions d0 .. d0 + lanes - 1.
template <typename W>
struct Block {
  static constexpr int V = kWidth<W>;
  int64_t d0 = 0, lanes = 0;
  const int64_t T, Tp;      // Tp = T + V: rows padded for the last chunk
  soft::SoftThresholds th;  // z_max capped at kZCap<W>
  std::vector<double> v;    // the block's directions, transposed: v[j * kLanes + lane]
  std::vector<double> h;    // [N, kLanes] heights
  std::vector<double> w;    // [N, kLanes] charged weights
  std::vector<W> ratio;     // [kLanes, T, V + 1]: exp(-s (t[p + j] - t[p])), 0 for p + j >= T

  Block(int64_t N, int64_t dim, const soft::SoftThresholds& t)
      : T(t.count), Tp(t.count + V), th(t), v(dim * kLanes), h(N * kLanes), w(N * kLanes), ratio(kLanes * T * (V + 1)) {
    th.z_max = std::min(th.z_max, kZCap<W>);
  }

  // Starts the block of directions first .. first + count - 1: its directions and ratios.
  void begin(const double* directions, int64_t dim, int64_t first, int64_t count) {
    d0 = first;
    lanes = count;
    for (int64_t j = 0; j < dim; ++j)
      for (int64_t lane = 0; lane < kLanes; ++lane)
        v[j * kLanes + lane] = lane < lanes ? directions[(d0 + lane) * dim + j] : 0.0;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      const double* t = th.values + (d0 + lane) * T;
      W* q = ratio.data() + lane * T * (V + 1);
      for (int64_t p = 0; p < T; ++p)
        for (int j = 0; j <= V; ++j) q[p * (V + 1) + j] = p + j < T ? W(std::exp(-th.scale * (t[p + j] - t[p]))) : W(0);
    }
  }

  Window<W> window(int64_t lane, double height) const {
    const int64_t r = d0 + lane;
    int64_t lo, hi;
    soft::window(th, r, height, lo, hi);
    if (lo >= hi) return {lo, hi, W(0)};
    const double* t = th.values + r * T;
    return {lo, std::min(T, lo + (hi - lo + V - 1) / V * V), W(std::exp(-th.scale * (t[lo] - height)))};
  }
  const W* ratios(int64_t lane) const { return ratio.data() + lane * T * (V + 1); }
};

// row[k] += weight * sigmoid(s (t_k - h)) over the chunks of the window (row padded to T + V).
template <typename W>
inline void add_window(const Window<W>& win, const W* ratios, W weight, double* row) {
  constexpr int V = kWidth<W>;
  W e = win.e_lo;  // e at the chunk's first threshold
  for (int64_t p = win.lo; p < win.end; p += V) {
    const W* q = ratios + p * (V + 1);
    add_to(row + p, weight / (W(1) + e * load(q)), 1.0);
    e *= q[V];
  }
}

// sum_k go[k] sigmoid'(s (t_k - h)) over the chunks of the window (go zero-padded to T + V);
// when WITH_T, also gt[k] += s_weight * sigmoid'_k * go[k]. sigmoid' = e / (1 + e)^2.
template <bool WITH_T, typename W>
inline double window_gradient(const Window<W>& win, const W* ratios, const W* go, double s_weight, double* gt) {
  constexpr int V = kWidth<W>;
  Chunk<W> acc = {};
  W e = win.e_lo;
  for (int64_t p = win.lo; p < win.end; p += V) {
    const W* q = ratios + p * (V + 1);
    const Chunk<W> ek = e * load(q), sig = W(1) / (W(1) + ek), part = load(go + p) * (ek * sig * sig);
    acc += part;
    if (WITH_T) add_to(gt + p, part, s_weight);
    e *= q[V];
  }
  return sum(acc);
}

// Simplices ahead of the visited one whose vertices' heights and weights are prefetched
// (et::prefetch_vertices; the vertex set is read in order and needs none).
constexpr int64_t kAhead = 8;

// Starts b at directions d0 .. d0 + lanes - 1 (Block::begin), then its heights and charged weights.
template <typename S, typename W>
inline void charge(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t d0, int64_t lanes, Block<W>& b) {
  b.begin(directions, pc.dim, d0, lanes);
  for (int64_t i = 0; i < pc.num_points; ++i)
    et::vertex_heights<kLanes>(pos + i * pc.dim, pc.dim, b.v.data(), b.h.data() + i * kLanes);
  const double* h = b.h.data();
  double* w = b.w.data();
  std::fill(b.w.begin(), b.w.end(), 0.0);
  et::visit_simplices<kLanes>(sets, num_sets, h, [&](const Simplices& set, int64_t m, const double* best, int sign) {
    if (set.idx != nullptr && m + kAhead < set.count) {
      et::prefetch_vertices<kLanes>(set, m + kAhead, h);
      et::prefetch_vertices<kLanes>(set, m + kAhead, w);
    }
    // Per lane, a chunk of lanes at a time: the vertices attaining the max, their count, each one's share.
    for (int q = 0; q < kLanes; q += kWidth<double>) {
      const Chunk<double> top = load(best + q), one = 1.0 + Chunk<double>{};
      Chunk<double> ties = {};
      for (int r = 0; r < set.k; ++r) ties += select(load(h + et::simplex_vertex(set, r, m) * kLanes + q) == top, one);
      const Chunk<double> share = double(sign) / ties;
      for (int r = 0; r < set.k; ++r) {
        const int64_t at = et::simplex_vertex(set, r, m) * kLanes + q;
        const Chunk<double> sum = load(w + at) + select(load(h + at) == top, share);
        std::memcpy(w + at, &sum, sizeof sum);
      }
    }
  });
}

// The kernels' clones on x86-64 (ELF: ifunc dispatch): AVX2 where the CPU has it, else the
// default target. flatten inlines the traversal and the windows into each clone.
#if defined(__x86_64__) && defined(__ELF__)
#define TE_SIMD_CLONES __attribute__((target_clones("avx2", "default"), flatten))
#else
#define TE_SIMD_CLONES __attribute__((flatten))
#endif

// Forward of one block: out[g, d0 + lane, :] for every graph g. part [B, kLanes, Tp], step [B, kLanes, T + 1].
template <typename S, typename W>
TE_SIMD_CLONES void forward_block(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                                  const double* directions, int64_t D, int64_t d0, int64_t lanes, Block<W>& b,
                                  std::vector<double>& part, std::vector<double>& step, double* out) {
  const int64_t T = b.T, Tp = b.Tp, B = pc.num_graphs;
  charge(pos, pc, sets, num_sets, directions, d0, lanes, b);
  std::fill(part.begin(), part.end(), 0.0);
  std::fill(step.begin(), step.end(), 0.0);
  for (int64_t i = 0; i < pc.num_points; ++i) {
    const int64_t g = pc.batch ? pc.batch[i] : 0;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      const double weight = b.w[i * kLanes + lane];
      if (weight == 0.0) continue;
      const Window<W> win = b.window(lane, b.h[i * kLanes + lane]);
      add_window(win, b.ratios(lane), W(weight), part.data() + (g * kLanes + lane) * Tp);
      step[(g * kLanes + lane) * (T + 1) + win.end] += weight;
    }
  }
  for (int64_t g = 0; g < B; ++g)
    for (int64_t lane = 0; lane < lanes; ++lane) {
      double* row = out + (g * D + d0 + lane) * T;
      const double* p = part.data() + (g * kLanes + lane) * Tp;
      const double* st = step.data() + (g * kLanes + lane) * (T + 1);
      double acc = 0.0;
      for (int64_t k = 0; k < T; ++k) row[k] = p[k] + (acc += st[k]);
    }
}

template <typename S, typename W>
void forward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
             int64_t D, const soft::SoftThresholds& th, double* out) {
  const int64_t B = pc.num_graphs, T = th.count;
  const Blocks blocks(D);
  at::parallel_for(0, blocks.count, 1, [&](int64_t first, int64_t last) {
    Block<W> b(pc.num_points, pc.dim, th);
    std::vector<double> part(B * kLanes * b.Tp), step(B * kLanes * (T + 1));
    for (int64_t block = first; block < last; ++block)
      forward_block(pos, pc, sets, num_sets, directions, D, blocks.first(block), blocks.lanes(block, D), b, part, step,
                    out);
  });
}

// Backward of one block: gh[i * kLanes + lane] = dL/dh of vertex i in direction d0 + lane (when
// gh is not null), grad_dir and grad_t rows d0 .. d0 + lanes - 1 (when not null).
// go [B, kLanes, Tp] and gt [kLanes, Tp] are workspace.
template <bool WITH_T, typename S, typename W>
TE_SIMD_CLONES void backward_block(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                                   const double* directions, int64_t D, int64_t d0, int64_t lanes,
                                   const double* grad_out, Block<W>& b, std::vector<W>& go, std::vector<double>& gt,
                                   double* gh, double* grad_dir, double* grad_t) {
  const int64_t N = pc.num_points, dim = pc.dim, T = b.T, Tp = b.Tp, B = pc.num_graphs;
  const double s = b.th.scale;
  charge(pos, pc, sets, num_sets, directions, d0, lanes, b);
  for (int64_t g = 0; g < B; ++g)
    for (int64_t lane = 0; lane < lanes; ++lane) {
      const double* src = grad_out + (g * D + d0 + lane) * T;
      W* dst = go.data() + (g * kLanes + lane) * Tp;
      for (int64_t k = 0; k < Tp; ++k) dst[k] = k < T ? W(src[k]) : W(0);
    }
  if (WITH_T) std::fill(gt.begin(), gt.end(), 0.0);
  if (gh) std::fill(gh, gh + N * kLanes, 0.0);
  for (int64_t i = 0; i < N; ++i) {
    const int64_t g = pc.batch ? pc.batch[i] : 0;
    for (int64_t lane = 0; lane < lanes; ++lane) {
      const double weight = b.w[i * kLanes + lane];
      if (weight == 0.0) continue;
      const double acc = window_gradient<WITH_T>(b.window(lane, b.h[i * kLanes + lane]), b.ratios(lane),
                                                 go.data() + (g * kLanes + lane) * Tp, s * weight,
                                                 gt.data() + lane * Tp);
      if (gh) gh[i * kLanes + lane] = -s * weight * acc;
    }
  }
  if (WITH_T)
    for (int64_t lane = 0; lane < lanes; ++lane) std::copy_n(gt.data() + lane * Tp, T, grad_t + (d0 + lane) * T);
  if (grad_dir) {
    for (int64_t j = 0; j < dim; ++j) {
      double acc[kLanes] = {};
      for (int64_t i = 0; i < N; ++i)
        for (int lane = 0; lane < kLanes; ++lane) acc[lane] += gh[i * kLanes + lane] * (double)pos[i * dim + j];
      for (int64_t lane = 0; lane < lanes; ++lane) grad_dir[(d0 + lane) * dim + j] = acc[lane];
    }
  }
}

template <typename S, typename W>
void backward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
              int64_t D, const soft::SoftThresholds& th, const double* grad_out, double* grad_pos, double* grad_dir,
              double* grad_t) {
  const int64_t N = pc.num_points, dim = pc.dim, B = pc.num_graphs;
  const Blocks blocks(D);
  const bool need_h = grad_pos != nullptr || grad_dir != nullptr;
  // A round is as many blocks as threads; its slots hold dL/dh until grad_pos has them.
  const int64_t round_blocks = std::min<int64_t>(blocks.count, std::max(1, at::get_num_threads()));
  std::vector<double> slots(need_h ? round_blocks * N * kLanes : 0);
  for (int64_t round = 0; round < blocks.count; round += round_blocks) {
    const int64_t round_end = std::min(blocks.count, round + round_blocks);
    at::parallel_for(round, round_end, 1, [&](int64_t first, int64_t last) {
      Block<W> b(N, dim, th);
      std::vector<W> go(B * kLanes * b.Tp);
      std::vector<double> gt(grad_t ? kLanes * b.Tp : 0);
      for (int64_t block = first; block < last; ++block) {
        double* gh = need_h ? slots.data() + (block - round) * N * kLanes : nullptr;
        const int64_t d0 = blocks.first(block), lanes = blocks.lanes(block, D);
        if (grad_t)
          backward_block<true>(pos, pc, sets, num_sets, directions, D, d0, lanes, grad_out, b, go, gt, gh, grad_dir,
                               grad_t);
        else
          backward_block<false>(pos, pc, sets, num_sets, directions, D, d0, lanes, grad_out, b, go, gt, gh, grad_dir,
                                grad_t);
      }
    });
    if (grad_pos) {
      at::parallel_for(0, N, 4096, [&](int64_t first, int64_t last) {
        for (int64_t block = round; block < round_end; ++block) {
          const double* gh = slots.data() + (block - round) * N * kLanes;
          for (int64_t lane = 0; lane < blocks.lanes(block, D); ++lane) {
            const double* v = directions + (blocks.first(block) + lane) * dim;
            for (int64_t i = first; i < last; ++i)
              for (int64_t j = 0; j < dim; ++j) grad_pos[i * dim + j] += gh[i * kLanes + lane] * v[j];
          }
        }
      });
    }
  }
}

// float32 positions use float window arithmetic unless z_max exceeds its cap (then double).
template <typename F>
void with_arithmetic(const float*, const soft::SoftThresholds& th, F&& run) {
  if (th.z_max <= kZCap<float>)
    run(float());
  else
    run(double());
}
template <typename F>
void with_arithmetic(const double*, const soft::SoftThresholds&, F&& run) {
  run(double());
}

template <typename S>
void soft_ect_forward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                      int64_t D, const soft::SoftThresholds& th, double* out) {
  with_arithmetic(pos, th, [&](auto w) { forward<S, decltype(w)>(pos, pc, sets, num_sets, directions, D, th, out); });
}

template <typename S>
void soft_ect_backward(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                       double* grad_pos, double* grad_dir, double* grad_t) {
  with_arithmetic(pos, th, [&](auto w) {
    backward<S, decltype(w)>(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t);
  });
}

}  // namespace

void soft_ect_forward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out) {
  soft_ect_forward(pos, pc, sets, num_sets, directions, D, th, out);
}
void soft_ect_forward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                          const double* directions, int64_t D, const soft::SoftThresholds& th, double* out) {
  soft_ect_forward(pos, pc, sets, num_sets, directions, D, th, out);
}
void soft_ect_backward_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t) {
  soft_ect_backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t);
}
void soft_ect_backward_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                           const double* directions, int64_t D, const soft::SoftThresholds& th, const double* grad_out,
                           double* grad_pos, double* grad_dir, double* grad_t) {
  soft_ect_backward(pos, pc, sets, num_sets, directions, D, th, grad_out, grad_pos, grad_dir, grad_t);
}

}  // namespace topoeuler
