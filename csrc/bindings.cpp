// The only file that includes torch/extension.h (the CPU kernels use ATen/Parallel.h alone):
// checks tensors, picks the CPU or CUDA launcher.
// User-facing validation (shapes, NaN, ranges, with argument names) happens in Python,
// in topoeuler/ops; the checks here guard the kernels' contracts.
#include <torch/extension.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <vector>

#include "common/bins_cpu.h"
#include "ecc/ecc.h"
#include "ect/ect.h"
#include "image_ect/image_ect.h"
#include "soft_ecc/soft_ecc.h"
#include "soft_ect/soft_ect.h"

#ifdef TOPOEULER_WITH_CUDA
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

namespace te = topoeuler;
using torch::Tensor;

namespace {

bool has_cuda() {
#ifdef TOPOEULER_WITH_CUDA
  return true;
#else
  return false;
#endif
}

// The vectorised CPU binning's instruction set (bins_cpu.h), by name.
const char* const kIsaNames[] = {"scalar", "avx2", "avx512"};

std::string cpu_isa() { return kIsaNames[(int)te::bins::active_isa()]; }

std::string set_cpu_isa_cap(const std::string& name) {
  for (int i = 0; i < 3; ++i)
    if (name == kIsaNames[i]) return kIsaNames[(int)te::bins::set_isa_cap((te::bins::Isa)i)];
  TORCH_CHECK(false, "isa must be one of scalar, avx2, avx512, got ", name);
}

void check(const Tensor& t, const char* name, const Tensor& like, at::ScalarType dtype) {
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
  TORCH_CHECK(t.scalar_type() == dtype, name, " must be ", dtype, ", got ", t.scalar_type());
  TORCH_CHECK(t.device() == like.device(), name, " is on ", t.device(), " but the input is on ", like.device());
}

// Rows [rows, T] of float64 thresholds on the CPU: finite and sorted (non-decreasing), the
// contract of every kernel's binning and window search. (On CUDA they stay where they are: the
// Python layer validates them; checking here would copy them to the host.)
void check_rows(const Tensor& values) {
  if (values.is_cuda()) return;
  const double* t = values.data_ptr<double>();
  const int64_t rows = values.size(0), T = values.size(1);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < T; ++k) {
      const double v = t[r * T + k];
      TORCH_CHECK(std::isfinite(v), "thresholds must be finite");
      TORCH_CHECK(k == 0 || t[r * T + k - 1] <= v, "thresholds must be sorted in increasing order along each row");
    }
}

// Threshold rows as the kernels take them: values [rows, T], origin [rows], inv_step [rows], all
// float64. On the CPU, even_bin's contract is checked too: origin is the row's first value, and a
// row with inv_step > 0 lies within 1/100 of a step of origin + k / inv_step, below 2^40 steps.
te::Thresholds thresholds_of(const Tensor& values, const Tensor& origin, const Tensor& inv_step, const Tensor& like) {
  check(values, "thresholds", like, torch::kFloat64);
  check(origin, "threshold origins", like, torch::kFloat64);
  check(inv_step, "threshold inverse steps", like, torch::kFloat64);
  TORCH_CHECK(values.dim() == 2 && values.size(1) > 0, "thresholds must be [rows, T] with T > 0");
  TORCH_CHECK(values.size(1) < INT32_MAX, "the kernels take fewer than 2^31 thresholds");
  TORCH_CHECK(origin.numel() == values.size(0) && inv_step.numel() == values.size(0), "one origin/step per row");
  check_rows(values);
  if (!values.is_cuda()) {
    const double *t = values.data_ptr<double>(), *o = origin.data_ptr<double>(), *inv = inv_step.data_ptr<double>();
    const int64_t T = values.size(1);
    for (int64_t r = 0; r < values.size(0); ++r) {
      TORCH_CHECK(o[r] == t[r * T], "threshold origins must be the rows' first thresholds");
      TORCH_CHECK(std::isfinite(inv[r]) && inv[r] >= 0, "threshold inverse steps must be finite and >= 0");
      if (inv[r] == 0) continue;
      const double step = 1.0 / inv[r];
      for (int64_t k = 0; k < T; ++k)
        TORCH_CHECK(std::fabs(t[r * T + k] - (o[r] + (double)k * step)) <= 0.01 * step &&
                        std::fabs(t[r * T + k]) < 0x1p40 * step,
                    "threshold row ", r, " is not evenly spaced by 1 / inv_step (pass inv_step 0 for uneven rows)");
    }
  }
  return {values.data_ptr<double>(), origin.data_ptr<double>(), inv_step.data_ptr<double>(), values.size(1)};
}

