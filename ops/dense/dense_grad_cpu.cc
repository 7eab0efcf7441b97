// oneDNN Dense backward kernels as matmuls, primitives built once per node. As in the forward
// (dense_cpu.cc), every operand is read in place through strides: the weight is a Variable
// the optimizer updates in place and dy changes every step, so a blocked layout would cost a
// reorder per run.
//   dx [N, in]     = dy [N, units] x W [units, in]       (plain operands)
//   dW [units, in] = dy^T [units, N] x x [N, in]         (dy^T by strides {1, units})
//   db [units]     = sum over N of dy                    (reduction primitive)
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

using dt = dnnl::memory::data_type;

class DenseBackpropInputOneDnn final : public OpKernel {
 public:
  explicit DenseBackpropInputOneDnn(const NodeInfo& node) {
    const Shape& x = node.inputs[0].shape;
    const Shape& w = node.inputs[1].shape;
    dy_ = onednn::plain_desc(DType::kFloat32, Shape{x[0], w[0]});
    weights_ = onednn::plain_desc(DType::kFloat32, w);
    dx_ = onednn::plain_desc(DType::kFloat32, x);
    dnnl::matmul::desc desc(dy_, weights_, dx_);
    primitive_ = dnnl::matmul(dnnl::matmul::primitive_desc(desc, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    primitive_.execute(onednn::stream(), {{DNNL_ARG_SRC, onednn::wrap(ctx.input(2), dy_)},
                                          {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(1), weights_)},
                                          {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dx_)}});
    onednn::stream().wait();
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
    dy_t_ = dnnl::memory::desc({units, batch}, dt::f32, dnnl::memory::dims{1, units});  // dy^T by strides
    x_ = onednn::plain_desc(DType::kFloat32, x);
    dw_ = onednn::plain_desc(DType::kFloat32, node.outputs[0].shape);
    dnnl::matmul::desc desc(dy_t_, x_, dw_);
    matmul_ = dnnl::matmul(dnnl::matmul::primitive_desc(desc, onednn::engine()));

    dy_ = onednn::plain_desc(DType::kFloat32, Shape{batch, units});
    db_ = onednn::plain_desc(DType::kFloat32, Shape{1, units});
    dnnl::reduction::desc sum(dnnl::algorithm::reduction_sum, dy_, db_, 0.f, 0.f);
    reduction_ = dnnl::reduction(dnnl::reduction::primitive_desc(sum, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    const Tensor& dy = ctx.input(2);
    matmul_.execute(onednn::stream(), {{DNNL_ARG_SRC, onednn::wrap(dy, dy_t_)},
                                       {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(0), x_)},
                                       {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dw_)}});
    reduction_.execute(onednn::stream(),
                       {{DNNL_ARG_SRC, onednn::wrap(dy, dy_)}, {DNNL_ARG_DST, onednn::wrap(ctx.output(1), db_)}});
    onednn::stream().wait();
  }

 private:
  dnnl::memory::desc dy_t_, x_, dw_, dy_, db_;
  dnnl::matmul matmul_;
  dnnl::reduction reduction_;
};

std::string supports(const NodeInfo& node) { return onednn::float32_only(node.kernel_dtype()); }

GR_REGISTER_KERNEL(KernelBuilder("DenseBackpropInput", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<DenseBackpropInputOneDnn>(DType::kFloat32));
GR_REGISTER_KERNEL(KernelBuilder("DenseBackpropWeight", DeviceType::kCPU, "onednn", 10)
                       .supports(supports)
                       .add_class<DenseBackpropWeightOneDnn>(DType::kFloat32));

}  // namespace
}  // namespace graphrun
