// cuDNN convolution for the Conv2D kernels (see conv2d_cudnn.h): descriptors, the load-time
// check that cuDNN can run the node, and the algorithm search and its process-wide cache.
#include "ops/conv2d/conv2d_cudnn.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/device.h"
#include "runtime/devices/cuda_device.h"

namespace graphrun::conv2d_cudnn {

namespace {

// The most workspace one convolution may use. Find tries only the algorithms that fit, and the
// caching allocator keeps the block for reuse: FFT algorithms can ask for several GiB at large
// sizes, which would crowd out activations for a small gain; AlexNet's layers need far less.
constexpr size_t kMaxWorkspaceBytes = size_t{1} << 30;

// The three directions' cuDNN calls behind one interface, so the search, the load-time check
// and the run are written once. Buffers hold the forward convolution's x, w and y.
struct ForwardCalls {
  using Algo = cudnnConvolutionFwdAlgo_t;
  using Perf = cudnnConvolutionFwdAlgoPerf_t;
  static constexpr int kAlgorithms = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
  static constexpr const char* kName = "forward";
  static cudnnStatus_t max_count(cudnnHandle_t h, int* count) {
    return cudnnGetConvolutionForwardAlgorithmMaxCount(h, count);
  }
  static cudnnStatus_t heuristics(cudnnHandle_t h, const Descriptors& d, int requested, int* returned, Perf* perf) {
    return cudnnGetConvolutionForwardAlgorithm_v7(h, d.x, d.w, d.conv, d.y, requested, returned, perf);
  }
  static cudnnStatus_t workspace(cudnnHandle_t h, const Descriptors& d, Algo algo, size_t* bytes) {
    return cudnnGetConvolutionForwardWorkspaceSize(h, d.x, d.w, d.conv, d.y, algo, bytes);
  }
  static cudnnStatus_t find(cudnnHandle_t h, const Descriptors& d, const Buffers& b, int requested, int* returned,
                            Perf* perf, void* ws, size_t ws_bytes) {
    return cudnnFindConvolutionForwardAlgorithmEx(h, d.x, b.x, d.w, b.w, d.conv, d.y, b.y, requested, returned, perf,
                                                  ws, ws_bytes);
  }
  static cudnnStatus_t run(cudnnHandle_t h, const Descriptors& d, const Buffers& b, Algo algo, void* ws,
                           size_t ws_bytes, const void* one, const void* zero) {
    return cudnnConvolutionForward(h, one, d.x, b.x, d.w, b.w, d.conv, algo, ws, ws_bytes, zero, d.y, b.y);
  }
};

struct BackwardDataCalls {
  using Algo = cudnnConvolutionBwdDataAlgo_t;
  using Perf = cudnnConvolutionBwdDataAlgoPerf_t;
  static constexpr int kAlgorithms = CUDNN_CONVOLUTION_BWD_DATA_ALGO_COUNT;
  static constexpr const char* kName = "backward-data";
  static cudnnStatus_t max_count(cudnnHandle_t h, int* count) {
    return cudnnGetConvolutionBackwardDataAlgorithmMaxCount(h, count);
  }
  static cudnnStatus_t heuristics(cudnnHandle_t h, const Descriptors& d, int requested, int* returned, Perf* perf) {
    return cudnnGetConvolutionBackwardDataAlgorithm_v7(h, d.w, d.y, d.conv, d.x, requested, returned, perf);
  }
  static cudnnStatus_t workspace(cudnnHandle_t h, const Descriptors& d, Algo algo, size_t* bytes) {
    return cudnnGetConvolutionBackwardDataWorkspaceSize(h, d.w, d.y, d.conv, d.x, algo, bytes);
  }
  static cudnnStatus_t find(cudnnHandle_t h, const Descriptors& d, const Buffers& b, int requested, int* returned,
                            Perf* perf, void* ws, size_t ws_bytes) {
    return cudnnFindConvolutionBackwardDataAlgorithmEx(h, d.w, b.w, d.y, b.y, d.conv, d.x, b.x, requested, returned,
                                                       perf, ws, ws_bytes);
  }
  static cudnnStatus_t run(cudnnHandle_t h, const Descriptors& d, const Buffers& b, Algo algo, void* ws,
                           size_t ws_bytes, const void* one, const void* zero) {
    return cudnnConvolutionBackwardData(h, one, d.w, b.w, d.y, b.y, d.conv, algo, ws, ws_bytes, zero, d.x, b.x);
  }
};

struct BackwardFilterCalls {
  using Algo = cudnnConvolutionBwdFilterAlgo_t;
  using Perf = cudnnConvolutionBwdFilterAlgoPerf_t;
  static constexpr int kAlgorithms = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_COUNT;
  static constexpr const char* kName = "backward-filter";
  static cudnnStatus_t max_count(cudnnHandle_t h, int* count) {
    return cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(h, count);
  }
  static cudnnStatus_t heuristics(cudnnHandle_t h, const Descriptors& d, int requested, int* returned, Perf* perf) {
    return cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, d.x, d.y, d.conv, d.w, requested, returned, perf);
  }
  static cudnnStatus_t workspace(cudnnHandle_t h, const Descriptors& d, Algo algo, size_t* bytes) {
    return cudnnGetConvolutionBackwardFilterWorkspaceSize(h, d.x, d.y, d.conv, d.w, algo, bytes);
  }
  static cudnnStatus_t find(cudnnHandle_t h, const Descriptors& d, const Buffers& b, int requested, int* returned,
                            Perf* perf, void* ws, size_t ws_bytes) {
    return cudnnFindConvolutionBackwardFilterAlgorithmEx(h, d.x, b.x, d.y, b.y, d.conv, d.w, b.w, requested,
                                                         returned, perf, ws, ws_bytes);
  }
  static cudnnStatus_t run(cudnnHandle_t h, const Descriptors& d, const Buffers& b, Algo algo, void* ws,
                           size_t ws_bytes, const void* one, const void* zero) {
    return cudnnConvolutionBackwardFilter(h, one, d.x, b.x, d.y, b.y, d.conv, algo, ws, ws_bytes, zero, d.w, b.w);
  }
};

const char* direction_name(Direction direction) {
  switch (direction) {
    case Direction::kForward: return ForwardCalls::kName;
    case Direction::kBackwardData: return BackwardDataCalls::kName;
    case Direction::kBackwardFilter: return BackwardFilterCalls::kName;
  }
  return "?";
}

const char* math_name(cudnnMathType_t math) {
  switch (math) {
    case CUDNN_DEFAULT_MATH: return "default";
    case CUDNN_TENSOR_OP_MATH: return "tensor-op";
    case CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION: return "tensor-op (conversion allowed)";
    case CUDNN_FMA_MATH: return "FMA";
  }
  return "?";
}

// The math type a result runs with, and whether it may run at all. Float32 without
// --precision tf32 (asked = FMA) runs with FMA math on the descriptor whatever the result's tag
// says: Find timed it under the FMA descriptor, so it is an FMA kernel, and cuDNN may tag such
// results DEFAULT rather than FMA (PyTorch asserts FMA there, but nothing in cuDNN's API promises
// it); only a tensor-op tag, which would mean TF32 products, is refused. Every other case runs
// with the result's own tag, as PyTorch does (Note [behavior of cudnnFind and cudnnGet]): under
// tensor-op math anything goes, and for float64 every math type is full double precision (FMA,
// or FP64 tensor cores).
bool keeps_fma(cudnnMathType_t asked, DType dtype) { return asked == CUDNN_FMA_MATH && dtype == DType::kFloat32; }

bool math_allowed(cudnnMathType_t asked, cudnnMathType_t got, DType dtype) {
  if (!keeps_fma(asked, dtype)) return true;
  return got != CUDNN_TENSOR_OP_MATH && got != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION;
}

cudnnMathType_t run_math(cudnnMathType_t asked, cudnnMathType_t got, DType dtype) {
  return keeps_fma(asked, dtype) ? CUDNN_FMA_MATH : got;
}

// The results that succeeded and keep the precision asked for, in the order given: Find's are
// sorted by measured time, the heuristics' by expected speed (their time field is no timing).
template <typename Perf>
std::vector<Perf> candidates(const std::vector<Perf>& results, int returned, DType dtype, cudnnMathType_t asked) {
  std::vector<Perf> out;
  for (int i = 0; i < returned && i < static_cast<int>(results.size()); ++i) {
    const Perf& p = results[i];
    if (p.status == CUDNN_STATUS_SUCCESS && math_allowed(asked, p.mathType, dtype)) out.push_back(p);
  }
  return out;
}

// What Find or the heuristics returned, for the error message when nothing was usable.
template <typename Perf>
std::string list_results(const std::vector<Perf>& results, int returned) {
  std::string out;
  for (int i = 0; i < returned && i < static_cast<int>(results.size()); ++i) {
    const Perf& p = results[i];
    out += fmt::format("{}algo {} ({}, {} math, {} bytes, {:.3f} ms)", out.empty() ? "" : "; ", static_cast<int>(p.algo),
                       cudnnGetErrorString(p.status), math_name(p.mathType), p.memory, p.time);
  }
  return out.empty() ? "none" : out;
}

// What the error messages say about a convolution.
std::string describe(Direction direction, DType dtype, cudnnMathType_t math, const Conv2DGeometry& g) {
  return fmt::format("{} convolution of x [{},{},{},{}] with a {}x{} kernel, {} filters, stride {}x{}, pad {}x{}, "
                     "dilation {}x{}, groups {}, in {} with {} math",
                     direction_name(direction), g.n, g.c, g.h, g.w, g.kh, g.kw, g.filters, g.sh, g.sw, g.ph, g.pw,
                     g.dh, g.dw, g.groups, dtype_name(dtype), math_name(math));
}

// cuDNN's legacy descriptors take int sizes and index tensors with int.
void check_tensor(const char* name, const Shape& shape) {
  if (shape.num_elements() == 0) fail("cuDNN convolution needs non-empty tensors, but {} has shape {}", name, shape.str());
  if (shape.num_elements() > INT_MAX)
    fail("cuDNN convolution takes tensors of at most 2^31 - 1 elements, but {} has shape {} ({} elements)", name,
         shape.str(), shape.num_elements());
}

int int_attr(const char* name, int64_t value) {
  if (value > INT_MAX) fail("cuDNN convolution takes attr '{}' values up to 2^31 - 1, got {}", name, value);
  return static_cast<int>(value);
}

cudnn::FilterDescriptor filter(DType dtype, const Shape& shape) {
  cudnn::FilterDescriptor desc;
  GR_CUDNN_CHECK(cudnnSetFilter4dDescriptor(desc, cudnn::data_type(dtype), CUDNN_TENSOR_NCHW,
                                            static_cast<int>(shape[0]), static_cast<int>(shape[1]),
                                            static_cast<int>(shape[2]), static_cast<int>(shape[3])));
  return desc;
}

// Refuses at load what cuDNN has no algorithm for (its heuristics list every algorithm with
// whether it supports the descriptors). The math type is checked by the search, which sees what
// each algorithm really ran with.
template <typename Calls>
void require_an_algorithm(CudaDevice& device, const Descriptors& d, const std::string& what) {
  std::lock_guard lock(device.handle_mutex());
  device.activate();
  cudnnHandle_t handle = device.cudnn();
  int count = 0;
  GR_CUDNN_CHECK(Calls::max_count(handle, &count));
  std::vector<typename Calls::Perf> results(static_cast<size_t>(std::max(count, 1)));
  int returned = 0;
  GR_CUDNN_CHECK(Calls::heuristics(handle, d, count, &returned, results.data()));
  for (int i = 0; i < returned; ++i)
    if (results[i].status == CUDNN_STATUS_SUCCESS) return;
  fail("cuDNN has no algorithm for this {}", what);
}

// With GRAPHRUN_LOG_CONV set, each distinct convolution's choice goes to stderr with everything
// cuDNN returned: the math types Find tags its results with, and the times, are otherwise unseen.
void log_choice(const std::string& what, const Algorithm& chosen, const char* from, const std::string& results) {
  static const bool enabled = std::getenv("GRAPHRUN_LOG_CONV") != nullptr;
  if (!enabled) return;
  fmt::print(stderr, "cuDNN {}: algo {} with {} math, {} bytes of workspace, from {}; returned: {}\n", what,
             chosen.algo, math_name(chosen.math), chosen.workspace, from, results);
}

// The first of `list` that can run: its workspace, asked again with the math type it will run
// with (Find's report may be short of it, and a DEFAULT-tagged float32 result runs under FMA),
// is known and within the cap. Leaves that math type on the descriptor.
template <typename Calls>
std::optional<Algorithm> first_runnable(cudnnHandle_t handle, const Descriptors& d,
                                        const std::vector<typename Calls::Perf>& list, DType dtype,
                                        cudnnMathType_t asked) {
  for (const auto& p : list) {
    const cudnnMathType_t math = run_math(asked, p.mathType, dtype);
    GR_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, math));
    size_t need = 0;
    if (Calls::workspace(handle, d, p.algo, &need) != CUDNN_STATUS_SUCCESS) continue;
    need = std::max(need, p.memory);
    if (need > kMaxWorkspaceBytes) continue;
    return Algorithm{static_cast<int>(p.algo), math, need};
  }
  return std::nullopt;
}