// Threshold rows for the kernels from float64 thresholds t [T] or [rows, T] (docs/definitions.md
// section 1): (values [rows, T], origin [rows], step [rows], inv_step [rows]). A row is evenly
// spaced, with step = (t_last - t_0) / (T - 1), when every |t_k - (t_0 + k * step)| <= 1e-3 * step,
// step is a normal float64 (>= DBL_MIN) and every |t_k| < 2^40 * step; otherwise (and for T = 1)
// its step and inv_step are 0. NaN or infinite values make a row uneven. inv_step = 1 / step.
// CPU only, one pass over the values; on CUDA the operator runs the same formula as tensor ops
// (ops/reference.py, threshold_rows_reference), on the device.
std::tuple<Tensor, Tensor, Tensor, Tensor> threshold_rows(const Tensor& t, int64_t rows) {
  TORCH_CHECK(!t.is_cuda(), "threshold_rows runs on CPU tensors (the operator sends CUDA ones to its reference)");
  TORCH_CHECK(t.scalar_type() == torch::kFloat64, "thresholds must be float64");
  TORCH_CHECK(rows >= 1, "rows must be >= 1");
  TORCH_CHECK((t.dim() == 1 || (t.dim() == 2 && t.size(0) == rows)) && t.size(-1) > 0,
              "thresholds must be [T] or [rows, T] with T > 0, got ", t.sizes());
  const int64_t T = t.size(-1);
  // Fresh tensors: an operator's outputs may not alias its input.
  const Tensor values = t.expand({rows, T}).clone(at::MemoryFormat::Contiguous);
  const Tensor origin = values.select(1, 0).clone(at::MemoryFormat::Contiguous);
  const double tiny = std::numeric_limits<double>::min(), far = 0x1p40;
  Tensor step = torch::zeros({rows}, values.options()), inv_step = torch::zeros({rows}, values.options());
  const double* v = values.data_ptr<double>();
  double *st = step.data_ptr<double>(), *inv = inv_step.data_ptr<double>();
  for (int64_t r = 0; r < rows && T > 1; ++r) {
    const double* row = v + r * T;
    const double spread = (row[T - 1] - row[0]) / (double)(T - 1);
    bool even = spread >= tiny;  // false for NaN
    for (int64_t k = 0; k < T && even; ++k)
      even = std::fabs(row[k] - (row[0] + (double)k * spread)) <= 1e-3 * spread && std::fabs(row[k]) < far * spread;
    if (even) {
      st[r] = spread;
      inv[r] = 1.0 / spread;
    }
  }
  return std::make_tuple(values, origin, step, inv_step);
}

// [B, depth, H, W] -> the kernels' GridShape.
te::GridShape grid_of(const Tensor& x, int64_t ndim) {
  TORCH_CHECK(x.dim() == 4, "grids must be passed as [B, depth, H, W]");
  TORCH_CHECK(ndim == 2 || ndim == 3, "ndim must be 2 or 3");
  TORCH_CHECK(ndim == 3 || x.size(1) == 1, "2D grids have depth 1");
  // The kernels cut grids into rows/planes: an empty axis would divide by zero (B = 0 is fine:
  // the callers return an empty result without calling a kernel).
  TORCH_CHECK(x.size(1) > 0 && x.size(2) > 0 && x.size(3) > 0, "grids must have non-empty axes, got [B, depth, H, W] = ",
              x.sizes());
  return {x.size(0), x.size(1), x.size(2), x.size(3), (int)ndim};
}

