// oneDNN LRNGrad (lrn_backward, lrn_across_channels), primitives built once per node, on the
// [N * groups, C / groups, H, W] view of x as the forward (lrn_view.h).
// Two measured choices (oneDNN 2.6, AlexNet norm1 at batch 128):
// - On plain NCHW oneDNN runs LRN backward with its reference implementation (lrn_ref, 2.2 s);
//   its jit kernels take only blocked layouts (nChw16c: about 0.05 s, reorders and recomputed
//   forward included). So it computes in the first blocked layout that gets a jit backward; x, dy
//   and dx are reordered only where they lie otherwise (plain, unless the blocked-layout pass
//   chose nChw16c for them).
// - The backward reads a workspace only the forward (forward_training) writes, and graphrun
//   passes nothing between nodes, so the kernel recomputes the forward from x. The work goes in
//   chunks of the N * groups image-groups so the workspace (and the blocked copies, where x, dy
//   or dx lie plain) stay in cache and cost little memory: 1 MiB chunks with copies (about 2x
//   faster than the whole batch at once), 4 MiB without (AlexNet at batch 32, whose LRN tensors
//   the blocked-layout pass keeps blocked: 1 MiB made many small calls, and LRNGrad took about
//   1.5x the time; the whole batch at once was little faster than 4 MiB and kept 120 MB more).
#include <cstring>

#include "core/kernel_registry.h"
#include "ops/common/onednn.h"
#include "ops/lrn/lrn_view.h"

namespace graphrun {

namespace {

using tag = dnnl::memory::format_tag;

// The largest divisor of `items` whose chunk stays within `chunk_bytes` (at least 1), so one set
// of primitives covers every chunk.
int64_t chunk_items(int64_t items, int64_t item_bytes, int64_t chunk_bytes) {
  int64_t best = 1;
  for (int64_t k = 1; k <= items && k * item_bytes <= chunk_bytes; ++k)
    if (items % k == 0) best = k;
  return best;
}

class LrnGradOneDnn final : public OpKernel {
 public:
  explicit LrnGradOneDnn(const NodeInfo& node) : element_bytes_(dtype_size(node.kernel_dtype())) {
    const Shape& x = node.inputs[1].shape;
    const int64_t groups = node.attrs.i("groups"), items = x[0] * groups;
    const int64_t item_elements = x.num_elements() / items;  // one [C / groups, H, W] image-group
    const bool blocked = node.inputs[0].layout == MemoryLayout::kBlocked16 &&
                         node.inputs[1].layout == MemoryLayout::kBlocked16 &&
                         node.outputs[0].layout == MemoryLayout::kBlocked16;
    const int64_t chunk = chunk_items(items, item_elements * static_cast<int64_t>(element_bytes_),
                                      int64_t{blocked ? 4 : 1} << 20);
    chunks_ = items / chunk;
    chunk_elements_ = chunk * item_elements;
    const Shape view = lrn::group_view(node.inputs[1], groups, chunk).shape;
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

    auto actual = [&](const TensorInfo& t) { return onednn::desc_of(lrn::group_view(t, groups, chunk)); };
    dy_ = onednn::Staged(actual(node.inputs[0]), bwd_pd.diff_dst_desc(), false);
    x_ = onednn::Staged(actual(node.inputs[1]), fwd_pd.src_desc(), false);
    dx_ = onednn::Staged(actual(node.outputs[0]), bwd_pd.diff_src_desc(), true);
    workspace_ = dnnl::memory(fwd_pd.workspace_desc(), onednn::engine());
  }

  void compute(KernelContext& ctx) override {
    // Bytes, as float32 and bfloat16 chunks both are; a chunk is contiguous in either layout.
    auto* dy = static_cast<char*>(ctx.input(0).raw());
    auto* x = static_cast<char*>(ctx.input(1).raw());
    auto* dx = static_cast<char*>(ctx.output(0).raw());
    const size_t chunk_bytes = static_cast<size_t>(chunk_elements_) * element_bytes_;
    dnnl::stream& stream = onednn::stream();
    for (int64_t k = 0; k < chunks_; ++k) {
      const size_t at = k * chunk_bytes;
      const dnnl::memory src = x_.in(x + at, stream), diff_dst = dy_.in(dy + at, stream), diff_src = dx_.out(dx + at);
      // The recomputed y is not needed: it goes into dx, which the backward then overwrites (LRNGrad's
      // dx never shares a buffer with its inputs).
      forward_.execute(stream, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, diff_src}, {DNNL_ARG_WORKSPACE, workspace_}});
      backward_.execute(stream, {{DNNL_ARG_SRC, src},
                                 {DNNL_ARG_DIFF_DST, diff_dst},
                                 {DNNL_ARG_WORKSPACE, workspace_},
                                 {DNNL_ARG_DIFF_SRC, diff_src}});
      dx_.finish(dx + at, stream);
    }
    stream.wait();
  }

 private:
  size_t element_bytes_;
  int64_t chunks_ = 1, chunk_elements_ = 0;
  dnnl::lrn_forward forward_;
  dnnl::lrn_backward backward_;
  onednn::Staged dy_, x_, dx_;  // one chunk, as it lies and as the primitives take it
  dnnl::memory workspace_;
};

GR_REGISTER_KERNEL(onednn::kernel_builder("LRNGrad")
                       .any_layout({0, 1}, {0}, lrn::node_groups_fit_blocks)
                       .add_class<LrnGradOneDnn>(DType::kFloat32)
                       .add_class<LrnGradOneDnn>(DType::kBFloat16));

}  // namespace
}  // namespace graphrun