// cudnnFind*Ex on the kernel's buffers: times every algorithm that fits the workspace (it
// synchronizes the stream, once per distinct convolution in the process) and returns the fastest
// acceptable one. Should none of Find's results be usable, the heuristics' ranking is taken
// instead (untimed), so a convolution the load-time check accepted does not fail here for want
// of a timing; only when neither has one is it an Error, listing what both returned.
template <typename Calls>
Algorithm search(CudaDevice& device, Allocator& allocator, const Descriptors& d, const Buffers& b, DType dtype,
                 cudnnMathType_t math, const std::string& what) {
  using Algo = typename Calls::Algo;
  using Perf = typename Calls::Perf;
  std::lock_guard lock(device.handle_mutex());
  device.activate();
  cudnnHandle_t handle = device.cudnn();
  GR_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, math));
  // Room for the hungriest algorithm under the cap. Algorithms that do not support these
  // descriptors report an error status here: they are simply not counted.
  size_t bytes = 0;
  for (int a = 0; a < Calls::kAlgorithms; ++a) {
    size_t need = 0;
    if (Calls::workspace(handle, d, static_cast<Algo>(a), &need) == CUDNN_STATUS_SUCCESS && need <= kMaxWorkspaceBytes)
      bytes = std::max(bytes, need);
  }
  Tensor workspace = cudnn::workspace(allocator, bytes);
  int count = 0;
  GR_CUDNN_CHECK(Calls::max_count(handle, &count));
  std::vector<Perf> found(static_cast<size_t>(std::max(count, 1)));
  int found_count = 0;
  GR_CUDNN_CHECK(Calls::find(handle, d, b, count, &found_count, found.data(), workspace.raw(), bytes));
  // An algorithm that failed inside Find (its status says so) may leave its CUDA error as this
  // thread's last error, which the next GR_CUDA_CHECK_LAUNCH here would report as its own (PyTorch
  // clears it after failed cuDNN attempts too). A sticky error is not cleared: the next call
  // reports it.
  (void)cudaGetLastError();
  if (auto chosen = first_runnable<Calls>(handle, d, candidates(found, found_count, dtype, math), dtype, math)) {
    log_choice(what, *chosen, "Find", list_results(found, found_count));
    return *chosen;
  }
  GR_CUDNN_CHECK(cudnnSetConvolutionMathType(d.conv, math));
  std::vector<Perf> ranked(static_cast<size_t>(std::max(count, 1)));
  int ranked_count = 0;
  GR_CUDNN_CHECK(Calls::heuristics(handle, d, count, &ranked_count, ranked.data()));
  if (auto chosen = first_runnable<Calls>(handle, d, candidates(ranked, ranked_count, dtype, math), dtype, math)) {
    log_choice(what, *chosen, "the heuristics (no Find result was usable)",
               list_results(found, found_count) + " | heuristics: " + list_results(ranked, ranked_count));
    return *chosen;
  }
  fail("cuDNN has no algorithm for this {} that succeeds within a {} MiB workspace without reducing precision "
       "(Find returned: {}; the heuristics: {})",
       what, kMaxWorkspaceBytes >> 20, list_results(found, found_count), list_results(ranked, ranked_count));
}