#ifdef TOPOEULER_WITH_CUDA
void* stream_of(const Tensor& t) { return (void*)c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }
#endif

// x contiguous, float32 or float64.
void check_real(const Tensor& x, const char* name) {
  TORCH_CHECK(x.is_contiguous(), name, " must be contiguous");
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64, name, " must be float32/64");
}

// Calls cpu(p) or, for a CUDA tensor, cuda(p, stream) on x's device, with p = x's data. The
// callables are generic lambdas: without CUDA the cuda one is never instantiated, so the CUDA
// launchers need not exist.
template <typename P, typename Cpu, typename Cuda>
void launch_typed(const Tensor& x, const P* p, Cpu&& cpu, Cuda&& cuda) {
  if (x.is_cuda()) {
#ifdef TOPOEULER_WITH_CUDA
    const c10::cuda::CUDAGuard guard(x.device());
    cuda(p, stream_of(x));
#else
    TORCH_CHECK(false, "topoeuler was built without CUDA");
#endif
  } else {
    cpu(p);
  }
}

// launch_typed with p = x's data as const float* or const double*.
template <typename Cpu, typename Cuda>
void launch(const Tensor& x, Cpu&& cpu, Cuda&& cuda) {
  if (x.scalar_type() == torch::kFloat32) {
    launch_typed(x, x.data_ptr<float>(), cpu, cuda);
  } else {
    launch_typed(x, x.data_ptr<double>(), cpu, cuda);
  }
}

// Validated vertices and simplex sets of an ECT call (the vertex set first).
struct Complex {
  std::vector<te::Simplices> sets;
  te::PointCloud pc;
  int64_t D;
};

// Whether every entry of the int64 tensor t is in [0, bound) (on the CPU: the kernels index
// with them; on CUDA the Python layer checks them, unless its caller skips the check).
void check_indices(const Tensor& t, int64_t bound, const char* what) {
  if (t.is_cuda() || t.numel() == 0) return;
  const int64_t* p = t.data_ptr<int64_t>();
  int64_t lo = p[0], hi = p[0];
  for (int64_t i = 1; i < t.numel(); ++i) {
    lo = std::min(lo, p[i]);
    hi = std::max(hi, p[i]);
  }
  TORCH_CHECK(lo >= 0 && hi < bound, what, " must be in [0, ", bound, "), got values in [", lo, ", ", hi, "]");
}

// On the CPU, whether every simplex of s [k, M] has its vertices in one graph of batch (the
// kernels count a simplex in its first vertex's graph, and may keep only that graph's vertices).
void check_same_graph(const Tensor& s, const int64_t* batch) {
  if (s.is_cuda() || batch == nullptr) return;
  const int64_t* idx = s.data_ptr<int64_t>();
  const int64_t k = s.size(0), M = s.size(1);
  for (int64_t r = 1; r < k; ++r)
    for (int64_t m = 0; m < M; ++m)
      TORCH_CHECK(batch[idx[r * M + m]] == batch[idx[m]], "simplex ", m, " has vertices in different graphs of batch");
}

Complex complex_of(const Tensor& pos, const c10::optional<Tensor>& batch, int64_t num_graphs,
                   const std::vector<Tensor>& simplices, const Tensor& directions) {
  TORCH_CHECK(pos.dim() == 2, "pos must be [N, dim]");
  check_real(pos, "pos");
  check(directions, "directions", pos, torch::kFloat64);
  TORCH_CHECK(directions.dim() == 2 && directions.size(1) == pos.size(1), "directions must be [D, dim]");
  TORCH_CHECK(num_graphs >= 0, "num_graphs must be >= 0");
  const int64_t* batch_ptr = nullptr;
  if (batch.has_value()) {
    check(*batch, "batch", pos, torch::kInt64);
    TORCH_CHECK(batch->numel() == pos.size(0), "batch must have one entry per vertex");
    check_indices(*batch, num_graphs, "batch entries");
    batch_ptr = batch->data_ptr<int64_t>();
  }
  Complex c;
  c.sets.push_back({nullptr, 1, pos.size(0)});
  for (const Tensor& s : simplices) {
    check(s, "simplices", pos, torch::kInt64);
    TORCH_CHECK(s.dim() == 2 && s.size(0) >= 2, "simplices must be [k, M] with k >= 2");
    check_indices(s, pos.size(0), "simplex vertex indices");
    check_same_graph(s, batch_ptr);
    // An empty set adds nothing (and its null data pointer would read as "the vertices").
    if (s.size(1) > 0) c.sets.push_back({s.data_ptr<int64_t>(), (int)s.size(0), s.size(1)});
  }
  c.pc = {pos.size(0), pos.size(1), batch_ptr, num_graphs};
  c.D = directions.size(0);
  return c;
}

