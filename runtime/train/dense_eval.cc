#include "runtime/train/dense_eval.h"

#include <algorithm>

#include "core/error.h"
#include "runtime/train/training_graph.h"

namespace graphrun {

namespace {

proto::Attr int_list(const std::string& name, std::vector<int64_t> values) {
  proto::Attr a;
  a.set_name(name);
  for (int64_t v : values) a.mutable_ints()->add_v(v);
  return a;
}

proto::Attr shape_attr(const std::string& name, std::vector<int64_t> dims) {
  proto::Attr a;
  a.set_name(name);
  for (int64_t d : dims) a.mutable_shape()->add_dim(d);
  return a;
}

proto::Attr int_attr(const std::string& name, int64_t value) {
  proto::Attr a;
  a.set_name(name);
  a.set_i(value);
  return a;
}

bool reads(const proto::Node& node, const std::string& name) {
  return std::any_of(node.input().begin(), node.input().end(),
                     [&](const std::string& in) { return in == name || in == name + ":0"; });
}

}  // namespace

DenseGraph dense_evaluation_graph(const Graph& model, int64_t height, int64_t width) {
  std::vector<int> placeholders = model.nodes_with_op("Placeholder"), dense = model.nodes_with_op("Dense");
  if (placeholders.empty()) fail("--dense: graph '{}' has no Placeholder for images", model.name);
  if (dense.empty()) fail("--dense: graph '{}' has no fully connected (Dense) layer to apply convolutionally", model.name);
  const Node& input = model.nodes[placeholders[0]];
  const Shape& input_shape = input.outputs[0].shape;
  if (input_shape.rank() != 4) fail("--dense: input '{}' of graph '{}' is {}, not [batch, C, H, W]", input.name, model.name, input_shape.str());
  // The first FC layer must read a spatial map through a Flatten (or Reshape) of it.
  const Node& fc6 = model.nodes[dense[0]];
  const Node& flatten = model.nodes[fc6.inputs[0].node];
  const Shape& flat_in = flatten.inputs.empty() ? flatten.outputs[0].shape : model.info(flatten.inputs[0]).shape;
  if ((flatten.op != "Flatten" && flatten.op != "Reshape") || flat_in.rank() != 4)
    fail("--dense: graph '{}': the first fully connected layer '{}' reads '{}' ({} {}), not a flattened spatial map "
         "[batch, C, H, W] (a Flatten of the last pooling layer, as VGG's fc6)",
         model.name, fc6.name, flatten.name, flatten.op, model.info(fc6.inputs[0]).shape.str());
  const std::string logits = find_logits(model);
  const std::string map_name = model.tensor_name(flatten.inputs[0]);

  proto::Graph src = to_proto(model), out;
  out.set_name(model.name);
  out.set_doc(model.doc + " (dense evaluation)");
  out.set_version(model.version);
  for (const auto& plugin : model.plugins) out.add_plugin(plugin);
  *out.mutable_training() = model.training;
  out.mutable_training()->set_logits(kDenseLogits);
  bool first = true;
  for (const proto::Node& node : src.node()) {
    if (node.name() == flatten.name) {
      for (const proto::Node& other : src.node())
        if (other.name() != fc6.name && reads(other, flatten.name))
          fail("--dense: graph '{}': '{}' reads '{}' too; only the first FC layer may read the flattened map",
               model.name, other.name(), flatten.name);
      continue;  // the first FC layer reads the map itself now
    }
    // The softmax of the logits: the eval computes it from the averaged scores.
    if (node.op() == "Softmax" && reads(node, logits)) continue;
    proto::Node* n = out.add_node();
    *n = node;
    if (node.name() == input.name) {
      n->clear_attr();
      for (const auto& a : node.attr())
        *n->add_attr() = a.name() == "shape" ? shape_attr("shape", {-1, input_shape[1], height, width}) : a;
      continue;
    }
    if (node.op() != "Dense") continue;
    const Node& d = model.node(node.name());
    const Shape& weight = model.info(d.inputs[1]).shape;  // [units, in]
    std::vector<int64_t> kernel = {1, 1};
    std::vector<int64_t> kernel_shape = {weight[0], weight[1], 1, 1};
    std::string x = node.input(0);
    if (first) {
      kernel = {flat_in[2], flat_in[3]};
      kernel_shape = {weight[0], flat_in[1], flat_in[2], flat_in[3]};
      x = map_name;
      first = false;
    }
    // The [units, in] weight as a [units, C, kh, kw] kernel: Flatten's row-major order over
    // (C, H, W) is the kernel's, so the reshape moves no value.
    proto::Node reshape;
    reshape.set_name(node.name() + "/kernel");
    reshape.set_op("Reshape");
    reshape.add_input(node.input(1));
    *reshape.add_attr() = shape_attr("shape", kernel_shape);
    n->set_op("Conv2D");
    n->clear_input();
    n->add_input(x);
    n->add_input(reshape.name());
    for (int i = 2; i < node.input_size(); ++i) n->add_input(node.input(i));
    n->clear_attr();
    *n->add_attr() = int_attr("filters", weight[0]);
    *n->add_attr() = int_list("kernel", kernel);
    for (const auto& a : node.attr())
      if (a.name() == "use_bias") *n->add_attr() = a;
    proto::Node conv = *n;
    *n = reshape;
    *out.add_node() = conv;
  }
  // The score map's size follows from the scale: build once to read it, then average it.
  Graph built;
  try {
    built = build_graph(out);
  } catch (const Error& e) {
    fail("--dense at {}x{}: {}", height, width, e.what());
  }
  const Shape& scores = built.info(built.resolve(logits)).shape;
  if (scores.rank() != 4) fail("--dense: the logits '{}' of graph '{}' are {}, not a score map", logits, model.name, scores.str());
  proto::Node* mean = out.add_node();
  mean->set_name("score_map_mean");
  mean->set_op("AvgPool");
  mean->add_input(logits);
  *mean->add_attr() = int_list("kernel", {scores[2], scores[3]});
  *mean->add_attr() = int_list("stride", {1, 1});
  proto::Node* flat = out.add_node();
  flat->set_name(kDenseLogits);
  flat->set_op("Flatten");
  flat->add_input(mean->name());
  return {std::move(out), logits};
}

namespace {

class FlippedViews final : public Dataset {
 public:
  explicit FlippedViews(std::unique_ptr<Dataset> base) : base_(std::move(base)) {}
  std::string name() const override { return base_->name(); }
  int64_t size() const override { return base_->size(); }
  int64_t num_classes() const override { return base_->num_classes(); }
  int64_t get(int64_t index, float* out, const Shape& image) const override { return base_->get(index, out, image); }
  int views() const override { return 2; }
  int64_t get_view(int64_t index, int view, float* out, const Shape& image) const override {
    int64_t label = base_->get(index, out, image);
    if (view == 1) {
      const int64_t width = image[image.rank() - 1], rows = image.num_elements() / width;
      for (int64_t r = 0; r < rows; ++r) std::reverse(out + r * width, out + (r + 1) * width);
    }
    return label;
  }
  bool expensive() const override { return base_->expensive(); }
  std::vector<std::string> class_names() const override { return base_->class_names(); }

 private:
  std::unique_ptr<Dataset> base_;
};

}  // namespace

std::unique_ptr<Dataset> with_flipped_views(std::unique_ptr<Dataset> base) {
  return std::make_unique<FlippedViews>(std::move(base));
}

}  // namespace graphrun
