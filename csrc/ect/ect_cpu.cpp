// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per block of 32 directions: every vertex is binned once per direction (bins_cpu.h: keys of the
// narrowest unsigned type holding bins 0..T, uint8 for T <= 255, so that a vertex's keys for the
// block are 32 bytes, one AVX2 register); a simplex's key is the max of its vertices' keys
// (binning is monotone, so this is the bin of the max height), and it adds its sign at
// (key, lane) of a [T + 1, 32] histogram (row T, above every threshold, is never read: one
// add per lane, no test; key-major, so that a lane's offset is a constant of the unrolled loop
// and the 32 adds need no per-lane pointers); the curves are the histograms' cumulative sums, written once per entry.
// Integer sums: deterministic, whatever the number of threads.
//
// Work is split two ways, neither of which indexes buffers by thread number:
// - by graphs (batches of many graphs, or at least as many blocks as threads): the graphs, in
//   order, are cut into runs of whole graphs of about kRunCells vertices + simplices; a task is
//   (run, block). It bins the run's vertices into its own key buffer (32 keys per vertex, in
//   cache), counts each graph's simplices into one [T + 1, 32] histogram and writes that graph's
//   curves directly (no other task writes them). Needs the vertices and each set's
//   simplices grouped by graph, in graph order (PyG's batches are); other inputs are first
//   copied in that order (a stable counting sort).
// - within a block (few graphs, fewer blocks than threads: one large complex): the threads bin
//   the block's vertices into one shared key buffer, then count the simplices cut into one range
//   per task, each task into its own [B, T + 1, 32] histogram; they are summed in task order.
// Cost O((N + sum of simplices) * D + B * D * T) time, no [cells, D, T]. Extra memory: by graphs,
// per task, a run's keys and one histogram (O(threads * block)); within a block, the block's
// keys (32 per vertex) and tasks * B * 32 * (T + 1) int64 with B small.
// The traversal (heights, simplices, max over vertices) is common/simplex_traversal.h, shared
// with the soft ECT kernels.
#include <ATen/Parallel.h>

#include <algorithm>
#include <numeric>
#include <vector>

#include "common/bins_cpu.h"
#include "common/simplex_traversal.h"
#include "ect/ect.h"