// ECC [B, T] of grids [B, depth, H, W] (float32/64, or uint8 read as bytes): the CPU kernel
// writes the curves, the CUDA one the histogram (hist[b, k] = sum of the weights of grid b's
// pixels in bin k), summed here.
Tensor ecc_curves(const Tensor& x, int64_t ndim, bool t_construction, const Tensor& thresholds, const Tensor& origin,
                  const Tensor& inv_step) {
  const bool bytes = x.scalar_type() == torch::kUInt8;
  if (bytes) {
    TORCH_CHECK(x.is_contiguous(), "x must be contiguous");
  } else {
    check_real(x, "x");
  }
  const te::GridShape g = grid_of(x, ndim);
  const te::Thresholds th = thresholds_of(thresholds, origin, inv_step, x);
  TORCH_CHECK(thresholds.size(0) == 1, "the ECC takes one row of thresholds");
  const auto options = x.options().dtype(torch::kInt64);
  if (g.batch == 0) return torch::zeros({g.batch, th.count}, options);
  Tensor curve = x.is_cuda() ? torch::zeros({g.batch, th.count}, options) : torch::empty({g.batch, th.count}, options);
  int64_t* c = curve.data_ptr<int64_t>();
  auto cpu = [&](const auto* p) { te::ecc_curves_cpu(p, g, t_construction, th, c); };
  auto cuda = [&](const auto* p, void* stream) { te::ecc_histogram_cuda(p, g, t_construction, th, c, stream); };
  if (bytes) {
    launch_typed(x, x.data_ptr<uint8_t>(), cpu, cuda);
  } else {
    launch(x, cpu, cuda);
  }
  return x.is_cuda() ? curve.cumsum_(1) : curve;
}

// Image ECT histogram [B, D, T] of the foreground mask [B, depth, H, W] (uint8).
Tensor image_ect_histogram(const Tensor& mask, int64_t ndim, const Tensor& directions, bool t_construction,
                           const Tensor& thresholds, const Tensor& origin, const Tensor& inv_step) {
  check(mask, "mask", mask, torch::kUInt8);
  check(directions, "directions", mask, torch::kFloat64);
  const te::GridShape g = grid_of(mask, ndim);
  TORCH_CHECK(directions.dim() == 2 && directions.size(1) == ndim, "directions must be [D, ndim]");
  const int64_t D = directions.size(0);
  const te::Thresholds th = thresholds_of(thresholds, origin, inv_step, mask);
  TORCH_CHECK(thresholds.size(0) == D, "the image ECT takes one row of thresholds per direction");
  Tensor hist = torch::zeros({g.batch, D, th.count}, mask.options().dtype(torch::kInt64));
  if (g.batch == 0 || D == 0) return hist;
  if (mask.is_cuda()) {
#ifdef TOPOEULER_WITH_CUDA
    const c10::cuda::CUDAGuard guard(mask.device());
    te::image_ect_histogram_cuda(mask.data_ptr<uint8_t>(), g, directions.data_ptr<double>(), D, t_construction, th,
                                 hist.data_ptr<int64_t>(), stream_of(mask));
    return hist;
#else
    TORCH_CHECK(false, "topoeuler was built without CUDA");
#endif
  }
  te::image_ect_histogram_cpu(mask.data_ptr<uint8_t>(), g, directions.data_ptr<double>(), D, t_construction, th,
                              hist.data_ptr<int64_t>());
  return hist;
}