// Algorithms by convolution, for the process: a split model's towers, and a graph loaded again
// (or rebuilt for another batch size that was seen before), search once.
struct AlgorithmCache {
  std::mutex mutex;
  std::unordered_map<std::string, Algorithm> entries;
};

AlgorithmCache& algorithm_cache() {
  static AlgorithmCache cache;
  return cache;
}

// The GPU model, for the cache key: the best algorithm depends on it, and gpu:N are not
// necessarily all the same card.
std::string gpu_model(const CudaDevice& device) {
  int major = 0, minor = 0, sms = 0;
  GR_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device.physical()));
  GR_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, device.physical()));
  GR_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device.physical()));
  return fmt::format("sm_{}{} x{}", major, minor, sms);
}

}  // namespace

Convolution::Convolution(const NodeInfo& node, const Conv2DGeometry& g, Direction direction)
    : dtype_(node.kernel_dtype()),
      math_(cudnn::conv_math_type(dtype_)),
      one_(dtype_, 1.0),
      zero_(dtype_, 0.0) {
  Shape x{g.n, g.c, g.h, g.w}, w = g.weight_shape(), y = g.output_shape();
  check_tensor("x", x);
  check_tensor("the weight", w);
  check_tensor(direction == Direction::kForward ? "y" : "dy", y);
  const int sh = int_attr("stride", g.sh), sw = int_attr("stride", g.sw), ph = int_attr("pad", g.ph),
            pw = int_attr("pad", g.pw), dh = int_attr("dilation", g.dh), dw = int_attr("dilation", g.dw);
  what_ = describe(direction, dtype_, math_, g);

  d_.x = cudnn::nchw(dtype_, x);
  d_.y = cudnn::nchw(dtype_, y);
  d_.bias = cudnn::nchw(dtype_, 1, g.filters, 1, 1);
  d_.w = filter(dtype_, w);
  // Cross-correlation, as the reference; float64 computes in double, float32 in float.
  GR_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(d_.conv, ph, pw, sh, sw, dh, dw, CUDNN_CROSS_CORRELATION,
                                                 cudnn::data_type(dtype_)));
  GR_CUDNN_CHECK(cudnnSetConvolutionGroupCount(d_.conv, static_cast<int>(g.groups)));
  GR_CUDNN_CHECK(cudnnSetConvolutionMathType(d_.conv, math_));
  // cuDNN's output size must be the op's (both floor as PyTorch does).
  int dims[4] = {};
  GR_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(d_.conv, d_.x, d_.w, &dims[0], &dims[1], &dims[2], &dims[3]));
  GR_CHECK(Shape({int64_t{dims[0]}, int64_t{dims[1]}, int64_t{dims[2]}, int64_t{dims[3]}}) == y, "cuDNN's output shape [{},{},{},{}] is not the op's {}",
           dims[0], dims[1], dims[2], dims[3], y.str());

  CudaDevice& device = cuda_device(get_device(node.device));
  key_ = fmt::format("{} {} {} math {} x{} w{} y{} stride {}x{} pad {}x{} dilation {}x{} groups {}",
                     direction_name(direction), gpu_model(device), dtype_name(dtype_), static_cast<int>(math_),
                     x.str(), w.str(), y.str(), sh, sw, ph, pw, dh, dw, g.groups);
  switch (direction) {
    case Direction::kForward: require_an_algorithm<ForwardCalls>(device, d_, what_); break;
    case Direction::kBackwardData: require_an_algorithm<BackwardDataCalls>(device, d_, what_); break;
    case Direction::kBackwardFilter: require_an_algorithm<BackwardFilterCalls>(device, d_, what_); break;
  }
}

