#include "runtime/passes/partition.h"

#include <map>

#include "core/error.h"

namespace graphrun {

std::string device_tag(const std::string& device) {
  std::string tag = device;
  for (char& c : tag)
    if (c == ':') c = '_';
  return tag;
}

namespace {

proto::Attr* find_attr(proto::Node& node, const std::string& name) {
  for (auto& a : *node.mutable_attr())
    if (a.name() == name) return &a;
  return nullptr;
}

}  // namespace

proto::Graph partition(const Graph& placed) {
  proto::Graph out = to_proto(placed);
  std::map<std::pair<std::string, std::string>, std::string> received;  // (tensor, device) -> name there
  std::vector<proto::Node> added;
  for (int i = 0; i < static_cast<int>(placed.nodes.size()); ++i) {
    const Node& node = placed.nodes[i];
    proto::Node& pn = *out.mutable_node(i);
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      const Node& producer = placed.nodes[node.inputs[k].node];
      if (producer.device == node.device) continue;
      std::string tensor = placed.tensor_name(node.inputs[k]);
      auto key = std::make_pair(tensor, node.device);
      auto it = received.find(key);
      if (it == received.end()) {
        std::string base = tensor;
        for (char& c : base)
          if (c == ':') c = '_';
        std::string tag = device_tag(node.device);
        if (producer.op == "Placeholder") {
          proto::Node replica = out.node(node.inputs[k].node);
          replica.set_name(base + "/on_" + tag);
          replica.set_device(node.device);
          proto::Attr* feed = find_attr(replica, "feed");
          GR_CHECK(feed != nullptr, "Placeholder '{}' has no feed attr", producer.name);
          if (feed->s().empty()) feed->set_s(producer.name);
          added.push_back(replica);
          it = received.emplace(key, replica.name()).first;
        } else {
          proto::Node send, recv;
          send.set_name(base + "/send_to_" + tag);
          send.set_op("Send");
          send.set_device(producer.device);
          send.add_input(tensor);
          proto::Attr* to = send.add_attr();
          to->set_name("to");
          to->set_s(node.device);
          recv.set_name(base + "/recv_on_" + tag);
          recv.set_op("Recv");
          recv.set_device(node.device);
          recv.add_input(send.name());
          proto::Attr* from = recv.add_attr();
          from->set_name("from");
          from->set_s(producer.device);
          proto::Attr* send_attr = recv.add_attr();
          send_attr->set_name("send");
          send_attr->set_s(send.name());
          added.push_back(send);
          added.push_back(recv);
          it = received.emplace(key, recv.name()).first;
        }
      }
      pn.set_input(static_cast<int>(k), it->second);
    }
  }
  for (auto& n : added) *out.add_node() = std::move(n);
  return out;
}

}  // namespace graphrun