// ECT [B, D, T] (int64) of vertices pos [N, dim] and simplex sets [k, M] (int64): the CPU kernel
// writes the curves, the CUDA one the histogram, summed here.
Tensor ect_curves(const Tensor& pos, const c10::optional<Tensor>& batch, int64_t num_graphs,
                  const std::vector<Tensor>& simplices, const Tensor& directions, const Tensor& thresholds,
                  const Tensor& origin, const Tensor& inv_step) {
  const Complex c = complex_of(pos, batch, num_graphs, simplices, directions);
  const te::Thresholds th = thresholds_of(thresholds, origin, inv_step, pos);
  TORCH_CHECK(thresholds.size(0) == c.D, "the ECT takes one row of thresholds per direction");
  const auto options = pos.options().dtype(torch::kInt64);
  if (num_graphs == 0 || c.D == 0 || pos.size(0) == 0) return torch::zeros({num_graphs, c.D, th.count}, options);
  Tensor curve = pos.is_cuda() ? torch::zeros({num_graphs, c.D, th.count}, options)
                               : torch::empty({num_graphs, c.D, th.count}, options);
  const double* v = directions.data_ptr<double>();
  int64_t* h = curve.data_ptr<int64_t>();
  const int n = (int)c.sets.size();
  launch(
      pos, [&](const auto* p) { te::ect_curves_cpu(p, c.pc, c.sets.data(), n, v, c.D, th, h); },
      [&](const auto* p, void* stream) { te::ect_histogram_cuda(p, c.pc, c.sets.data(), n, v, c.D, th, h, stream); });
  return pos.is_cuda() ? curve.cumsum_(2) : curve;
}

// ---- Soft (sigmoid-relaxed) ECT / ECC: forward and backward of the fused kernels (soft_ect/, soft_ecc/) ----

// The kernels' thresholds. When `with_table`, `table` receives exp(-scale * (t[r, k] - t[r, lo]))
// ([rows, T, T], 0 below the diagonal) if it has at most kMaxTable entries and z_max is at most
// soft::kMaxTableZ (the only case the kernels read it); otherwise the kernels call exp per
// threshold. (The soft ECT's CPU kernel keeps its own per-block ratios: no table.)
constexpr int64_t kMaxTable = int64_t(1) << 22;

te::soft::SoftThresholds soft_thresholds_of(const Tensor& values, const Tensor& step, double scale, double z_max,
                                            const Tensor& like, Tensor& table, bool with_table) {
  check(values, "thresholds", like, torch::kFloat64);
  check(step, "threshold steps", like, torch::kFloat64);
  TORCH_CHECK(values.dim() == 2 && values.size(1) > 0, "thresholds must be [rows, T] with T > 0");
  TORCH_CHECK(step.numel() == values.size(0), "one step per threshold row");
  TORCH_CHECK(std::isfinite(scale) && scale > 0, "scale must be positive and finite");
  TORCH_CHECK(z_max > 0, "z_max must be positive (or +inf)");
  check_rows(values);
  const int64_t rows = values.size(0), T = values.size(1);
  const double* table_ptr = nullptr;
  if (with_table && rows * T * T <= kMaxTable && z_max <= te::soft::kMaxTableZ) {
    const Tensor host = values.cpu();
    Tensor cpu_table = torch::zeros({rows, T, T}, host.options());
    const double* t = host.data_ptr<double>();
    double* out = cpu_table.data_ptr<double>();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t lo = 0; lo < T; ++lo)
        for (int64_t k = lo; k < T; ++k) out[(r * T + lo) * T + k] = std::exp(-scale * (t[r * T + k] - t[r * T + lo]));
    table = values.is_cuda() ? cpu_table.to(values.device()) : cpu_table;
    table_ptr = table.data_ptr<double>();
  }
  return {values.data_ptr<double>(), step.data_ptr<double>(), table_ptr, T, scale, z_max};
}

