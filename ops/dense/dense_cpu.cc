// oneDNN Dense as a matmul, primitive built once per node.
//
// Why matmul and not inner_product: the weights are a Variable that training updates in place,
// so a blocked weight layout (inner_product with format `any`) would need a reorder on every
// run. matmul reads W [units, in] directly as W^T [in, units] through strides, with no reorder.
// Measured for AlexNet fc6 ([16,9216] x [9216,4096], oneDNN 2.6.3, mean of 20 runs):
//   16-core Xeon (AVX-512): matmul 2.6 ms; inner_product 2.1 ms + 3.9 ms weight reorder per run;
//     inner_product on plain [out,in] weights (jit gemm) 6.6 ms; PyTorch 2.11 + MKL Linear 3.9 ms.
//   2 threads of it: matmul 12.8 ms; inner_product 14.3 + 17.6 ms reorder; PyTorch 14.4 ms.
//   2-core dev VM: matmul 26 ms; inner_product 34 + 43 ms reorder; Debian PyTorch 1.13 (generic
//     BLAS) 800 ms.
#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

class DenseOneDnn final : public OpKernel {
 public:
  explicit DenseOneDnn(const NodeInfo& node) : use_bias_(node.attrs.b("use_bias")) {
    // float32, or bfloat16 for the mixed-precision pass (products accumulated in float32).
    const DType dtype = node.kernel_dtype();
    const auto dt = onednn::data_type(dtype);
    const Shape& x = node.inputs[0].shape;
    int64_t batch = x[0], in = x[1], units = node.attrs.i("units");
    src_ = onednn::plain_desc(dtype, x);
    weights_ = dnnl::memory::desc({in, units}, dt, dnnl::memory::dims{1, in});  // W^T by strides
    bias_ = dnnl::memory::desc({1, units}, dt, dnnl::memory::format_tag::ab);
    dst_ = onednn::plain_desc(dtype, Shape{batch, units});
    auto desc = use_bias_ ? dnnl::matmul::desc(src_, weights_, bias_, dst_) : dnnl::matmul::desc(src_, weights_, dst_);
    primitive_ = dnnl::matmul(dnnl::matmul::primitive_desc(desc, onednn::engine()));
  }
  void compute(KernelContext& ctx) override {
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, onednn::wrap(ctx.input(0), src_)},
                                               {DNNL_ARG_WEIGHTS, onednn::wrap(ctx.input(1), weights_)},
                                               {DNNL_ARG_DST, onednn::wrap(ctx.output(0), dst_)}};
    if (use_bias_) args.emplace(DNNL_ARG_BIAS, onednn::wrap(ctx.input(2), bias_));
    onednn::execute(primitive_, args);
  }

 private:
  bool use_bias_;
  dnnl::memory::desc src_, weights_, bias_, dst_;
  dnnl::matmul primitive_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("Dense")
                       .add_class<DenseOneDnn>(DType::kFloat32)
                       .add_class<DenseOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
