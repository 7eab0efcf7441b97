#include "runtime/passes/split.h"

#include <fmt/ranges.h>

#include <algorithm>

#include "core/error.h"

namespace graphrun {

namespace {

// Where a logical tensor is in the physical graph.
struct TensorState {
  Layout layout;
  std::string whole;               // layout whole: the tensor's name
  int device = 0;                  // layout whole: its device index
  std::vector<std::string> parts;  // layout split: part k's name, on device k
  std::map<int, std::string> gathered;               // device -> the whole tensor gathered there
  std::map<std::pair<int, int>, std::string> slices;  // (axis, part) -> the part cut from the whole
  bool deferred = false;  // a Variable not emitted yet: its first reader decides whole or in parts
  std::map<int, std::string> replicas;  // a replicated Variable: device -> its replica there
};

void set_attr(proto::Node& node, const std::string& name, const proto::Attr& value) {
  for (auto& a : *node.mutable_attr())
    if (a.name() == name) {
      a = value;
      a.set_name(name);
      return;
    }
  proto::Attr* a = node.add_attr();
  *a = value;
  a->set_name(name);
}

class Splitter {
 public:
  Splitter(const Graph& model, const std::vector<DeviceName>& devices, Parallelism mode)
      : model_(model), logical_(to_proto(model)), parts_(static_cast<int>(devices.size())), mode_(mode) {
    for (const auto& d : devices) devices_.push_back(d.str());
    for (const auto& n : model.nodes) names_.insert(n.name);
    batch_parallel_ = batch_parallel_region();
  }

  SplitResult run() {
    out_.set_name(logical_.name());
    out_.set_doc(logical_.doc());
    out_.set_version(logical_.version());
    *out_.mutable_plugin() = logical_.plugin();
    *out_.mutable_training() = logical_.training();
    for (int i = 0; i < static_cast<int>(model_.nodes.size()); ++i) visit(i);
    finish();
    return {std::move(out_), std::move(info_)};
  }

 private:
  void visit(int i) {
    const Node& node = model_.nodes[i];
    if (node.op == "Variable" && node.device.empty()) {
      states_[{i, 0}].deferred = true;
      return;
    }
    SplitDecision decision = decide(i);
    if (batch_parallel_[i]) check_takes_batch_share(node, decision);
    if (decision.sharded)
      emit_sharded(i, decision);
    else
      emit_whole(i);
  }

  SplitDecision decide(int i) {
    const Node& node = model_.nodes[i];
    if (!node.device.empty() || !node.def->split_fn || parts_ < 2 || node.outputs.size() != 1)
      return SplitDecision::run_whole();
    std::vector<Shape> shapes;
    std::vector<Layout> layouts;
    for (const auto& ref : node.inputs) {
      shapes.push_back(model_.info(ref).shape);
      const TensorState& s = states_.at(ref);
      layouts.push_back(s.deferred ? Layout::whole_tensor() : s.layout);
    }
    SplitContext ctx{node.op, node.name, node.attrs, parts_, node.def->num_data_inputs(), shapes, layouts,
                     node.outputs[0].shape, batch_parallel_[i]};
    SplitDecision d = node.def->split_fn(ctx);
    if (!d.sharded) return d;
    GR_CHECK(d.inputs.size() == node.inputs.size(), "split rule of {} gave {} input layouts for {} inputs", node.op,
             d.inputs.size(), node.inputs.size());
    // Every cut must be even; otherwise the node runs whole.
    for (size_t k = 0; k < node.inputs.size(); ++k)
      if (!d.inputs[k].whole() && !ctx.divisible(shapes[k], d.inputs[k].axis)) return SplitDecision::run_whole();
    if (!ctx.divisible(node.outputs[0].shape, d.output_axis)) return SplitDecision::run_whole();
    return d;
  }

  int device_index(const Node& node) const {
    for (int d = 0; d < parts_; ++d)
      if (devices_[d] == parse_device_name(node.device).str()) return d;
    fail("{} '{}' is placed on {}, which is not among the devices ({})", node.op, node.name, node.device,
         fmt::join(devices_, ", "));
  }

  proto::Node& emit(const proto::Node& from, const std::string& name, int device) {
    proto::Node& n = *out_.add_node();
    n = from;
    n.set_name(name);
    n.set_device(devices_[device]);
    n.clear_input();
    names_.insert(name);
    return n;
  }

  const proto::Node& logical_node(int i) const { return logical_.node(i); }

  // A gather, slice or batch split the pass adds between a tensor and its readers.
  proto::Node& add_adapter(const std::string& name, const std::string& op, int device,
                           const std::vector<std::string>& inputs) {
    proto::Node& n = *out_.add_node();
    n.set_name(name);
    n.set_op(op);
    n.set_device(devices_[device]);
    for (const auto& in : inputs) n.add_input(in);
    names_.insert(name);
    info_.adapters.insert(name);
    return n;
  }

