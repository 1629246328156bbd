// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per block of 32 directions: every vertex is binned once per direction, all 32 at once (its
// heights, then bins::of_lanes: keys of the narrowest unsigned type holding bins 0..T, uint8 for
// T <= 255, one 32-byte row per vertex). A simplex's key is the max of its vertices' keys
// (binning is monotone, so this is the bin of the max height), and its sign is charged to the
// vertex that attains it (the first such vertex of the simplex, per direction: docs/definitions.md
// section 2, "Computation"): a few vector instructions per simplex on the 32 lanes of its
// vertices' charge rows, no per-lane histogram add. Each vertex then adds
// its charge at (key, lane) of a [T + 1, 32] histogram (row T, above every threshold, is never
// read; key-major, so that a lane's offset is a constant of the unrolled loop), and the curves
// are the histograms' cumulative sums, written once per entry. Charges are integers of the
// narrowest type that holds the number of simplices at any vertex (int8 up to 127: meshes and
// most graphs), histograms int64: exact and deterministic, whatever the number of threads.
//
// Work is split two ways, neither of which indexes buffers by thread number:
// - by graphs (batches of many graphs, or at least as many blocks as threads): the graphs, in
//   order, are cut into runs of whole graphs of about kRunCells vertices + simplices; a task is
//   (run, block). It bins the run's vertices into its own key rows (in cache), charges each
//   graph's simplices, counts the graph's vertices into one [T + 1, 32] histogram and writes that
//   graph's curves directly (no other task writes them). Needs the vertices and each set's
//   simplices grouped by graph, in graph order (PyG's batches are); other inputs are first
//   copied in that order (a stable counting sort).
// - within a block (few graphs, fewer blocks than threads: one large complex): the threads bin
//   the block's vertices into shared key rows; task i charges the i-th of equal ranges of every
//   set's simplices into its own charge rows, and counts the vertices it charged into its own
//   [B, T + 1, 32] histogram; they are summed in task order.
// Cost O((N + sum of simplices) * D + B * D * T) time, no [cells, D, T]. Extra memory: by graphs,
// per task, a run's keys and charges and one histogram (O(threads * block)); within a block, the
// block's keys, per task every vertex's charges and B * 32 * (T + 1) int64 with B small. Keys and
// charges are 32 bytes each per vertex for T <= 255 and at most 127 simplices at a vertex. One
// uint16 per vertex bounds the charges.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
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
constexpr int64_t kLanes = bins::LaneRows::kLanes;
// Vertices whose heights are computed before they are binned.
constexpr int64_t kChunk = 64;
// Vertices + simplices per run of whole graphs (its keys and charges: 64 bytes per vertex, in L2).
constexpr int64_t kRunCells = 4096;
// Split by graphs when there are at least this many graphs per thread (or enough blocks).
constexpr int64_t kGraphsPerThread = 4;
// Simplices ahead of the charged one whose vertices' rows are prefetched (VertexRows::prefetch).
constexpr int64_t kAhead = 16;

// The kernels' clones on x86-64 (ELF: ifunc dispatch): AVX-512 or AVX2 where the CPU has it,
// else the default target.
#if defined(__x86_64__) && defined(__ELF__)
#define TE_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TE_SIMD_CLONES
#endif

// Block `index` of the D directions: directions d0 .. d0 + lanes - 1 and their threshold rows.
struct Block {
  Block(const double* directions, int64_t dim, int64_t D, const Thresholds& th, int64_t index)
      : dim(dim), d0(index * kLanes), lanes(std::min(kLanes, D - d0)), T(th.count), v(dim * kLanes, 0.0),
        rows(th, d0, lanes) {
    for (int64_t lane = 0; lane < lanes; ++lane)
      for (int64_t j = 0; j < dim; ++j) v[j * kLanes + lane] = directions[(d0 + lane) * dim + j];
  }
  int64_t dim, d0, lanes, T;
  std::vector<double> v;  // [dim, kLanes]: the block's directions, transposed (zero past `lanes`)
  bins::LaneRows rows;
};

// 64-byte aligned storage.
struct alignas(64) Line {
  unsigned char bytes[64];
};
inline std::vector<Line> lines_of(int64_t bytes) { return std::vector<Line>((bytes + 63) / 64); }

