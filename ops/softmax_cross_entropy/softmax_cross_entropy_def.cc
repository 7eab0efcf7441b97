// SoftmaxCrossEntropy: the classification loss of PyTorch's cross_entropy (mean reduction).
// With logits x [N, C] and labels l [N] (class indices):
//   loss = (1/N) sum_n -log softmax(x_n)[l_n] = (1/N) sum_n (lse(x_n) - x_n[l_n]),
//   lse(v) = m + log sum_c exp(v_c - m), m = max_c v_c   (no exp overflows),
//   probabilities = exp(x - lse(x)) (output 1, for metrics; the same numbers as softmax).
// Gradient (SoftmaxCrossEntropyGrad): dx = (softmax(x) - onehot(l)) * dloss / N. N is read
// from the tensors at run time, so the graph rebinds to another batch size.
// Labels take no gradient. A gradient into output 1 (probabilities) is added through SoftmaxGrad.
#include "core/gradient.h"
#include "core/kernel_registry.h"
#include "ops/common/shape_fns.h"

namespace graphrun {

namespace {

// Checks logits [N, C] (float) and labels [N] (int32/int64); returns the logits' shape.
const Shape& check_logits_and_labels(const InferenceContext& ctx) {
  const Shape& logits = ctx.input_shape(0);
  const Shape& labels = ctx.input_shape(1);
  if (!is_floating(ctx.input_dtype(0)))
    ctx.error("input 0 (logits) must be float32 or float64, got {}", dtype_name(ctx.input_dtype(0)));
  if (ctx.input_dtype(1) != DType::kInt64 && ctx.input_dtype(1) != DType::kInt32)
    ctx.error("input 1 (labels) must be int64 or int32 class indices, got {}", dtype_name(ctx.input_dtype(1)));
  if (logits.rank() != 2) ctx.error("input 0 (logits) must have rank 2 [batch, classes], got shape {}", logits.str());
  if (labels.rank() != 1 || labels[0] != logits[0])
    ctx.error("input 1 (labels) has shape {}, expected [batch] = [{}] for logits of shape {}", labels.str(), logits[0],
              logits.str());
  return logits;
}

// Per logit: max, subtract, exp, sum, log and the probability.
CostFn softmax_cost() {
  return [](const InferenceContext& ctx) {
    return Cost{6.0 * static_cast<double>(ctx.input_shape(0).num_elements()), shape_fns::io_bytes(ctx)};
  };
}

}  // namespace

GR_REGISTER_OP("SoftmaxCrossEntropy")
    .doc("Mean over the batch of -log softmax(logits)[label] (PyTorch's cross_entropy); also the probabilities.")
    .input("logits", "[batch, classes], float")
    .input("labels", "[batch], int64 or int32 class indices in [0, classes)")
    .output("loss", "scalar (rank 0)")
    .output("probabilities", "softmax(logits) [batch, classes]")
    .no_gradient({1})
    .shape_fn([](InferenceContext& ctx) {
      const Shape& logits = check_logits_and_labels(ctx);
      ctx.set_output(0, ctx.input_dtype(0), Shape{});
      ctx.set_output(1, ctx.input_dtype(0), logits);
    })
    .cost_fn(softmax_cost())
    .grad([](GradContext& g) {
      std::vector<std::string> parts;
      if (!g.grad_output(0).empty())
        parts.push_back(g.add("xent", "SoftmaxCrossEntropyGrad", {g.input(0), g.input(1), g.grad_output(0)}));
      // Usually nothing flows into the probabilities (metrics only); if something does, it
      // is the softmax's gradient.
      if (!g.grad_output(1).empty())
        parts.push_back(
            g.add("probabilities", "SoftmaxGrad", {g.grad_output(1), g.output(1)}, {{"axis", attr_int(-1)}}));
      g.set_grad_input(0, parts.size() == 1 ? parts[0] : g.add("sum", "AddN", parts));
    });

GR_REGISTER_OP("SoftmaxCrossEntropyGrad")
    .doc("Gradient of SoftmaxCrossEntropy's loss: dlogits = (softmax(logits) - onehot(labels)) * dloss / batch.")
    .input("logits", "the forward's logits [batch, classes]")
    .input("labels", "the forward's labels [batch]")
    .input("dloss", "gradient of the loss, a scalar")
    .output("dlogits", "[batch, classes]")
    .shape_fn([](InferenceContext& ctx) {
      const Shape& logits = check_logits_and_labels(ctx);
      if (ctx.input_dtype(2) != ctx.input_dtype(0))
        ctx.error("input 2 (dloss) is {} but input 0 (logits) is {}", dtype_name(ctx.input_dtype(2)),
                  dtype_name(ctx.input_dtype(0)));
      if (ctx.input_shape(2).num_elements() != 1)
        ctx.error("input 2 (dloss) must be a scalar, got shape {}", ctx.input_shape(2).str());
      ctx.set_output(0, ctx.input_dtype(0), logits);
    })
    .cost_fn(softmax_cost());

}  // namespace graphrun
