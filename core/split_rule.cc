#include "core/split_rule.h"

namespace graphrun::split_rules {

SplitDecision elementwise(const SplitContext& ctx) {
  if (ctx.inputs.empty() || ctx.inputs[0].whole()) return SplitDecision::run_whole();
  int axis = ctx.inputs[0].axis;
  for (const Layout& layout : ctx.inputs)
    if (!(layout == ctx.inputs[0])) return SplitDecision::run_whole();
  SplitDecision d;
  d.sharded = true;
  d.inputs = ctx.inputs;
  d.output_axis = axis;
  return d;
}

SplitDecision channels(const SplitContext& ctx) {
  if (ctx.inputs.size() != 1 || !(ctx.inputs[0] == Layout::split(1))) return SplitDecision::run_whole();
  SplitDecision d;
  d.sharded = true;
  d.inputs = {Layout::split(1)};
  d.output_axis = 1;
  return d;
}

SplitDecision gather_then_split_features(const SplitContext& ctx, const std::string& count_attr) {
  if (ctx.attrs.i(count_attr) % ctx.parts != 0) return SplitDecision::run_whole();
  SplitDecision d;
  d.sharded = true;
  d.inputs.push_back(Layout::whole_tensor());
  for (int i = ctx.num_data_inputs; i < static_cast<int>(ctx.input_shapes.size()); ++i)
    d.inputs.push_back(Layout::split(0));
  d.output_axis = 1;
  int64_t count = ctx.attrs.i(count_attr);
  d.shard_attrs = [count_attr, count](int, int parts) { return ShardAttrs{{count_attr, attr_int(count / parts)}}; };
  return d;
}

SplitDecision batch(const SplitContext& ctx) {
  if (ctx.input_shapes.empty() || ctx.input_shapes[0].rank() == 0 || ctx.output_shape.rank() == 0)
    return SplitDecision::run_whole();
  SplitDecision d;
  d.sharded = true;
  for (int i = 0; i < static_cast<int>(ctx.input_shapes.size()); ++i)
    d.inputs.push_back(i < ctx.num_data_inputs ? Layout::split(0) : Layout::whole_tensor());
  d.output_axis = 0;
  return d;
}

SplitFn per_sample(SplitFn model_rule) {
  return [model_rule = std::move(model_rule)](const SplitContext& ctx) {
    return ctx.batch_parallel ? batch(ctx) : model_rule(ctx);
  };
}

}  // namespace graphrun::split_rules
