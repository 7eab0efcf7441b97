// oneDNN Dense backward kernels as matmuls, primitives built once per node. As in the forward
// (dense_cpu.cc), every operand is read in place through strides: the weight is a Variable
// the optimizer updates in place and dy changes every step, so a blocked layout would cost a
// reorder per run. float32, and bfloat16 for the mixed-precision pass (matmuls accumulate in
// float32; so does the bias sum).
//   dx [N, in]     = dy [N, units] x W [units, in]       (plain operands)
//   dW [units, in] = dy^T [units, N] x x [N, in]         (dy^T by strides {1, units})
//   db [units]     = sum over N of dy                    (a loop over rows of dy: N * units adds,
//                    and oneDNN's reduction refuses N = 1, where nothing is reduced)
#include <algorithm>
#include <vector>

#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class DenseBackpropInputOneDnn final : public OpKernel {
 public:
  explicit DenseBackpropInputOneDnn(const NodeInfo& node) {
    const Shape& x = node.inputs[0].shape;
    const Shape& w = node.inputs[1].shape;
    dy_ = onednn::plain_desc(node.kernel_dtype(), Shape{x[0], w[0]});
    weights_ = onednn::plain_desc(node.kernel_dtype(), w);
    dx_ = onednn::plain_desc(node.kernel_dtype(), x);
    dnnl::matmul::desc desc(dy_, weights_, dx_);
    primitive_ = dnnl::matmul(dnnl::matmul::primitive_desc(desc, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    onednn::execute(primitive_, {{DNNL_ARG_SRC, onednn::wrap(ctx.input(2), dy_)},
                                          {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(1), weights_)},
                                          {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dx_)}});
  }

 private:
  dnnl::memory::desc dy_, weights_, dx_;
  dnnl::matmul primitive_;
};

class DenseBackpropWeightOneDnn final : public OpKernel {
 public:
  explicit DenseBackpropWeightOneDnn(const NodeInfo& node) {
    const Shape& x = node.inputs[0].shape;
    int64_t batch = x[0], units = node.inputs[1].shape[0];
    const DType dtype = node.kernel_dtype();
    dy_t_ = dnnl::memory::desc({units, batch}, onednn::data_type(dtype), dnnl::memory::dims{1, units});  // dy^T by strides
    x_ = onednn::plain_desc(dtype, x);
    dw_ = onednn::plain_desc(dtype, node.outputs[0].shape);
    dnnl::matmul::desc desc(dy_t_, x_, dw_);
    matmul_ = dnnl::matmul(dnnl::matmul::primitive_desc(desc, onednn::engine()));
    batch_ = batch;
    units_ = units;
  }
  void compute(KernelContext& ctx) override {
    const Tensor& dy = ctx.input(2);
    onednn::execute(matmul_, {{DNNL_ARG_SRC, onednn::wrap(dy, dy_t_)},
                                       {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(0), x_)},
                                       {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dw_)}});
    if (dy.dtype() == DType::kBFloat16)
      sum_rows(dy.data<bfloat16>(), ctx.output(1).data<bfloat16>());
    else
      sum_rows(dy.data<float>(), ctx.output(1).data<float>());
  }

 private:
  int64_t batch_ = 0, units_ = 0;
  dnnl::memory::desc dy_t_, x_, dw_;
  dnnl::matmul matmul_;

  // db[u] = sum over n of g[n, u], summed in float32.
  template <typename T>
  void sum_rows(const T* g, T* db) const {
    std::vector<float> sum(units_, 0.0f);
    for (int64_t n = 0; n < batch_; ++n)
      for (int64_t u = 0; u < units_; ++u) sum[u] += static_cast<float>(g[n * units_ + u]);
    for (int64_t u = 0; u < units_; ++u) db[u] = T(sum[u]);
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