  void add_control_inputs(proto::Node& n, const Node& node) {
    for (int control : node.control_inputs)
      for (const auto& physical : emitted_[control]) n.add_input("^" + physical);
  }

  void emit_whole(int i) {
    const Node& node = model_.nodes[i];
    int device = 0;
    if (!node.device.empty()) {
      device = device_index(node);
    } else if (!node.inputs.empty()) {
      const TensorState& first = states_.at(node.inputs[0]);
      if (!first.deferred && first.layout.whole()) device = first.device;
    }
    std::vector<std::string> inputs;
    for (const auto& ref : node.inputs) inputs.push_back(need_whole(ref, device));
    proto::Node& n = emit(logical_node(i), node.name, device);
    for (const auto& in : inputs) n.add_input(in);
    add_control_inputs(n, node);
    emitted_[i] = {node.name};
    for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) {
      TensorState& s = states_[{i, k}];
      s.layout = Layout::whole_tensor();
      s.whole = model_.tensor_name({i, k});
      s.device = device;
    }
  }

  void emit_sharded(int i, const SplitDecision& d) {
    const Node& node = model_.nodes[i];
    TensorState& out = states_[{i, 0}];
    out.layout = Layout::split(d.output_axis);
    for (int part = 0; part < parts_; ++part) {
      std::vector<std::string> inputs;
      for (size_t k = 0; k < node.inputs.size(); ++k)
        inputs.push_back(d.inputs[k].whole() ? need_whole(node.inputs[k], part)
                                             : need_part(node.inputs[k], d.inputs[k].axis, part));
      std::string name = fmt::format("{}/part_{}", node.name, part);
      proto::Node& n = emit(logical_node(i), name, part);
      for (const auto& in : inputs) n.add_input(in);
      add_control_inputs(n, node);
      if (d.shard_attrs)
        for (const auto& [attr, value] : d.shard_attrs(part, parts_)) set_attr(n, attr, value);
      info_.logical_of[name] = node.name;
      emitted_[i].push_back(name);
      out.parts.push_back(name);
    }
  }

  // A deferred Variable emitted whole, on the device of its first reader.
  void emit_variable_whole(TensorRef ref, int device) {
    TensorState& s = states_.at(ref);
    s.deferred = false;
    s.layout = Layout::whole_tensor();
    s.whole = model_.nodes[ref.node].name;
    s.device = device;
    emit(logical_node(ref.node), s.whole, device);
    emitted_[ref.node] = {s.whole};
  }

  // A deferred Variable cut into parts along `axis`, part k on device k.
  void emit_variable_parts(TensorRef ref, int axis) {
    TensorState& s = states_.at(ref);
    const Node& v = model_.nodes[ref.node];
    Shape whole = v.outputs[0].shape;
    std::vector<int64_t> dims = whole.dims();
    dims[axis] /= parts_;
    s.deferred = false;
    s.layout = Layout::split(axis);
    for (int part = 0; part < parts_; ++part) {
      std::string name = fmt::format("{}/part_{}", v.name, part);
      proto::Node& n = emit(logical_node(ref.node), name, part);
      set_attr(n, "shape", attr_shape(Shape(dims)));
      set_attr(n, "part_of", attr_string(v.name));
      set_attr(n, "part_axis", attr_int(axis));
      set_attr(n, "part_offset", attr_int(part * dims[axis]));
      set_attr(n, "part_shape", attr_shape(whole));
      info_.logical_of[name] = v.name;
      s.parts.push_back(name);
      emitted_[ref.node].push_back(name);
    }
  }

  // Part `part` of the batch: one Split of the whole tensor where it lives (a graph input: on
  // device 0), whose outputs go to the devices. Unlike Slices at fixed offsets, a Split (and the
  // Concat that is its gradient) holds for any batch the devices divide.
  std::string cut_batch(TensorRef ref, int part) {
    TensorState& s = states_.at(ref);
    auto key = std::make_pair(0, -1);
    auto it = s.slices.find(key);
    if (it == s.slices.end()) {
      int device = 0;
      std::string source = s.layout.whole() ? s.whole : gather(ref, 0);
      if (s.layout.whole()) device = s.device;
      std::string name = unique(fmt::format("{}/batch_split", model_.tensor_name(ref)));
      for (char& c : name)
        if (c == ':') c = '_';
      proto::Node& n = add_adapter(name, "Split", device, {source});
      set_attr(n, "axis", attr_int(0));
      set_attr(n, "num_split", attr_int(parts_));
      it = s.slices.emplace(key, name).first;
    }
    return fmt::format("{}:{}", it->second, part);
  }