// The key and charge rows (kLanes each) of vertices 0, 1, ... of a range: interleaved, a vertex's
// keys then its charges in one row (one cache line for byte keys and charges, so that a simplex
// reads and writes one line per vertex), or keys and charges in two arrays.
template <typename Key, typename Charge>
struct VertexRows {
  static constexpr int64_t kKeyBytes = kLanes * sizeof(Key), kChargeBytes = kLanes * sizeof(Charge);
  // Interleaved rows of n vertices in `storage`, charges zero.
  VertexRows(std::vector<Line>& storage, int64_t n) {
    storage = lines_of(n * (kKeyBytes + kChargeBytes));
    keys = storage.data()->bytes;
    charges = keys + kKeyBytes;
    key_stride = charge_stride = kKeyBytes + kChargeBytes;
  }
  // Key rows of n vertices in `key_storage` (sized by the caller, and shared), zero charge rows
  // in `charge_storage`.
  VertexRows(std::vector<Line>& key_storage, std::vector<Line>& charge_storage, int64_t n)
      : keys(key_storage.data()->bytes), key_stride(kKeyBytes), charge_stride(kChargeBytes) {
    charge_storage = lines_of(n * kChargeBytes);
    charges = charge_storage.data()->bytes;
  }
  Key* key(int64_t u) const { return (Key*)(keys + u * key_stride); }
  Charge* charge(int64_t u) const { return (Charge*)(charges + u * charge_stride); }
  void prefetch(int64_t u) const {  // both ends of each row (a row may straddle two lines)
    const unsigned char* k = keys + u * key_stride;
    const unsigned char* c = charges + u * charge_stride;
    __builtin_prefetch(k);
    __builtin_prefetch(c + kChargeBytes - 1);
    if (c != k + kKeyBytes) {
      __builtin_prefetch(k + kKeyBytes - 1);
      __builtin_prefetch(c);
    }
  }
  unsigned char* keys;
  unsigned char* charges;
  int64_t key_stride, charge_stride;  // bytes
};

// The keys of vertices [first, last) into rows.key(i - base) (lanes past D get the bin of
// height 0 in the block's first row: some key <= T, counted into rows never read). Heights are
// et::vertex_heights (the same doubles as vertex_height).
template <typename S, typename Key, typename Charge>
TE_SIMD_CLONES void bin_vertices(const S* pos, int64_t first, int64_t last, int64_t base, const Block& b,
                                 const VertexRows<Key, Charge>& rows) {
  double h[kChunk * kLanes];
  for (int64_t i0 = first; i0 < last; i0 += kChunk) {
    const int64_t n = std::min(kChunk, last - i0);
    for (int64_t i = 0; i < n; ++i) et::vertex_heights<kLanes>(pos + (i0 + i) * b.dim, b.dim, b.v.data(), h + i * kLanes);
    bins::of_lanes(h, n, b.rows, rows.key(i0 - base), rows.key_stride / (int64_t)sizeof(Key));
  }
}

// Adds the sign of every simplex m in [first, last) of a set to the charge row of its top vertex
// in each lane (rows of vertices base, base + 1, ...): the first of its vertices with the max
// key. Vertices of a simplex may repeat. K is the set's k, or 0 for any k (GCC vector
// extensions: a row is one or two registers; rows are reloaded rather than kept in arrays, which
// the compiler folds for K > 0).
template <int K, typename Key, typename Charge>
inline __attribute__((always_inline)) void charge_k(const Simplices& set, int64_t first, int64_t last, int64_t base,
                                                    const VertexRows<Key, Charge>& rows) {
  typedef Key Keys __attribute__((vector_size(kLanes * sizeof(Key))));
  typedef Charge Charges __attribute__((vector_size(kLanes * sizeof(Charge))));
  const int k = K > 0 ? K : set.k;
  const Charges sign = Charges{} + (Charge)et::simplex_sign(set);
  const auto vertex = [&](int r, int64_t m) { return et::simplex_vertex(set, r, m) - base; };
  const auto keys = [&](int64_t u) {
    Keys row;
    std::memcpy(&row, rows.key(u), sizeof row);
    return row;
  };
  for (int64_t m = first; m < last; ++m) {
    if (m + kAhead < last)
      for (int r = 0; r < k; ++r) rows.prefetch(vertex(r, m + kAhead));
    Keys best = keys(vertex(0, m));
    for (int r = 1; r < k; ++r) {
      const Keys other = keys(vertex(r, m));
      best = best < other ? other : best;
    }
    Charges left = sign;  // lanes whose top vertex is not yet found
    for (int r = 0; r < k; ++r) {
      const int64_t u = vertex(r, m);
      const Charges top = __builtin_convertvector(keys(u) == best, Charges);
      Charges c;
      std::memcpy(&c, rows.charge(u), sizeof c);
      c += left & top;
      std::memcpy(rows.charge(u), &c, sizeof c);
      left &= ~top;
    }
  }
}

