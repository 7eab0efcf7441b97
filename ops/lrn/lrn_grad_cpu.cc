// oneDNN LRNGrad (lrn_backward, lrn_across_channels), primitives built once per node, on the
// [N * groups, C / groups, H, W] view of x as the forward (lrn_cpu.cc).
// Two measured choices (oneDNN 2.6, AlexNet norm1 at batch 128):
// - On plain NCHW oneDNN runs LRN backward with its reference implementation (lrn_ref, 2.2 s);
//   its jit kernels take only blocked layouts (nChw16c: about 0.05 s, reorders and recomputed
//   forward included). So x and dy are reordered into the first blocked layout that gets a jit
//   backward, and dx back.
// - The backward reads a workspace only the forward (forward_training) writes, and graphrun
//   passes nothing between nodes, so the kernel recomputes the forward from x. The work goes in
//   chunks of the N * groups images of about 1 MiB so the blocked copies and the workspace stay
//   in cache (about 2x faster than the whole batch at once) and cost little memory.
#include <cstring>

#include "core/kernel_registry.h"
#include "ops/common/onednn.h"

namespace graphrun {

namespace {

using tag = dnnl::memory::format_tag;

constexpr int64_t kChunkBytes = int64_t{1} << 20;

// The largest divisor of `items` whose chunk stays within kChunkBytes (at least 1), so one set
// of primitives covers every chunk.
int64_t chunk_items(int64_t items, int64_t item_bytes) {
  int64_t best = 1;
  for (int64_t k = 1; k <= items && k * item_bytes <= kChunkBytes; ++k)
    if (items % k == 0) best = k;
  return best;
}

class LrnGradOneDnn final : public OpKernel {
 public:
  explicit LrnGradOneDnn(const NodeInfo& node) : element_bytes_(dtype_size(node.kernel_dtype())) {
    const Shape& x = node.inputs[1].shape;
    const int64_t groups = node.attrs.i("groups"), items = x[0] * groups;
    const int64_t item_elements = x.num_elements() / items;  // one [C / groups, H, W] image-group
    const int64_t chunk = chunk_items(items, item_elements * static_cast<int64_t>(element_bytes_));
    chunks_ = items / chunk;
    chunk_elements_ = chunk * item_elements;
    Shape view{chunk, x[1] / groups, x[2], x[3]};
    const auto size = node.attrs.i("size");
    const auto alpha = static_cast<float>(node.attrs.f("alpha")), beta = static_cast<float>(node.attrs.f("beta")),
               bias = static_cast<float>(node.attrs.f("bias"));

    dnnl::lrn_forward::primitive_desc fwd_pd;
    dnnl::lrn_backward::primitive_desc bwd_pd;
    // Plain last: it always works, with the slow reference backward.
    for (tag layout : {tag::nChw16c, tag::nChw8c, tag::nchw}) {
      dnnl::memory::desc data(onednn::dims(view), onednn::data_type(node.kernel_dtype()), layout);
      dnnl::lrn_forward::desc fwd(dnnl::prop_kind::forward_training, dnnl::algorithm::lrn_across_channels, data, size,
                                  alpha, beta, bias);
      fwd_pd = dnnl::lrn_forward::primitive_desc(fwd, onednn::engine());
      dnnl::lrn_backward::desc bwd(dnnl::algorithm::lrn_across_channels, data, data, size, alpha, beta, bias);
      bwd_pd = dnnl::lrn_backward::primitive_desc(bwd, onednn::engine(), fwd_pd);
      if (std::strstr(bwd_pd.impl_info_str(), "ref") == nullptr) break;
    }
    forward_ = dnnl::lrn_forward(fwd_pd);
    backward_ = dnnl::lrn_backward(bwd_pd);

    const dnnl::memory::desc plain = onednn::plain_desc(node.kernel_dtype(), view);
    x_plain_ = dnnl::memory(plain, onednn::engine(), nullptr);
    dy_plain_ = dnnl::memory(plain, onednn::engine(), nullptr);
    dx_plain_ = dnnl::memory(plain, onednn::engine(), nullptr);
    x_ = dnnl::memory(fwd_pd.src_desc(), onednn::engine());
    dy_ = dnnl::memory(bwd_pd.diff_dst_desc(), onednn::engine());
    dx_ = dnnl::memory(bwd_pd.diff_src_desc(), onednn::engine());
    workspace_ = dnnl::memory(fwd_pd.workspace_desc(), onednn::engine());
    to_blocked_ = dnnl::reorder(x_plain_, x_);
    to_plain_ = dnnl::reorder(dx_, dx_plain_);
  }

  void compute(KernelContext& ctx) override {
    // Bytes, as float32 and bfloat16 chunks both are.
    auto* dy = static_cast<char*>(ctx.input(0).raw());
    auto* x = static_cast<char*>(ctx.input(1).raw());
    auto* dx = static_cast<char*>(ctx.output(0).raw());
    const size_t chunk_bytes = static_cast<size_t>(chunk_elements_) * element_bytes_;
    dnnl::stream& stream = onednn::stream();
    for (int64_t k = 0; k < chunks_; ++k) {
      x_plain_.set_data_handle(x + k * chunk_bytes);
      dy_plain_.set_data_handle(dy + k * chunk_bytes);
      dx_plain_.set_data_handle(dx + k * chunk_bytes);
      to_blocked_.execute(stream, x_plain_, x_);
      to_blocked_.execute(stream, dy_plain_, dy_);
      // The recomputed y is not needed: it goes into dx_, which the backward then overwrites.
      forward_.execute(stream, {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DST, dx_}, {DNNL_ARG_WORKSPACE, workspace_}});
      backward_.execute(
          stream,
          {{DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_WORKSPACE, workspace_}, {DNNL_ARG_DIFF_SRC, dx_}});
      to_plain_.execute(stream, dx_, dx_plain_);
    }
    stream.wait();
  }

 private:
  size_t element_bytes_;
  int64_t chunks_ = 1, chunk_elements_ = 0;
  dnnl::lrn_forward forward_;
  dnnl::lrn_backward backward_;
  dnnl::reorder to_blocked_, to_plain_;
  dnnl::memory x_plain_, dy_plain_, dx_plain_;  // views of the tensors, moved chunk by chunk
  dnnl::memory x_, dy_, dx_, workspace_;        // one chunk in the chosen layout
};

GR_REGISTER_KERNEL(onednn::kernel_builder("LRNGrad")
                       .add_class<LrnGradOneDnn>(DType::kFloat32)
                       .add_class<LrnGradOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
