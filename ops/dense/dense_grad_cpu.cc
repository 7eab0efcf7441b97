// oneDNN Dense backward kernels, built once per node. As in the forward (dense_cpu.cc), every
// operand is read in place: the weight is a Variable the optimizer updates in place and dy
// changes every step, so a blocked layout would cost a reorder per run.
//   dx [N, in]     = dy [N, units] x W [units, in]       (plain operands)
//   dW [units, in] = dy^T [units, N] x x [N, in]         (dy transposed)
//   db [units]     = sum over N of dy                    (a loop over rows of dy: N * units adds,
//                    and oneDNN's reduction refuses N = 1, where nothing is reduced)
// float32 goes through oneDNN's sgemm (its jit gemm). The matmul primitive (brgemm), which the
// forward uses, packs B on every call when B is not the transposed weight the forward reads, and
// when K is the batch; for AlexNet's fc6 and fc7 at batch 32 on 2 cores sgemm took half the time
// for dx and a third for dW (a standalone loop of both, best of 5). bfloat16 (the mixed-precision
// pass) keeps the matmul, which accumulates in float32; so does the bias sum. Both write dW and db
// in float32 where float32_gradients asks it (the matmul's destination type).
#include <algorithm>
#include <vector>

#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class DenseBackpropInputOneDnn final : public OpKernel {
 public:
  explicit DenseBackpropInputOneDnn(const NodeInfo& node)
      : batch_(node.inputs[0].shape[0]), in_(node.inputs[0].shape[1]), units_(node.inputs[1].shape[0]) {
    if (node.kernel_dtype() == DType::kFloat32) return;  // sgemm
    const Shape& x = node.inputs[0].shape;
    const Shape& w = node.inputs[1].shape;
    dy_ = onednn::plain_desc(node.kernel_dtype(), Shape{x[0], w[0]});
    weights_ = onednn::plain_desc(node.kernel_dtype(), w);
    dx_ = onednn::plain_desc(node.kernel_dtype(), x);
    primitive_ = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(dy_, weights_, dx_), onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    if (ctx.input(2).dtype() == DType::kFloat32)
      return onednn::sgemm('N', 'N', batch_, in_, units_, ctx.input(2).data<float>(), units_,
                           ctx.input(1).data<float>(), in_, ctx.output(0).data<float>(), in_);
    onednn::execute(primitive_, {{DNNL_ARG_SRC, onednn::wrap(ctx.input(2), dy_)},
                                 {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(1), weights_)},
                                 {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dx_)}});
  }

 private:
  int64_t batch_, in_, units_;
  dnnl::memory::desc dy_, weights_, dx_;
  dnnl::matmul primitive_;
};

class DenseBackpropWeightOneDnn final : public OpKernel {
 public:
  explicit DenseBackpropWeightOneDnn(const NodeInfo& node)
      : batch_(node.inputs[0].shape[0]), in_(node.inputs[0].shape[1]), units_(node.inputs[1].shape[0]) {
    const DType dtype = node.kernel_dtype();
    if (dtype == DType::kFloat32) return;  // sgemm
    dy_t_ = dnnl::memory::desc({units_, batch_}, onednn::data_type(dtype), dnnl::memory::dims{1, units_});  // dy^T by strides
    x_ = onednn::plain_desc(dtype, node.inputs[0].shape);
    dw_ = onednn::plain_desc(node.outputs[0].dtype, node.outputs[0].shape);
    matmul_ = dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(dy_t_, x_, dw_), onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    const Tensor& dy = ctx.input(2);
    if (dy.dtype() == DType::kFloat32) {
      onednn::sgemm('T', 'N', units_, in_, batch_, dy.data<float>(), units_, ctx.input(0).data<float>(), in_,
                    ctx.output(0).data<float>(), in_);
      return sum_rows(dy.data<float>(), ctx.output(1).data<float>());
    }
    onednn::execute(matmul_, {{DNNL_ARG_SRC, onednn::wrap(dy, dy_t_)},
                              {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(0), x_)},
                              {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dw_)}});
    if (ctx.output(1).dtype() == DType::kFloat32)
      sum_rows(dy.data<bfloat16>(), ctx.output(1).data<float>());
    else
      sum_rows(dy.data<bfloat16>(), ctx.output(1).data<bfloat16>());
  }

 private:
  int64_t batch_, in_, units_;
  dnnl::memory::desc dy_t_, x_, dw_;
  dnnl::matmul matmul_;

  // db[u] = sum over n of g[n, u], summed in float32.
  template <typename T, typename Out>
  void sum_rows(const T* g, Out* db) const {
    std::vector<float> sum(units_, 0.0f);
    for (int64_t n = 0; n < batch_; ++n)
      for (int64_t u = 0; u < units_; ++u) sum[u] += static_cast<float>(g[n * units_ + u]);
    for (int64_t u = 0; u < units_; ++u) db[u] = Out(sum[u]);
  }
};

std::string supports(const NodeInfo& node) { return onednn::float32_or_bfloat16(node.kernel_dtype()); }

GR_REGISTER_KERNEL(KernelBuilder("DenseBackpropInput", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<DenseBackpropInputOneDnn>(DType::kFloat32)
                       .add_class<DenseBackpropInputOneDnn>(DType::kBFloat16));
GR_REGISTER_KERNEL(KernelBuilder("DenseBackpropWeight", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<DenseBackpropWeightOneDnn>(DType::kFloat32)
                       .add_class<DenseBackpropWeightOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