namespace topoeuler {
namespace {

namespace et = traversal;

// Directions per block: the random access of a simplex to a vertex serves 32 directions, and
// a block's keys stay small enough for the cache (32 bytes per vertex for T <= 255).
constexpr int64_t kLanes = 32;
// Vertices binned at once, one direction at a time.
constexpr int64_t kChunk = 64;
// Vertices + simplices per run of whole graphs (its keys: 32 bytes per vertex, in L2).
constexpr int64_t kRunCells = 4096;
// Split by graphs when there are at least this many graphs per thread (or enough blocks).
constexpr int64_t kGraphsPerThread = 4;

// Block `index` of the D directions: directions d0 .. d0 + lanes - 1 and their threshold rows.
struct Block {
  Block(const double* directions, int64_t dim, int64_t D, const Thresholds& th, int64_t index)
      : directions(directions), dim(dim), d0(index * kLanes), lanes(std::min(kLanes, D - d0)), T(th.count) {
    for (int64_t lane = 0; lane < lanes; ++lane) rows.emplace_back(th, d0 + lane);
  }
  const double* directions;  // [D, dim]
  int64_t dim, d0, lanes, T;
  std::vector<bins::Row> rows;  // [lanes]
};

// The keys of vertices [first, last) into key[(i - first) * kLanes + lane] (lanes past D are
// left as they are: any key <= T, counted into rows never read). Heights of kChunk vertices per
// direction are vertex_heights with the roles of vertex and directions swapped (the same
// products, summed in the same order).
template <typename S, typename Key>
void bin_vertices(const S* pos, int64_t first, int64_t last, const Block& b, Key* key) {
  std::vector<double> p(b.dim * kChunk, 0.0);  // the chunk's coordinates, transposed: p[j * kChunk + i]
  double h[kChunk];
  Key bin[kChunk];
  for (int64_t i0 = first; i0 < last; i0 += kChunk) {
    const int64_t n = std::min(kChunk, last - i0);
    for (int64_t j = 0; j < b.dim; ++j)
      for (int64_t i = 0; i < n; ++i) p[j * kChunk + i] = (double)pos[(i0 + i) * b.dim + j];
    for (int64_t lane = 0; lane < b.lanes; ++lane) {
      et::vertex_heights<kChunk>(b.directions + (b.d0 + lane) * b.dim, b.dim, p.data(), h);
      bins::of_values(h, n, b.rows[lane], bin);
      for (int64_t i = 0; i < n; ++i) key[(i0 - first + i) * kLanes + lane] = bin[i];
    }
  }
}

// One graph's histogram for one block, [T + 1, kLanes] (key-major).
inline int64_t counts_size(int64_t T) { return kLanes * (T + 1); }

// Simplices ahead of the counted one whose vertices' keys are prefetched (et::prefetch_vertices).
constexpr int64_t kAhead = 16;

// Counts simplices [first, last) of `set` into counts + graph(m) * counts_size(T) (graph 0
// without batch); key rows are those of vertices base, base + 1, ...
template <typename Key>
void count_simplices(const Simplices& set, int64_t first, int64_t last, const Key* key, int64_t base,
                     const int64_t* batch, int64_t T, int64_t* counts) {
  const int64_t graph = counts_size(T);
  et::visit_range<kLanes>(set, first, last, key, base, [&](const Simplices& s, int64_t m, const Key* best, int sign) {
    if (m + kAhead < last) et::prefetch_vertices<kLanes>(s, m + kAhead, key, base);
    int64_t* c = counts + (batch ? batch[et::simplex_vertex(s, 0, m)] : 0) * graph;
    TE_UNROLL for (int lane = 0; lane < kLanes; ++lane) c[best[lane] * kLanes + lane] += sign;
  });
}

// curve[g, d0 + lane, k] = sum over `parts` histograms [T + 1, kLanes] (`stride` apart, in
// order) of counts[lane, k' <= k], for the block's lanes and k < T.
inline void write_curves(const int64_t* counts, int64_t parts, int64_t stride, int64_t g, const Block& b, int64_t D,
                         int64_t* curve) {
  const int64_t T = b.T;
  for (int64_t lane = 0; lane < b.lanes; ++lane) {
    int64_t* out = curve + (g * D + b.d0 + lane) * T;
    int64_t acc = 0;
    for (int64_t k = 0; k < T; ++k) {
      for (int64_t part = 0; part < parts; ++part) acc += counts[part * stride + k * kLanes + lane];
      out[k] = acc;
    }
  }
}

// Where each graph's vertices and simplices start: start[s][g] for set s (the vertex set is
// set 0), g = 0..B (start[s][B] = the set's count). Empty when some set is not grouped by graph
// in graph order.
std::vector<std::vector<int64_t>> graph_starts(const PointCloud& pc, const Simplices* sets, int num_sets) {
  const int64_t B = pc.num_graphs;
  std::vector<std::vector<int64_t>> start(num_sets, std::vector<int64_t>(B + 1, 0));
  for (int s = 0; s < num_sets; ++s) {
    const Simplices& set = sets[s];
    std::vector<int64_t>& st = start[s];
    int64_t g = 0;  // graphs < g have started
    for (int64_t m = 0; m < set.count; ++m) {
      const int64_t graph = pc.batch ? pc.batch[et::simplex_vertex(set, 0, m)] : 0;
      if (graph + 1 < g) return {};  // out of order
      while (g <= graph) st[g++] = m;
    }
    while (g <= B) st[g++] = set.count;
  }
  return start;
}

// The graphs [first, last) of one run.
struct Run {
  int64_t first, last;
};

// Whole graphs, in order, in runs of about kRunCells vertices + simplices.
std::vector<Run> graph_runs(const std::vector<std::vector<int64_t>>& start, int64_t B) {
  std::vector<Run> runs;
  int64_t first = 0, cells = 0;
  for (int64_t g = 0; g < B; ++g) {
    for (const auto& st : start) cells += st[g + 1] - st[g];
    if (cells >= kRunCells || g + 1 == B) {
      runs.push_back({first, g + 1});
      first = g + 1;
      cells = 0;
    }
  }
  return runs;
}

template <typename S, typename Key>
void by_graphs(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
               const std::vector<std::vector<int64_t>>& start, const std::vector<Block>& blocks, int64_t D,
               int64_t* curve) {
  const int64_t T = blocks[0].T;
  const std::vector<Run> runs = graph_runs(start, pc.num_graphs);
  int64_t most = 0;  // vertices of the largest run
  for (const Run& r : runs) most = std::max(most, start[0][r.last] - start[0][r.first]);
  const int64_t tasks = (int64_t)runs.size() * (int64_t)blocks.size();
  at::parallel_for(0, tasks, 1, [&](int64_t first, int64_t last) {
    std::vector<Key> key(most * kLanes, Key(0));
    std::vector<int64_t> counts(counts_size(T));
    for (int64_t task = first; task < last; ++task) {
      const Block& b = blocks[task % (int64_t)blocks.size()];
      const Run& run = runs[task / (int64_t)blocks.size()];
      const int64_t base = start[0][run.first];
      bin_vertices(pos, base, start[0][run.last], b, key.data());
      for (int64_t g = run.first; g < run.last; ++g) {
        std::fill(counts.begin(), counts.end(), 0);
        for (int s = 0; s < num_sets; ++s)
          count_simplices(sets[s], start[s][g], start[s][g + 1], key.data(), base, nullptr, T, counts.data());
        write_curves(counts.data(), 1, 0, g, b, D, curve);
      }
    }
  });
}

template <typename S, typename Key>
void within_blocks(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                   const std::vector<Block>& blocks, int64_t D, int64_t* curve) {
  constexpr int64_t kGrain = 4096;  // vertices per binning task, and the least simplices per counting task
  const int64_t N = pc.num_points, T = blocks[0].T, B = pc.num_graphs, size = B * counts_size(T);
  int64_t cells = 0;
  for (int s = 0; s < num_sets; ++s) cells += sets[s].count;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), cells / kGrain));
  std::vector<Key> key(N * kLanes, Key(0));
  std::vector<int64_t> counts(tasks * size);
  for (const Block& b : blocks) {
    at::parallel_for(0, N, kGrain, [&](int64_t first, int64_t last) {
      bin_vertices(pos, first, last, b, key.data() + first * kLanes);
    });
    std::fill(counts.begin(), counts.end(), 0);
    // Task i counts the i-th of `tasks` equal ranges of every set.
    at::parallel_for(0, tasks, 1, [&](int64_t first, int64_t last) {
      for (int64_t task = first; task < last; ++task)
        for (int s = 0; s < num_sets; ++s)
          count_simplices(sets[s], sets[s].count * task / tasks, sets[s].count * (task + 1) / tasks, key.data(),
                          0, pc.batch, T, counts.data() + task * size);
    });
    at::parallel_for(0, B, 1, [&](int64_t first, int64_t last) {
      for (int64_t g = first; g < last; ++g) write_curves(counts.data() + g * counts_size(T), tasks, size, g, b, D, curve);
    });
  }
}

