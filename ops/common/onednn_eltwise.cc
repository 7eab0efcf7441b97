#include "ops/common/onednn_eltwise.h"

namespace graphrun::onednn {

namespace {

dnnl::memory::desc flat_desc(const NodeInfo& node) {
  return plain_desc(node.kernel_dtype(), Shape{node.inputs[0].shape.num_elements()});
}

class EltwiseForward final : public OpKernel {
 public:
  EltwiseForward(const NodeInfo& node, EltwiseAlgorithm a) : desc_(flat_desc(node)) {
    dnnl::eltwise_forward::desc op(dnnl::prop_kind::forward_inference, a.algorithm, desc_, a.alpha, a.beta);
    primitive_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(op, engine()));
  }
  void compute(KernelContext& ctx) override {
    execute(primitive_, {{DNNL_ARG_SRC, wrap(ctx.input(0), desc_)}, {DNNL_ARG_DST, wrap(ctx.output(0), desc_)}});
  }

 private:
  dnnl::memory::desc desc_;
  dnnl::eltwise_forward primitive_;
};

class EltwiseBackward final : public OpKernel {
 public:
  EltwiseBackward(const NodeInfo& node, EltwiseAlgorithm a, bool data_is_output)
      : desc_(flat_desc(node)), data_arg_(data_is_output ? DNNL_ARG_DST : DNNL_ARG_SRC) {
    // oneDNN builds a backward primitive from a forward one's descriptor (its hint).
    dnnl::eltwise_forward::desc forward(dnnl::prop_kind::forward_training, a.algorithm, desc_, a.alpha, a.beta);
    dnnl::eltwise_forward::primitive_desc hint(forward, engine());
    dnnl::eltwise_backward::desc backward(a.algorithm, desc_, desc_, a.alpha, a.beta);
    primitive_ = dnnl::eltwise_backward(dnnl::eltwise_backward::primitive_desc(backward, engine(), hint));
  }
  void compute(KernelContext& ctx) override {
    execute(primitive_, {{DNNL_ARG_DIFF_DST, wrap(ctx.input(0), desc_)},
                         {data_arg_, wrap(ctx.input(1), desc_)},
                         {DNNL_ARG_DIFF_SRC, wrap(ctx.output(0), desc_)}});
  }

 private:
  dnnl::memory::desc desc_;
  int data_arg_;
  dnnl::eltwise_backward primitive_;
};

}  // namespace

KernelBuilder eltwise_forward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm,
                                     std::initializer_list<DType> dtypes) {
  KernelBuilder builder = kernel_builder(op);
  for (DType dtype : dtypes)
    builder.add_one(dtype, [algorithm](const NodeInfo& node) {
      return std::unique_ptr<OpKernel>(std::make_unique<EltwiseForward>(node, algorithm(node.attrs)));
    });
  return builder;
}

KernelBuilder eltwise_backward_kernel(const std::string& op, EltwiseAlgorithmFn algorithm, bool data_is_output,
                                      std::initializer_list<DType> dtypes) {
  KernelBuilder builder = kernel_builder(op);
  for (DType dtype : dtypes)
    builder.add_one(dtype, [algorithm, data_is_output](const NodeInfo& node) {
      return std::unique_ptr<OpKernel>(std::make_unique<EltwiseBackward>(node, algorithm(node.attrs), data_is_output));
    });
  return builder;
}

}  // namespace graphrun::onednn
