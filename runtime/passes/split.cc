#include "runtime/passes/split.h"

#include <fmt/ranges.h>

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
  Splitter(const Graph& model, const std::vector<DeviceName>& devices)
      : model_(model), logical_(to_proto(model)), parts_(static_cast<int>(devices.size())) {
    for (const auto& d : devices) devices_.push_back(d.str());
    for (const auto& n : model.nodes) names_.insert(n.name);
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
    SplitDecision decision = decide(node);
    if (decision.sharded)
      emit_sharded(i, decision);
    else
      emit_whole(i);
  }

  SplitDecision decide(const Node& node) {
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
                     node.outputs[0].shape};
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

  std::string unique(const std::string& base) {
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = fmt::format("{}_{}", base, k);
    return name;
  }

  // The whole tensor on device `device`: as it is (the partition pass moves it if it lives
  // elsewhere), or its parts gathered there.
  std::string need_whole(TensorRef ref, int device) {
    TensorState& s = states_.at(ref);
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
    proto::Node& n = *out_.add_node();
    n.set_name(name);
    n.set_op("Concat");
    n.set_device(devices_[device]);
    for (const auto& part : s.parts) n.add_input(part);
    set_attr(n, "axis", attr_int(s.layout.axis));
    names_.insert(name);
    info_.adapters.insert(name);
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
    proto::Node& n = *out_.add_node();
    n.set_name(name);
    n.set_op("Slice");
    n.set_device(devices_[device]);
    n.add_input(source);
    set_attr(n, "begin", attr_ints(begin));
    set_attr(n, "size", attr_ints(size));
    names_.insert(name);
    info_.adapters.insert(name);
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
  std::vector<std::string> devices_;
  proto::Graph out_;
  SplitInfo info_;
  std::map<TensorRef, TensorState> states_;
  std::map<int, std::vector<std::string>> emitted_;  // logical node -> its physical nodes
  std::set<std::string> names_;                      // every name taken (logical and physical)
};

}  // namespace

SplitResult split_graph(const Graph& model, const std::vector<DeviceName>& devices) {
  if (devices.empty()) fail("no devices to split graph '{}' across", model.name);
  return Splitter(model, devices).run();
}

}  // namespace graphrun