// The complex with its vertices and each set's simplices grouped by graph in graph order
// (stable counting sorts), for by_graphs: pos, batch and simplex indices are copied.
template <typename S>
struct Grouped {
  std::vector<S> pos;
  std::vector<int64_t> batch;
  std::vector<std::vector<int64_t>> idx;
  std::vector<Simplices> sets;
  PointCloud pc;

  Grouped(const S* p, const PointCloud& in, const Simplices* in_sets, int num_sets) : pc(in) {
    const int64_t N = in.num_points, B = in.num_graphs, dim = in.dim;
    // order[new] = old vertex; renamed[old] = new.
    std::vector<int64_t> offset(B + 1, 0), order(N), renamed(N);
    for (int64_t i = 0; i < N; ++i) ++offset[in.batch[i] + 1];
    std::partial_sum(offset.begin(), offset.end(), offset.begin());
    std::vector<int64_t> next(offset.begin(), offset.end() - 1);
    for (int64_t i = 0; i < N; ++i) order[next[in.batch[i]]++] = i;
    pos.resize(N * dim);
    batch.resize(N);
    for (int64_t i = 0; i < N; ++i) {
      renamed[order[i]] = i;
      batch[i] = in.batch[order[i]];
      std::copy_n(p + order[i] * dim, dim, pos.data() + i * dim);
    }
    pc.batch = batch.data();
    idx.resize(num_sets);
    for (int s = 0; s < num_sets; ++s) {
      const Simplices& set = in_sets[s];
      if (set.idx == nullptr) {  // the vertex set: now in order
        sets.push_back(set);
        continue;
      }
      std::vector<int64_t> count(B + 1, 0);
      for (int64_t m = 0; m < set.count; ++m) ++count[in.batch[set.idx[m]] + 1];
      std::partial_sum(count.begin(), count.end(), count.begin());
      std::vector<int64_t>& out = idx[s];
      out.resize(set.k * set.count);
      for (int64_t m = 0; m < set.count; ++m) {
        const int64_t at = count[in.batch[set.idx[m]]]++;
        for (int r = 0; r < set.k; ++r) out[r * set.count + at] = renamed[set.idx[r * set.count + m]];
      }
      sets.push_back({out.data(), set.k, set.count});
    }
  }
};

template <typename S, typename Key>
void ect_curves(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t D, const Thresholds& th, int64_t* curve) {
  std::vector<Block> blocks;
  for (int64_t index = 0; index * kLanes < D; ++index) blocks.emplace_back(directions, pc.dim, D, th, index);
  const int64_t threads = at::get_num_threads();  // only a choice of split: nothing is indexed by it
  if (pc.num_graphs < kGraphsPerThread * threads && (int64_t)blocks.size() < threads) {
    within_blocks<S, Key>(pos, pc, sets, num_sets, blocks, D, curve);
    return;
  }
  const std::vector<std::vector<int64_t>> start = graph_starts(pc, sets, num_sets);
  if (!start.empty()) {
    by_graphs<S, Key>(pos, pc, sets, num_sets, start, blocks, D, curve);
    return;
  }
  const Grouped<S> grouped(pos, pc, sets, num_sets);
  by_graphs<S, Key>(grouped.pos.data(), grouped.pc, grouped.sets.data(), num_sets,
                    graph_starts(grouped.pc, grouped.sets.data(), num_sets), blocks, D, curve);
}

template <typename S>
void ect_curves_keyed(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                         const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  bins::with_key_type(th.count, [&](auto key) {
    ect_curves<S, decltype(key)>(pos, pc, sets, num_sets, directions, D, th, curve);
  });
}

}  // namespace

void ect_curves_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  ect_curves_keyed(pos, pc, sets, num_sets, directions, D, th, curve);
}

void ect_curves_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  ect_curves_keyed(pos, pc, sets, num_sets, directions, D, th, curve);
}

}  // namespace topoeuler
