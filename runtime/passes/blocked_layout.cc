#include "runtime/passes/blocked_layout.h"

#include <map>
#include <numeric>
#include <set>

#include "core/device.h"
#include "core/kernel_registry.h"
#include "ops/lrn/lrn_view.h"

namespace graphrun {

namespace {

// The layout-aware kernels: which inputs they read and which outputs they write in whatever
// layout the tensor lies in, and, where that depends on attrs, when. Conv2DBackpropInput's input 0
// (x) is among them because it reads only x's shape.
struct AwareOp {
  std::set<int> reads;
  std::set<int> writes;
  bool (*applies)(const Node& node) = nullptr;  // null: always
};

// LRN computes on a view of channel groups, blocked only when each group is whole blocks (ops/lrn/lrn_view.h).
bool lrn_groups_fit_blocks(const Node& node) {
  return lrn::groups_fit_blocks(node.outputs[0].shape[1], node.attrs.i("groups"));
}

const std::map<std::string, AwareOp>& aware_ops() {
  static const std::map<std::string, AwareOp> ops = {
      {"Conv2D", {{0}, {0}}},
      {"Conv2DRelu", {{0}, {0}}},
      {"Conv2DBackpropInput", {{0, 2}, {0}}},
      {"Conv2DBackpropFilter", {{0, 2}, {}}},
      {"MaxPool", {{0}, {0}}},
      {"MaxPoolGrad", {{0, 1}, {0}}},
      {"LRN", {{0}, {0}, lrn_groups_fit_blocks}},
      {"LRNGrad", {{0, 1}, {0}, lrn_groups_fit_blocks}},
  };
  return ops;
}

bool elementwise(const Graph& graph, const Node& node) {
  if (node.op == "Relu" || node.op == "ReluGrad") return true;
  if (node.op != "Add" && node.op != "AddN") return false;
  for (const TensorRef& ref : node.inputs)  // no broadcasting: then the layouts would not line up
    if (!(graph.info(ref).shape == node.outputs[0].shape)) return false;
  return true;
}

class Groups {
 public:
  explicit Groups(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t find(size_t i) { return parent_[i] == i ? i : parent_[i] = find(parent_[i]); }
  void unite(size_t a, size_t b) { parent_[find(a)] = find(b); }

 private:
  std::vector<size_t> parent_;
};

class BlockedLayout {
 public:
  explicit BlockedLayout(Graph& graph) : graph_(graph) {
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      first_output_.push_back(tensors_);
      tensors_ += graph.nodes[i].outputs.size();
    }
  }

  int run() {
    Groups groups(tensors_);
    for (const Node& node : graph_.nodes)
      if (elementwise(graph_, node))
        for (const TensorRef& ref : node.inputs) groups.unite(id(ref), id({index(node), 0}));
    std::vector<char> blockable(tensors_, 1);
    auto veto = [&](TensorRef ref) { blockable[groups.find(id(ref))] = 0; };

    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& node = graph_.nodes[i];
      const bool ew = elementwise(graph_, node);
      const AwareOp* aware = aware_kernel(node);
      for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) {
        const TensorRef out{static_cast<int>(i), k};
        const bool writes = ew ? k == 0 : aware != nullptr && aware->writes.contains(k);
        if (!writes || !suitable(node, node.outputs[k])) veto(out);
      }
      for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
        const bool reads = ew || (aware != nullptr && aware->reads.contains(k));
        if (!reads) veto(node.inputs[k]);
      }
    }
    for (int sink : graph_.sinks())
      for (int k = 0; k < static_cast<int>(graph_.nodes[sink].outputs.size()); ++k) veto({sink, k});

    int chosen = 0;
    for (size_t i = 0; i < graph_.nodes.size(); ++i)
      for (int k = 0; k < static_cast<int>(graph_.nodes[i].outputs.size()); ++k)
        if (blockable[groups.find(id({static_cast<int>(i), k}))]) {
          graph_.nodes[i].outputs[k].layout = MemoryLayout::kBlocked16;
          ++chosen;
        }
    return chosen;
  }

 private:
  size_t id(TensorRef ref) const { return first_output_[ref.node] + ref.output; }
  int index(const Node& node) const { return static_cast<int>(&node - graph_.nodes.data()); }

  static bool suitable(const Node& node, const TensorInfo& info) {
    return parse_device_name(node.device).type == DeviceType::kCPU &&
           (info.dtype == DType::kFloat32 || info.dtype == DType::kBFloat16) && can_block(info);
  }

  // The op's layout-aware entry when the kernel that will run the node is graphrun's oneDNN one:
  // a plugin's kernel of higher priority, or a dtype without a oneDNN kernel, reads plain only.
  const AwareOp* aware_kernel(const Node& node) const {
    auto it = aware_ops().find(node.op);
    if (it == aware_ops().end() || node.outputs.empty()) return nullptr;
    if (it->second.applies != nullptr && !it->second.applies(node)) return nullptr;
    const DeviceName device = parse_device_name(node.device);
    if (device.type != DeviceType::kCPU) return nullptr;
    const DType dtype = node.inputs.empty() ? node.outputs[0].dtype : graph_.info(node.inputs[0]).dtype;
    const std::vector<const KernelDef*> kernels = KernelRegistry::global().find(node.op, device.type, dtype);
    if (kernels.empty() || kernels[0]->label != "onednn" || kernels[0]->library != "builtin") return nullptr;
    return &it->second;
  }

  Graph& graph_;
  std::vector<size_t> first_output_;
  size_t tensors_ = 0;
};

}  // namespace

int choose_blocked_layouts(Graph& graph, const std::string& kernel_label) {
  if (!kernel_label.empty()) return 0;
  return BlockedLayout(graph).run();
}

}  // namespace graphrun