  // Data parallelism reads a Variable whole on every device: one replica per device that reads
  // it, each a part covering the whole, so initial values, .npz files and checkpoints stay
  // logical and the training graph knows which gradients to sum.
  std::string replica(TensorRef ref, int device) {
    TensorState& s = states_.at(ref);
    s.deferred = false;
    s.layout = Layout::whole_tensor();
    auto it = s.replicas.find(device);
    if (it != s.replicas.end()) return it->second;
    const Node& v = model_.nodes[ref.node];
    std::string name = fmt::format("{}/replica_{}", v.name, device);
    proto::Node& n = emit(logical_node(ref.node), name, device);
    set_attr(n, "part_of", attr_string(v.name));
    set_attr(n, "part_axis", attr_int(0));
    set_attr(n, "part_offset", attr_int(0));
    set_attr(n, "part_shape", attr_shape(v.outputs[0].shape));
    info_.logical_of[name] = v.name;
    emitted_[ref.node].push_back(name);
    // The first replica stands for the variable where a reader wants it by its whole name.
    if (s.whole.empty()) {
      s.whole = name;
      s.device = device;
    }
    return s.replicas[device] = name;
  }

  // Which nodes run on each device's share of the batch: with --parallel data every layer the
  // logits depend on (the loss then gathers the logits); with hybrid the layers before the first
  // fully connected one. Checks that the batch divides among the devices.
  std::vector<bool> batch_parallel_region() const {
    std::vector<bool> region(model_.nodes.size(), false);
    if (mode_ == Parallelism::kModel || parts_ < 2) return region;
    const std::string mode = to_string(mode_);
    int64_t batch = model_.batch_size;
    if (batch <= 0) fail("--parallel {}: graph '{}' needs a known batch size to share among devices", mode, model_.name);
    if (batch < parts_)
      fail("--parallel {}: {} devices but a batch of only {} samples (each device needs at least one)", mode, parts_,
           batch);
    if (batch % parts_ != 0)
      fail("--parallel {}: the batch of {} samples does not divide among {} devices", mode, batch, parts_);
    int end = -1;  // the region is the ancestors of this node
    if (mode_ == Parallelism::kHybrid) {
      std::vector<int> dense = model_.nodes_with_op("Dense");
      if (dense.empty())
        fail("--parallel hybrid: graph '{}' has no fully connected layer (Dense) to run model-parallel; use "
             "--parallel data",
             model_.name);
      end = dense.front();
    } else {
      try {
        end = model_.resolve(find_logits(model_)).node;
      } catch (const Error&) {
        region.assign(region.size(), true);  // no single logits: every layer
        return region;
      }
      region[end] = true;
    }
    std::vector<bool> ancestor(model_.nodes.size(), false);
    ancestor[end] = true;
    for (int i = end; i >= 0; --i)
      if (ancestor[i])
        for (const auto& ref : model_.nodes[i].inputs) ancestor[ref.node] = true;
    for (int i = 0; i < end; ++i) region[i] = ancestor[i];
    return region;
  }

  // A layer asked to run on each device's share of the batch must be able to: one that cannot
  // would gather the whole batch on one device, silently undoing the parallelism.
  void check_takes_batch_share(const Node& node, const SplitDecision& decision) const {
    if (node.op == "Variable" || node.op == "Placeholder" || (decision.sharded && decision.output_axis == 0)) return;
    bool reads_batch = false;
    for (const auto& ref : node.inputs) {
      const Shape& shape = model_.info(ref).shape;
      if (model_.nodes[ref.node].op != "Variable" && shape.rank() > 0 && shape[0] == model_.batch_size)
        reads_batch = true;
    }
    if (!reads_batch) return;
    std::string why = !node.device.empty()        ? fmt::format("it is placed on {} by the graph", node.device)
                      : !node.def->split_fn        ? "its op has no split rule"
                      : node.outputs.size() != 1   ? "it has several outputs"
                                                   : "its split rule does not cut the batch axis";
    fail("--parallel {}: {} '{}' cannot run on each device's share of the batch: {}", to_string(mode_), node.op,
         node.name, why);
  }

  std::string unique(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", base, k);
    return name;
  }

  // The whole tensor on device `device`: as it is (the partition pass moves it if it lives
  // elsewhere), or its parts gathered there.
  std::string need_whole(TensorRef ref, int device) {
    TensorState& s = states_.at(ref);
    if (mode_ != Parallelism::kModel && (s.deferred || !s.replicas.empty())) return replica(ref, device);
    if (s.deferred) emit_variable_whole(ref, device);
    if (s.layout.whole()) return s.whole;
    return gather(ref, device);
  }

