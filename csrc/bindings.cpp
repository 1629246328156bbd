// The only file that includes PyTorch: checks tensors, picks the CPU or CUDA launcher.
// User-facing validation (shapes, NaN, ranges, with argument names) happens in Python,
// in topoeuler/ops; the checks here guard the kernels' contracts.
#include <torch/extension.h>

#include <vector>

#include "ecc/ecc.h"
#include "ect/ect.h"
#include "image_ect/image_ect.h"

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

void check(const Tensor& t, const char* name, const Tensor& like, at::ScalarType dtype) {
  TORCH_CHECK(t.is_contiguous(), name, " must be contiguous");
  TORCH_CHECK(t.scalar_type() == dtype, name, " must be ", dtype, ", got ", t.scalar_type());
  TORCH_CHECK(t.device() == like.device(), name, " is on ", t.device(), " but the input is on ", like.device());
}

// Threshold rows as the kernels take them: values [rows, T], origin [rows], inv_step [rows], all float64.
te::Thresholds thresholds_of(const Tensor& values, const Tensor& origin, const Tensor& inv_step, const Tensor& like) {
  check(values, "thresholds", like, torch::kFloat64);
  check(origin, "threshold origins", like, torch::kFloat64);
  check(inv_step, "threshold inverse steps", like, torch::kFloat64);
  TORCH_CHECK(values.dim() == 2 && values.size(1) > 0, "thresholds must be [rows, T] with T > 0");
  TORCH_CHECK(origin.numel() == values.size(0) && inv_step.numel() == values.size(0), "one origin/step per row");
  return {values.data_ptr<double>(), origin.data_ptr<double>(), inv_step.data_ptr<double>(), values.size(1)};
}

// [B, depth, H, W] -> the kernels' GridShape.
te::GridShape grid_of(const Tensor& x, int64_t ndim) {
  TORCH_CHECK(x.dim() == 4, "grids must be passed as [B, depth, H, W]");
  TORCH_CHECK(ndim == 2 || ndim == 3, "ndim must be 2 or 3");
  TORCH_CHECK(ndim == 3 || x.size(1) == 1, "2D grids have depth 1");
  return {x.size(0), x.size(1), x.size(2), x.size(3), (int)ndim};
}

#ifdef TOPOEULER_WITH_CUDA
void* stream_of(const Tensor& t) { return (void*)c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }
#endif