// Soft ECT [B, D, T] (float64).
Tensor soft_ect_forward(const Tensor& pos, const c10::optional<Tensor>& batch, int64_t num_graphs,
                        const std::vector<Tensor>& simplices, const Tensor& directions, const Tensor& thresholds,
                        const Tensor& step, double scale, double z_max) {
  const Complex c = complex_of(pos, batch, num_graphs, simplices, directions);
  Tensor table;
  const te::soft::SoftThresholds th = soft_thresholds_of(thresholds, step, scale, z_max, pos, table, pos.is_cuda());
  TORCH_CHECK(thresholds.size(0) == c.D, "the soft ECT takes one row of thresholds per direction");
  Tensor out = torch::zeros({num_graphs, c.D, th.count}, pos.options().dtype(torch::kFloat64));
  if (num_graphs == 0 || c.D == 0 || pos.size(0) == 0) return out;
  const double* v = directions.data_ptr<double>();
  double* o = out.data_ptr<double>();
  const int n = (int)c.sets.size();
  launch(
      pos, [&](const auto* p) { te::soft_ect_forward_cpu(p, c.pc, c.sets.data(), n, v, c.D, th, o); },
      [&](const auto* p, void* stream) {
        Tensor work = torch::zeros_like(out);
        te::soft_ect_forward_cuda(p, c.pc, c.sets.data(), n, v, c.D, th, o, work.data_ptr<double>(), stream);
      });
  return out;
}

// Gradients (pos [N, dim], directions [D, dim], thresholds [D, T]), float64; undefined where not needed.
std::vector<Tensor> soft_ect_backward(const Tensor& pos, const c10::optional<Tensor>& batch, int64_t num_graphs,
                                      const std::vector<Tensor>& simplices, const Tensor& directions,
                                      const Tensor& thresholds, const Tensor& step, double scale, double z_max,
                                      const Tensor& grad_out, bool need_pos, bool need_dir, bool need_t) {
  const Complex c = complex_of(pos, batch, num_graphs, simplices, directions);
  Tensor table;
  const te::soft::SoftThresholds th = soft_thresholds_of(thresholds, step, scale, z_max, pos, table, pos.is_cuda());
  TORCH_CHECK(thresholds.size(0) == c.D, "the soft ECT takes one row of thresholds per direction");
  check(grad_out, "grad_out", pos, torch::kFloat64);
  TORCH_CHECK(grad_out.dim() == 3 && grad_out.size(0) == num_graphs && grad_out.size(1) == c.D &&
                  grad_out.size(2) == th.count, "grad_out must be [B, D, T]");
  auto f64 = pos.options().dtype(torch::kFloat64);
  Tensor gp = need_pos ? torch::zeros({pos.size(0), pos.size(1)}, f64) : Tensor();
  Tensor gd = need_dir ? torch::zeros({c.D, pos.size(1)}, f64) : Tensor();
  Tensor gt = need_t ? torch::zeros({c.D, th.count}, f64) : Tensor();
  if (num_graphs == 0 || c.D == 0 || pos.size(0) == 0) return {gp, gd, gt};
  double* gp_ptr = need_pos ? gp.data_ptr<double>() : nullptr;
  double* gd_ptr = need_dir ? gd.data_ptr<double>() : nullptr;
  double* gt_ptr = need_t ? gt.data_ptr<double>() : nullptr;
  const double* v = directions.data_ptr<double>();
  const double* g = grad_out.data_ptr<double>();
  const int n = (int)c.sets.size();
  launch(
      pos,
      [&](const auto* p) { te::soft_ect_backward_cpu(p, c.pc, c.sets.data(), n, v, c.D, th, g, gp_ptr, gd_ptr, gt_ptr); },
      [&](const auto* p, void* stream) {
        te::soft_ect_backward_cuda(p, c.pc, c.sets.data(), n, v, c.D, th, g, gp_ptr, gd_ptr, gt_ptr, stream);
      });
  return {gp, gd, gt};
}

