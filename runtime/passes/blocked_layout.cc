#include "runtime/passes/blocked_layout.h"

#include <algorithm>
#include <numeric>

#include "core/device.h"
#include "core/kernel_registry.h"
#include "runtime/passes/placement.h"

namespace graphrun {

namespace {

// An elementwise op (OpTraits::elementwise) of inputs of its output's shape: with broadcasting the
// layouts would not line up.
bool elementwise(const Graph& graph, const Node& node) {
  if (node.def == nullptr || !node.def->traits.elementwise || node.outputs.empty()) return false;
  for (const TensorRef& ref : node.inputs)
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
      const KernelLayouts* aware = ew ? nullptr : aware_kernel(static_cast<int>(i));
      for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) {
        const TensorRef out{static_cast<int>(i), k};
        const bool writes = ew ? k == 0 : aware != nullptr && contains(aware->outputs, k);
        if (!writes || !suitable(node, node.outputs[k])) veto(out);
      }
      for (int k = 0; k < static_cast<int>(node.inputs.size()); ++k) {
        const bool reads = ew || (aware != nullptr && contains(aware->inputs, k));
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

  static bool contains(const std::vector<int>& list, int k) {
    return std::find(list.begin(), list.end(), k) != list.end();
  }

  // What the kernel that will run node i reads and writes in any layout (KernelLayouts), when it
  // declares that for this node: a plugin's kernel of higher priority that declares nothing, or
  // a dtype with no such kernel, reads plain only.
  const KernelLayouts* aware_kernel(int i) const {
    if (graph_.nodes[i].outputs.empty()) return nullptr;
    const NodeInfo info = make_node_info(graph_, i, DeviceName{});
    const KernelDef* kernel = KernelRegistry::global().runs(info);
    if (kernel == nullptr || !kernel->any_layout.any()) return nullptr;
    if (kernel->any_layout.when != nullptr && !kernel->any_layout.when(info)) return nullptr;
    return &kernel->any_layout;
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