// ECC histogram [B, T]: hist[b, k] = sum of weights of grid b's pixels in bin k.
Tensor ecc_histogram(const Tensor& x, int64_t ndim, bool t_construction, const Tensor& thresholds,
                     const Tensor& origin, const Tensor& inv_step) {
  TORCH_CHECK(x.is_contiguous(), "x must be contiguous");
  TORCH_CHECK(x.scalar_type() == torch::kFloat32 || x.scalar_type() == torch::kFloat64, "x must be float32/64");
  const te::GridShape g = grid_of(x, ndim);
  const te::Thresholds th = thresholds_of(thresholds, origin, inv_step, x);
  TORCH_CHECK(thresholds.size(0) == 1, "the ECC takes one row of thresholds");
  Tensor hist = torch::zeros({g.batch, th.count}, x.options().dtype(torch::kInt64));
  if (g.batch == 0) return hist;
  if (x.is_cuda()) {
#ifdef TOPOEULER_WITH_CUDA
    const c10::cuda::CUDAGuard guard(x.device());
    if (x.scalar_type() == torch::kFloat32)
      te::ecc_histogram_cuda(x.data_ptr<float>(), g, t_construction, th, hist.data_ptr<int64_t>(), stream_of(x));
    else
      te::ecc_histogram_cuda(x.data_ptr<double>(), g, t_construction, th, hist.data_ptr<int64_t>(), stream_of(x));
    return hist;
#else
    TORCH_CHECK(false, "topoeuler was built without CUDA");
#endif
  }
  if (x.scalar_type() == torch::kFloat32)
    te::ecc_histogram_cpu(x.data_ptr<float>(), g, t_construction, th, hist.data_ptr<int64_t>());
  else
    te::ecc_histogram_cpu(x.data_ptr<double>(), g, t_construction, th, hist.data_ptr<int64_t>());
  return hist;
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

// ECT histogram [B, D, T] of vertices pos [N, dim] and simplex sets [k, M] (int64).
Tensor ect_histogram(const Tensor& pos, const c10::optional<Tensor>& batch, int64_t num_graphs,
                     const std::vector<Tensor>& simplices, const Tensor& directions, const Tensor& thresholds,
                     const Tensor& origin, const Tensor& inv_step) {
  TORCH_CHECK(pos.is_contiguous() && pos.dim() == 2, "pos must be a contiguous [N, dim] tensor");
  TORCH_CHECK(pos.scalar_type() == torch::kFloat32 || pos.scalar_type() == torch::kFloat64, "pos must be float32/64");
  check(directions, "directions", pos, torch::kFloat64);
  TORCH_CHECK(directions.dim() == 2 && directions.size(1) == pos.size(1), "directions must be [D, dim]");
  const int64_t D = directions.size(0);
  const te::Thresholds th = thresholds_of(thresholds, origin, inv_step, pos);
  TORCH_CHECK(thresholds.size(0) == D, "the ECT takes one row of thresholds per direction");
  const int64_t* batch_ptr = nullptr;
  if (batch.has_value()) {
    check(*batch, "batch", pos, torch::kInt64);
    TORCH_CHECK(batch->numel() == pos.size(0), "batch must have one entry per vertex");
    batch_ptr = batch->data_ptr<int64_t>();
  }
  std::vector<te::Simplices> sets{{nullptr, 1, pos.size(0)}};
  for (const Tensor& s : simplices) {
    check(s, "simplices", pos, torch::kInt64);
    TORCH_CHECK(s.dim() == 2 && s.size(0) >= 2, "simplices must be [k, M] with k >= 2");
    // An empty set adds nothing (and its null data pointer would read as "the vertices").
    if (s.size(1) > 0) sets.push_back({s.data_ptr<int64_t>(), (int)s.size(0), s.size(1)});
  }
  Tensor hist = torch::zeros({num_graphs, D, th.count}, pos.options().dtype(torch::kInt64));
  if (num_graphs == 0 || D == 0 || pos.size(0) == 0) return hist;
  const te::PointCloud pc{pos.size(0), pos.size(1), batch_ptr, num_graphs};
  if (pos.is_cuda()) {
#ifdef TOPOEULER_WITH_CUDA
    const c10::cuda::CUDAGuard guard(pos.device());
    if (pos.scalar_type() == torch::kFloat32)
      te::ect_histogram_cuda(pos.data_ptr<float>(), pc, sets.data(), (int)sets.size(), directions.data_ptr<double>(), D,
                             th, hist.data_ptr<int64_t>(), stream_of(pos));
    else
      te::ect_histogram_cuda(pos.data_ptr<double>(), pc, sets.data(), (int)sets.size(), directions.data_ptr<double>(),
                             D, th, hist.data_ptr<int64_t>(), stream_of(pos));
    return hist;
#else
    TORCH_CHECK(false, "topoeuler was built without CUDA");
#endif
  }
  if (pos.scalar_type() == torch::kFloat32)
    te::ect_histogram_cpu(pos.data_ptr<float>(), pc, sets.data(), (int)sets.size(), directions.data_ptr<double>(), D, th,
                          hist.data_ptr<int64_t>());
  else
    te::ect_histogram_cpu(pos.data_ptr<double>(), pc, sets.data(), (int)sets.size(), directions.data_ptr<double>(), D,
                          th, hist.data_ptr<int64_t>());
  return hist;
}

}  // namespace

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.doc() = "topoeuler compiled kernels (CPU, and CUDA when built with it)";
  m.def("has_cuda", &has_cuda, "whether the CUDA kernels were compiled in");
  m.def("ecc_histogram", &ecc_histogram, "ECC histogram [B, T] of grids [B, depth, H, W]");
  m.def("image_ect_histogram", &image_ect_histogram, "image ECT histogram [B, D, T] of masks [B, depth, H, W]");
  m.def("ect_histogram", &ect_histogram, "ECT histogram [B, D, T] of embedded simplicial complexes");
}
