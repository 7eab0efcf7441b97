// Split rules: how an op runs across N devices. The split pass (runtime/passes/split) asks each
// node's rule how it runs given how its inputs lie: as N shards, each reading a part (or the
// whole) of each input and producing part k of its output on device k; or whole on one device,
// its inputs gathered there. An op without a rule runs whole. Only ops with one output can shard.
// Two axes: the model's (channels and features, as the AlexNet paper split its net across two
// GPUs) and the batch's (data parallelism: each device its share of the samples, the
// parameters replicated). The pass says which one a node should take (batch_parallel).
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/attrs.h"
#include "core/shape.h"

namespace graphrun {

// How a logical tensor lies across the devices: whole on one device, or cut into N equal
// parts along `axis` with part k on device k.
struct Layout {
  int axis = -1;  // -1: whole
  bool whole() const { return axis < 0; }
  static Layout whole_tensor() { return {}; }
  static Layout split(int axis) { return {axis}; }
  bool operator==(const Layout&) const = default;
};

struct SplitContext {
  std::string op;
  std::string node;
  const AttrMap& attrs;
  int parts;                  // number of devices
  int num_data_inputs;        // inputs before implicit parameters (weight, bias)
  std::vector<Shape> input_shapes;
  std::vector<Layout> inputs;  // how each input lies now
  Shape output_shape;          // output 0, logical
  // The pass asks this node to run on a share of the batch on each device (--parallel data, or
  // hybrid before the first fully connected layer); rules of per-sample ops then cut axis 0.
  bool batch_parallel = false;

  // Whether dimension `axis` of `shape` cuts into `parts` equal parts.
  bool divisible(const Shape& shape, int axis) const {
    return axis >= 0 && axis < shape.rank() && shape[axis] % parts == 0;
  }
};

using ShardAttrs = std::vector<std::pair<std::string, proto::Attr>>;

struct SplitDecision {
  bool sharded = false;  // false: the node runs whole on one device
  // Per input (data inputs, then parameters): the part each shard reads (split(axis): its part
  // k; whole: the whole tensor, gathered on every device if it is split).
  std::vector<Layout> inputs;
  int output_axis = -1;  // the axis output 0's parts lie along
  // Attrs that differ per shard (a grouped conv's `groups` / N, dropout's mask slice).
  std::function<ShardAttrs(int part, int parts)> shard_attrs;

  static SplitDecision run_whole() { return {}; }
};

using SplitFn = std::function<SplitDecision(const SplitContext&)>;

// Rules shared by many ops.
namespace split_rules {
// Keeps the split: when every input is split along the same axis the node shards along it
// (ReLU, Dropout, Add, Identity); otherwise it runs whole.
SplitDecision elementwise(const SplitContext& ctx);
// Keeps a split along the channels (axis 1) of NCHW input 0; runs whole otherwise (pooling).
SplitDecision channels(const SplitContext& ctx);
// A layer that reads its whole input and computes N slices of its output features (a conv
// with groups 1, a fully connected layer): input 0 whole on every device, parameters cut
// along their output axis 0, output split along axis 1. `count_attr` ("filters", "units") is
// divided by N in each shard.
SplitDecision gather_then_split_features(const SplitContext& ctx, const std::string& count_attr);
// Data parallelism for a per-sample op (sample i of the output depends only on sample i of the
// data inputs): every data input cut along the batch (axis 0), the parameters read whole (each
// device its replica), the output split along the batch.
SplitDecision batch(const SplitContext& ctx);
// The rule of a per-sample op: `batch` where the pass asks for data parallelism, else `model_rule`.
SplitFn per_sample(SplitFn model_rule);
}  // namespace split_rules

}  // namespace graphrun