  std::string gather(TensorRef ref, int device) {
    TensorState& s = states_.at(ref);
    auto it = s.gathered.find(device);
    if (it != s.gathered.end()) return it->second;
    const std::string& logical = model_.nodes[ref.node].name;
    // The gather on device 0 stands for the logical tensor under its own name (free: a node
    // in parts is never emitted whole).
    std::string name = device == 0 ? logical : unique(fmt::format("{}/gather_{}", logical, device));
    proto::Node& n = add_adapter(name, "Concat", device, s.parts);
    set_attr(n, "axis", attr_int(s.layout.axis));
    return s.gathered[device] = name;
  }

  // Part `part` (along `axis`) on device `part`.
  std::string need_part(TensorRef ref, int axis, int part) {
    TensorState& s = states_.at(ref);
    if (s.deferred) emit_variable_parts(ref, axis);
    if (s.layout == Layout::split(axis)) return s.parts[part];
    auto key = std::make_pair(axis, part);
    auto it = s.slices.find(key);
    if (it != s.slices.end()) return it->second;
    // Cut where the whole tensor is, so only the part crosses devices; a graph input reaches
    // every device anyway, so it is cut on the shard's own device; a tensor split another way
    // is gathered on the shard's device first.
    if (axis == 0) return cut_batch(ref, part);
    std::string source;
    int device = part;
    if (s.layout.whole()) {
      source = s.whole;
      if (model_.nodes[ref.node].op != "Placeholder") device = s.device;
    } else {
      source = gather(ref, part);
    }
    const Shape& shape = model_.info(ref).shape;
    int64_t extent = shape[axis] / parts_;
    std::vector<int64_t> begin(shape.rank(), 0), size(shape.rank(), -1);
    begin[axis] = part * extent;
    size[axis] = extent;
    std::string name = unique(fmt::format("{}/slice_{}", model_.tensor_name(ref), part));
    for (char& c : name)
      if (c == ':') c = '_';
    proto::Node& n = add_adapter(name, "Slice", device, {source});
    set_attr(n, "begin", attr_ints(begin));
    set_attr(n, "size", attr_ints(size));
    return s.slices[key] = name;
  }

  // Variables nobody read are kept whole on device 0 (they are still part of the model); every
  // split tensor gets its device-0 gather under its logical name, for fetches by that name.
  void finish() {
    for (auto& [ref, s] : states_) {
      if (s.deferred) emit_variable_whole(ref, 0);
      if (!s.layout.whole() && ref.output == 0 && model_.nodes[ref.node].op != "Variable") gather(ref, 0);
    }
  }

  const Graph& model_;
  proto::Graph logical_;
  int parts_;
  Parallelism mode_;
  std::vector<bool> batch_parallel_;  // per logical node: runs on each device's share of the batch
  std::vector<std::string> devices_;
  proto::Graph out_;
  SplitInfo info_;
  std::map<TensorRef, TensorState> states_;
  std::map<int, std::vector<std::string>> emitted_;  // logical node -> its physical nodes
  std::set<std::string> names_;                      // every name taken (logical and physical)
};

}  // namespace

Parallelism parse_parallelism(const std::string& name) {
  if (name == "model") return Parallelism::kModel;
  if (name == "data") return Parallelism::kData;
  if (name == "hybrid") return Parallelism::kHybrid;
  fail("unknown parallelism '{}' (model, data or hybrid)", name);
}

std::string to_string(Parallelism mode) {
  switch (mode) {
    case Parallelism::kModel: return "model";
    case Parallelism::kData: return "data";
    case Parallelism::kHybrid: return "hybrid";
  }
  return "?";
}

SplitResult split_graph(const Graph& model, const std::vector<DeviceName>& devices, Parallelism mode) {
  if (devices.empty()) fail("no devices to split graph '{}' across", model.name);
  return Splitter(model, devices, mode).run();
}

void drop_unwanted_gathers(SplitResult& split, const std::set<std::string>& wanted) {
  std::set<std::string> read;
  for (const proto::Node& node : split.graph.node())
    for (const std::string& input : node.input())
      read.insert(split_tensor_name(input.starts_with("^") ? input.substr(1) : input).first);
  std::set<std::string> dropped;
  for (const proto::Node& node : split.graph.node())
    if (node.op() == "Concat" && split.info.adapters.contains(node.name()) && !read.contains(node.name()) &&
        !wanted.contains(node.name()))
      dropped.insert(node.name());
  for (const std::string& name : dropped) split.info.adapters.erase(name);
  auto& nodes = *split.graph.mutable_node();
  nodes.erase(std::remove_if(nodes.begin(), nodes.end(), [&](const proto::Node& n) { return dropped.contains(n.name()); }),
              nodes.end());
}

}  // namespace graphrun