template <typename Key, typename Charge>
TE_SIMD_CLONES void charge_simplices(const Simplices& set, int64_t first, int64_t last, int64_t base,
                                     const VertexRows<Key, Charge>& rows) {
  switch (set.k) {
    case 1: return charge_k<1>(set, first, last, base, rows);
    case 2: return charge_k<2>(set, first, last, base, rows);
    case 3: return charge_k<3>(set, first, last, base, rows);
    case 4: return charge_k<4>(set, first, last, base, rows);
    default: return charge_k<0>(set, first, last, base, rows);
  }
}

// One graph's histogram for one block, [T + 1, kLanes] (key-major).
inline int64_t counts_size(int64_t T) { return kLanes * (T + 1); }

// hist[key[lane], lane] += charge[lane] for the kLanes lanes of one vertex.
template <typename Key, typename Charge>
inline void count_vertex(const Key* key, const Charge* charge, int64_t* hist) {
  TE_UNROLL for (int lane = 0; lane < kLanes; ++lane) hist[key[lane] * kLanes + lane] += charge[lane];
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
    if (!pc.batch) {  // every simplex in graph 0
      std::fill(st.begin() + 1, st.end(), set.count);
      continue;
    }
    int64_t g = 0;  // graphs < g have started
    for (int64_t m = 0; m < set.count; ++m) {
      const int64_t graph = pc.batch[et::simplex_vertex(set, 0, m)];
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

template <typename S, typename Key, typename Charge>
void by_graphs(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
               const std::vector<std::vector<int64_t>>& start, const std::vector<Block>& blocks, int64_t D,
               int64_t* curve) {
  const int64_t T = blocks[0].T;
  const std::vector<Run> runs = graph_runs(start, pc.num_graphs);
  int64_t most = 0;  // vertices of the largest run
  for (const Run& r : runs) most = std::max(most, start[0][r.last] - start[0][r.first]);
  const int64_t tasks = (int64_t)runs.size() * (int64_t)blocks.size();
  at::parallel_for(0, tasks, 1, [&](int64_t first, int64_t last) {
    std::vector<Line> storage;
    const VertexRows<Key, Charge> rows(storage, most);
    std::vector<int64_t> counts(counts_size(T));
    for (int64_t task = first; task < last; ++task) {
      const Block& b = blocks[task % (int64_t)blocks.size()];
      const Run& run = runs[task / (int64_t)blocks.size()];
      const int64_t base = start[0][run.first];
      bin_vertices(pos, base, start[0][run.last], base, b, rows);
      for (int64_t g = run.first; g < run.last; ++g) {
        const int64_t v0 = start[0][g], v1 = start[0][g + 1];
        for (int64_t u = v0 - base; u < v1 - base; ++u) std::memset(rows.charge(u), 0, kLanes * sizeof(Charge));
        for (int s = 0; s < num_sets; ++s) charge_simplices(sets[s], start[s][g], start[s][g + 1], base, rows);
        std::fill(counts.begin(), counts.end(), 0);
        for (int64_t u = v0 - base; u < v1 - base; ++u) count_vertex(rows.key(u), rows.charge(u), counts.data());
        write_curves(counts.data(), 1, 0, g, b, D, curve);
      }
    }
  });
}

// Counts the charges of vertices [first, last) (rows from 0) into hist[graph], skipping vertices
// without any, and zeroes them for the next block.
template <typename Key, typename Charge>
void count_and_clear(const VertexRows<Key, Charge>& rows, int64_t first, int64_t last, const int64_t* batch,
                     int64_t T, int64_t* counts) {
  static const Charge zero[kLanes] = {};
  for (int64_t u = first; u < last; ++u) {
    Charge* c = rows.charge(u);
    if (std::memcmp(c, zero, sizeof zero) == 0) continue;
    count_vertex(rows.key(u), c, counts + (batch ? batch[u] : 0) * counts_size(T));
    std::memset(c, 0, sizeof zero);
  }
}

template <typename S, typename Key, typename Charge>
void within_blocks(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                   const std::vector<Block>& blocks, int64_t D, int64_t* curve) {
  constexpr int64_t kGrain = 4096;  // vertices per binning task, and the least simplices per charging task
  const int64_t N = pc.num_points, T = blocks[0].T, B = pc.num_graphs, size = B * counts_size(T);
  int64_t cells = 0;
  for (int s = 0; s < num_sets; ++s) cells += sets[s].count;
  const int64_t tasks = std::max<int64_t>(1, std::min<int64_t>(at::get_num_threads(), cells / kGrain));
  std::vector<Line> keys = lines_of(N * VertexRows<Key, Charge>::kKeyBytes);
  std::vector<std::vector<Line>> charges(tasks);
  std::vector<VertexRows<Key, Charge>> rows;  // per task: the shared keys, its own charges (zero)
  for (std::vector<Line>& c : charges) rows.emplace_back(keys, c, N);
  std::vector<int64_t> counts(tasks * size);
  for (const Block& b : blocks) {
    at::parallel_for(0, N, kGrain, [&](int64_t first, int64_t last) { bin_vertices(pos, first, last, 0, b, rows[0]); });
    // Task i charges the i-th of `tasks` equal ranges of every set's simplices into its own
    // charges and counts them into its own histogram.
    std::fill(counts.begin(), counts.end(), 0);
    at::parallel_for(0, tasks, 1, [&](int64_t first, int64_t last) {
      for (int64_t task = first; task < last; ++task) {
        for (int s = 0; s < num_sets; ++s)
          charge_simplices(sets[s], sets[s].count * task / tasks, sets[s].count * (task + 1) / tasks, 0, rows[task]);
        count_and_clear(rows[task], 0, N, pc.batch, T, counts.data() + task * size);
      }
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

template <typename S, typename Key, typename Charge>
void ect_curves(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                int64_t D, const Thresholds& th, int64_t* curve) {
  std::vector<Block> blocks;
  for (int64_t index = 0; index * kLanes < D; ++index) blocks.emplace_back(directions, pc.dim, D, th, index);
  const int64_t threads = at::get_num_threads();  // only a choice of split: nothing is indexed by it
  if (pc.num_graphs < kGraphsPerThread * threads && (int64_t)blocks.size() < threads) {
    within_blocks<S, Key, Charge>(pos, pc, sets, num_sets, blocks, D, curve);
    return;
  }
  const std::vector<std::vector<int64_t>> start = graph_starts(pc, sets, num_sets);
  if (!start.empty()) {
    by_graphs<S, Key, Charge>(pos, pc, sets, num_sets, start, blocks, D, curve);
    return;
  }
  const Grouped<S> grouped(pos, pc, sets, num_sets);
  by_graphs<S, Key, Charge>(grouped.pos.data(), grouped.pc, grouped.sets.data(), num_sets,
                            graph_starts(grouped.pc, grouped.sets.data(), num_sets), blocks, D, curve);
}

// The most simplices (of every set) at one vertex, a bound on every vertex's charge, counted up
// to 65535 (beyond that int32 charges are chosen anyway). Point clouds need no pass.
int64_t most_at_a_vertex(const PointCloud& pc, const Simplices* sets, int num_sets) {
  int64_t vertex_sets = 0;
  for (int s = 0; s < num_sets; ++s) vertex_sets += sets[s].idx == nullptr;
  if (vertex_sets == num_sets) return vertex_sets;
  std::vector<uint16_t> at(pc.num_points, (uint16_t)std::min<int64_t>(vertex_sets, UINT16_MAX));
  for (int s = 0; s < num_sets; ++s) {
    const Simplices& set = sets[s];
    if (set.idx == nullptr) continue;
    for (int64_t j = 0; j < set.k * set.count; ++j) {
      uint16_t& n = at[set.idx[j]];
      n += n != UINT16_MAX;
    }
  }
  return at.empty() ? 0 : *std::max_element(at.begin(), at.end());
}

template <typename S>
void ect_curves_typed(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                      const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  const int64_t most = most_at_a_vertex(pc, sets, num_sets);
  bins::with_key_type(th.count, [&](auto key) {
    using Key = decltype(key);
    if (most <= INT8_MAX) {
      ect_curves<S, Key, int8_t>(pos, pc, sets, num_sets, directions, D, th, curve);
    } else if (most <= INT16_MAX) {
      ect_curves<S, Key, int16_t>(pos, pc, sets, num_sets, directions, D, th, curve);
    } else {
      ect_curves<S, Key, int32_t>(pos, pc, sets, num_sets, directions, D, th, curve);
    }
  });
}

}  // namespace

void ect_curves_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  ect_curves_typed(pos, pc, sets, num_sets, directions, D, th, curve);
}

void ect_curves_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* curve) {
  ect_curves_typed(pos, pc, sets, num_sets, directions, D, th, curve);
}

}  // namespace topoeuler
