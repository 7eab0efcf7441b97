#include "runtime/passes/rank_exchange.h"

#include <algorithm>
#include <fmt/format.h>

#include "core/attrs.h"
#include "core/device.h"
#include "core/kernel_registry.h"
#include "core/variable_parts.h"

namespace graphrun {

std::map<std::string, std::string> all_reduce_across_ranks(proto::Graph& graph, const Graph& forward,
                                                           const std::vector<std::string>& variables,
                                                           std::map<std::string, std::string>& gradient_of_variable,
                                                           const RankExchange& exchange) {
  std::map<std::string, std::string> added;
  if (exchange.ranks <= 1) return added;
  struct Bucket {
    std::string device;
    DType dtype;
    std::vector<std::string> gradients;  // distinct gradient tensors
    std::vector<std::vector<std::string>> readers;  // by gradient: the variables that update with it
    int64_t bytes = 0;
  };
  std::vector<Bucket> buckets;          // in the order they open: the order every rank issues them
  std::map<std::pair<std::string, DType>, size_t> open;  // (device, dtype) -> its open bucket
  std::map<std::string, std::pair<size_t, size_t>> placed;  // gradient -> (bucket, position)
  // Last layer first: the backward pass produces those gradients first. A variable's layer is
  // where the forward pass last reads it (the variables' own order in the file says nothing).
  std::vector<int> last_reader(forward.nodes.size(), -1);
  for (int i = 0; i < static_cast<int>(forward.nodes.size()); ++i)
    for (const auto& ref : forward.nodes[i].inputs) last_reader[ref.node] = i;
  std::vector<std::string> order = variables;
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return last_reader[forward.index(a)] > last_reader[forward.index(b)];
  });
  for (const auto& name : order) {
    const Node& v = forward.node(name);
    const std::string& gradient = gradient_of_variable.at(v.name);
    if (auto seen = placed.find(gradient); seen != placed.end()) {  // a replicas' sum serves several
      buckets[seen->second.first].readers[seen->second.second].push_back(v.name);
      continue;
    }
    // A GPU's gradients are reduced where they are when the device has an AllReduce kernel
    // (NCCL); else from host memory, since Debian's Open MPI reads host memory only.
    std::string device = v.device;
    DType dtype = v.outputs[0].dtype;
    if (!device.empty() && parse_device_name(device).type != DeviceType::kCPU &&
        KernelRegistry::global().find("AllReduce", parse_device_name(device).type, dtype).empty())
      device = "cpu:0";
    auto key = std::make_pair(device, dtype);
    if (!open.count(key) || buckets[open[key]].bytes >= exchange.bucket_bytes) {
      open[key] = buckets.size();
      buckets.push_back({device, dtype, {}, {}, 0});
    }
    Bucket& b = buckets[open[key]];
    placed[gradient] = {open[key], b.gradients.size()};
    b.gradients.push_back(gradient);
    b.readers.push_back({v.name});
    b.bytes += v.outputs[0].shape.num_elements() * static_cast<int64_t>(dtype_size(dtype));
  }
  for (size_t k = 0; k < buckets.size(); ++k) {
    const Bucket& b = buckets[k];
    proto::Node* node = graph.add_node();
    node->set_name(fmt::format("rank_exchange/bucket_{}", k));
    node->set_op("AllReduce");
    node->set_device(b.device);
    for (const auto& gradient : b.gradients) node->add_input(gradient);
    for (auto [name, value] : {std::pair<const char*, proto::Attr>{"bucket", attr_int(static_cast<int64_t>(k))},
                               {"buckets", attr_int(static_cast<int64_t>(buckets.size()))},
                               {"average", attr_bool(true)}}) {
      proto::Attr* a = node->add_attr();
      *a = value;
      a->set_name(name);
    }
    for (size_t j = 0; j < b.gradients.size(); ++j) {
      std::string output = fmt::format("{}:{}", node->name(), j);
      for (const auto& variable : b.readers[j]) gradient_of_variable[variable] = output;
      // Several readers are replicas of one variable: the gradient is the logical variable's.
      const std::string& first = b.readers[j].front();
      auto part = variable_part(forward.node(first));
      added[output] = b.readers[j].size() > 1 && part ? part->logical : first;
    }
  }
  return added;
}

}  // namespace graphrun
