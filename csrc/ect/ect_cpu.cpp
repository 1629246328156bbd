// CPU kernel of the exact ECT of point clouds, graphs and meshes.
//
// Per block of 32 directions: every vertex is binned once per direction (bins_cpu.h: keys of the
// narrowest unsigned type holding bins 0..T, uint8 for T <= 255, so that a vertex's keys for the
// block are 32 bytes, one AVX2 register); a simplex's key is the max of its vertices' keys
// (binning is monotone, so this is the bin of the max height). Each thread counts simplices per
// (graph, direction, key) in its own histogram, added to hist at the end of the block (integer
// sums: deterministic). With at least as many blocks as threads, a thread takes whole blocks;
// with fewer, the threads split each block's vertices, then its simplices.
// Cost O((N + sum of simplices) * D + B * D * T) time, no [cells, D, T]; extra memory per
// thread: the block's keys (32 per vertex, shared by the threads when they split a block) and a
// [B, 32, T + 1] int64 histogram.
// The traversal (heights, simplices, max over vertices) is ect_traversal.h, shared with the
// soft ECT kernels.
#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

#include "common/bins_cpu.h"
#include "ect/ect.h"
#include "ect/ect_traversal.h"

namespace topoeuler {
namespace {

namespace et = ect_traversal;

// Directions per block: the random access of a simplex to a vertex serves 32 directions, and
// a block's keys stay small enough for the cache (32 bytes per vertex for T <= 255).
constexpr int64_t kLanes = 32;
// Vertices binned at once, one direction at a time.
constexpr int64_t kChunk = 64;

// Block `index` of the D directions: directions d0 .. d0 + lanes - 1, their threshold rows, and
// the vertices' keys.
template <typename Key>
struct Block {
  Block(const double* directions, int64_t dim, int64_t D, const Thresholds& th, int64_t index, Key* key)
      : directions(directions), dim(dim), d0(index * kLanes), lanes(std::min(kLanes, D - d0)), T(th.count), key(key) {
    for (int64_t lane = 0; lane < lanes; ++lane) rows.emplace_back(th, d0 + lane);
  }
  const double* directions;  // [D, dim]
  int64_t dim, d0, lanes, T;
  Key* key;                     // [N, kLanes]; lanes past D keep any key <= T: they count into rows never read
  std::vector<bins::Row> rows;  // [lanes]
};

// The keys of vertices [first, last). Heights of kChunk vertices per direction are
// vertex_heights with the roles of vertex and directions swapped (the same products, summed in
// the same order).
template <typename S, typename Key>
void bin_vertices(const S* pos, int64_t first, int64_t last, const Block<Key>& b) {
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
      for (int64_t i = 0; i < n; ++i) b.key[(i0 + i) * kLanes + lane] = bin[i];
    }
  }
}

// A thread's histogram for one block, [B, kLanes, T + 1]: a simplex of graph g adds its sign at
// (g, lane, key) in every lane. Column T (above every threshold) and lanes past D are never read:
// one add per lane, no test.
inline int64_t counts_size(int64_t B, int64_t T) { return B * kLanes * (T + 1); }

// Simplices ahead of the counted one whose vertices' keys are prefetched (et::prefetch_vertices).
constexpr int64_t kAhead = 16;

// Counts simplices [first, last) of `set` into `counts`.
template <typename Key>
void count_simplices(const Simplices& set, int64_t first, int64_t last, const Key* key, const int64_t* batch,
                     int64_t T, int64_t* counts) {
  const int64_t graph = counts_size(1, T);
  et::visit_range<kLanes>(set, first, last, key, [&](const Simplices& s, int64_t m, const Key* best, int sign) {
    if (m + kAhead < last) et::prefetch_vertices<kLanes>(s, m + kAhead, key);
    int64_t* c = counts + (batch ? batch[et::simplex_vertex(s, 0, m)] : 0) * graph;
    TE_UNROLL for (int lane = 0; lane < kLanes; ++lane, c += T + 1) c[best[lane]] += sign;
  });
}

// hist[g, d0 + lane, k] += counts[g, lane, k] for graphs [first, last), the block's lanes, k < T.
template <typename Key>
void add_counts(const int64_t* counts, int64_t first, int64_t last, const Block<Key>& b, int64_t D, int64_t* hist) {
  const int64_t T = b.T;
  for (int64_t g = first; g < last; ++g)
    for (int64_t lane = 0; lane < b.lanes; ++lane) {
      const int64_t* c = counts + (g * kLanes + lane) * (T + 1);
      int64_t* out = hist + (g * D + b.d0 + lane) * T;
      for (int64_t k = 0; k < T; ++k) out[k] += c[k];
    }
}

template <typename S, typename Key>
void ect_histogram(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets, const double* directions,
                   int64_t D, const Thresholds& th, int64_t* hist) {
  const int64_t N = pc.num_points, T = th.count, B = pc.num_graphs, size = counts_size(B, T);
  const int64_t blocks = (D + kLanes - 1) / kLanes;
  const int threads = at::get_num_threads();
  if (blocks >= threads) {
    at::parallel_for(0, blocks, 1, [&](int64_t first, int64_t last) {
      std::vector<Key> key(N * kLanes);
      std::vector<int64_t> counts(size);
      for (int64_t index = first; index < last; ++index) {
        const Block<Key> b(directions, pc.dim, D, th, index, key.data());
        bin_vertices(pos, 0, N, b);
        std::fill(counts.begin(), counts.end(), 0);
        for (int s = 0; s < num_sets; ++s)
          count_simplices(sets[s], 0, sets[s].count, b.key, pc.batch, T, counts.data());
        add_counts(counts.data(), 0, B, b, D, hist);
      }
    });
    return;
  }
  constexpr int64_t kGrain = 4096;  // vertices or simplices per task
  std::vector<Key> key(N * kLanes);
  std::vector<int64_t> counts(threads * size);
  for (int64_t index = 0; index < blocks; ++index) {
    const Block<Key> b(directions, pc.dim, D, th, index, key.data());
    at::parallel_for(0, N, kGrain, [&](int64_t first, int64_t last) { bin_vertices(pos, first, last, b); });
    std::fill(counts.begin(), counts.end(), 0);
    for (int s = 0; s < num_sets; ++s)
      at::parallel_for(0, sets[s].count, kGrain, [&](int64_t first, int64_t last) {
        count_simplices(sets[s], first, last, b.key, pc.batch, T, counts.data() + at::get_thread_num() * size);
      });
    at::parallel_for(0, B, 1, [&](int64_t first, int64_t last) {
      for (int t = 0; t < threads; ++t) add_counts(counts.data() + t * size, first, last, b, D, hist);
    });
  }
}

template <typename S>
void ect_histogram_keyed(const S* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                         const double* directions, int64_t D, const Thresholds& th, int64_t* hist) {
  bins::with_key_type(th.count, [&](auto key) {
    ect_histogram<S, decltype(key)>(pos, pc, sets, num_sets, directions, D, th, hist);
  });
}

}  // namespace

void ect_histogram_cpu(const float* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* hist) {
  ect_histogram_keyed(pos, pc, sets, num_sets, directions, D, th, hist);
}

void ect_histogram_cpu(const double* pos, const PointCloud& pc, const Simplices* sets, int num_sets,
                       const double* directions, int64_t D, const Thresholds& th, int64_t* hist) {
  ect_histogram_keyed(pos, pc, sets, num_sets, directions, D, th, hist);
}

}  // namespace topoeuler