// Soft ECC [B, T] (float64) of grids [B, depth, H, W].
Tensor soft_ecc_forward(const Tensor& x, int64_t ndim, bool t_construction, const Tensor& thresholds,
                        const Tensor& step, double scale, double z_max) {
  check_real(x, "x");
  const te::GridShape g = grid_of(x, ndim);
  Tensor table;
  const te::soft::SoftThresholds th = soft_thresholds_of(thresholds, step, scale, z_max, x, table, true);
  TORCH_CHECK(thresholds.size(0) == 1, "the soft ECC takes one row of thresholds");
  Tensor out = torch::zeros({g.batch, th.count}, x.options().dtype(torch::kFloat64));
  if (g.batch == 0) return out;
  double* o = out.data_ptr<double>();
  launch(
      x, [&](const auto* p) { te::soft_ecc_forward_cpu(p, g, t_construction, th, o); },
      [&](const auto* p, void* stream) {
        Tensor work = torch::zeros_like(out);
        te::soft_ecc_forward_cuda(p, g, t_construction, th, o, work.data_ptr<double>(), stream);
      });
  return out;
}

// Gradients (x [B, depth, H, W], thresholds [T]), float64; undefined where not needed.
std::vector<Tensor> soft_ecc_backward(const Tensor& x, int64_t ndim, bool t_construction, const Tensor& thresholds,
                                      const Tensor& step, double scale, double z_max, const Tensor& grad_out,
                                      bool need_x, bool need_t) {
  check_real(x, "x");
  const te::GridShape g = grid_of(x, ndim);
  Tensor table;
  const te::soft::SoftThresholds th = soft_thresholds_of(thresholds, step, scale, z_max, x, table, true);
  TORCH_CHECK(thresholds.size(0) == 1, "the soft ECC takes one row of thresholds");
  check(grad_out, "grad_out", x, torch::kFloat64);
  TORCH_CHECK(grad_out.dim() == 2 && grad_out.size(0) == g.batch && grad_out.size(1) == th.count,
              "grad_out must be [B, T]");
  auto f64 = x.options().dtype(torch::kFloat64);
  Tensor gx = need_x ? torch::zeros(x.sizes(), f64) : Tensor();
  Tensor gt = need_t ? torch::zeros({th.count}, f64) : Tensor();
  if (g.batch == 0) return {gx, gt};
  double* gx_ptr = need_x ? gx.data_ptr<double>() : nullptr;
  double* gt_ptr = need_t ? gt.data_ptr<double>() : nullptr;
  const double* go = grad_out.data_ptr<double>();
  launch(
      x, [&](const auto* p) { te::soft_ecc_backward_cpu(p, g, t_construction, th, go, gx_ptr, gt_ptr); },
      [&](const auto* p, void* stream) {
        te::soft_ecc_backward_cuda(p, g, t_construction, th, go, gx_ptr, gt_ptr, stream);
      });
  return {gx, gt};
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "topoeuler compiled kernels (CPU, and CUDA when built with it)";
  m.def("has_cuda", &has_cuda, "whether the CUDA kernels were compiled in");
  m.def("cpu_isa", &cpu_isa, "the instruction set of the vectorised CPU binning: scalar, avx2 or avx512");
  m.def("set_cpu_isa_cap", &set_cpu_isa_cap, "limits the CPU binning's instruction set (for tests); returns the previous cap");
  m.def("threshold_rows", &threshold_rows, "threshold rows (values, origin, step, inv_step) of float64 thresholds");
  m.def("ecc_curves", &ecc_curves, "ECC [B, T] (int64) of grids [B, depth, H, W] (float32/64 or uint8)");
  m.def("image_ect_histogram", &image_ect_histogram, "image ECT histogram [B, D, T] of masks [B, depth, H, W]");
  m.def("ect_curves", &ect_curves, "ECT [B, D, T] (int64) of embedded simplicial complexes");
  m.def("soft_ect_forward", &soft_ect_forward, "soft ECT [B, D, T] (float64), fused windowed kernel");
  m.def("soft_ect_backward", &soft_ect_backward, "gradients of the soft ECT: (pos, directions, thresholds)");
  m.def("soft_ecc_forward", &soft_ecc_forward, "soft ECC [B, T] (float64) of grids [B, depth, H, W]");
  m.def("soft_ecc_backward", &soft_ecc_backward, "gradients of the soft ECC: (x, thresholds)");
}