template <typename Calls>
void Convolution::run(KernelContext& ctx, const Buffers& buffers) {
  CudaDevice& device = cuda_device(ctx.device());
  Allocator& allocator = ctx.device().allocator();
  if (!algorithm_) {
    AlgorithmCache& cache = algorithm_cache();
    // Held through the search: the other tower's identical node waits for it, then reuses it.
    // Lock order: this, then a device's handle mutex (never the other way round).
    std::lock_guard lock(cache.mutex);
    auto it = cache.entries.find(key_);
    if (it == cache.entries.end())
      it = cache.entries.emplace(key_, search<Calls>(device, allocator, d_, buffers, dtype_, math_, what_)).first;
    algorithm_ = it->second;
  }
  const Algorithm& algorithm = *algorithm_;
  Tensor workspace = cudnn::workspace(allocator, algorithm.workspace);
  std::lock_guard lock(device.handle_mutex());
  device.activate();
  GR_CUDNN_CHECK(cudnnSetConvolutionMathType(d_.conv, algorithm.math));
  GR_CUDNN_CHECK(Calls::run(device.cudnn(), d_, buffers, static_cast<typename Calls::Algo>(algorithm.algo),
                            workspace.raw(), algorithm.workspace, one_.get(), zero_.get()));
}

void Convolution::forward(KernelContext& ctx, void* x, void* w, void* bias, void* y) {
  run<ForwardCalls>(ctx, Buffers{x, w, y});
  if (bias == nullptr) return;
  CudaDevice& device = cuda_device(ctx.device());
  std::lock_guard lock(device.handle_mutex());
  device.activate();
  // y = 1 * bias (broadcast over N, OH, OW) + 1 * y
  GR_CUDNN_CHECK(cudnnAddTensor(device.cudnn(), one_.get(), d_.bias, bias, one_.get(), d_.y, y));
}

void Convolution::backward_data(KernelContext& ctx, void* w, void* dy, void* dx) {
  run<BackwardDataCalls>(ctx, Buffers{dx, w, dy});
}

void Convolution::backward_filter(KernelContext& ctx, void* x, void* dy, void* dw, void* dbias) {
  run<BackwardFilterCalls>(ctx, Buffers{x, dw, dy});
  CudaDevice& device = cuda_device(ctx.device());
  std::lock_guard lock(device.handle_mutex());
  device.activate();
  GR_CUDNN_CHECK(cudnnConvolutionBackwardBias(device.cudnn(), one_.get(), d_.y, dy, zero_.get(), d_.bias, dbias));
}

}  // namespace graphrun::conv2d_cudnn
