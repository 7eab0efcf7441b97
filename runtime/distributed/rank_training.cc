#include "runtime/distributed/rank_training.h"

#include <cstdlib>
#include <cstring>
#include <fmt/ranges.h>

#include "core/error.h"
#include "core/random.h"

namespace graphrun {

namespace {

uint64_t hash_bytes(uint64_t h, const void* data, size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_t words = bytes / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, p + 8 * i, 8);
    h = hash_combine(h, w);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + 8 * words, bytes - 8 * words);
  return hash_combine(hash_combine(h, tail), bytes);
}

uint64_t hash_string(uint64_t h, std::string_view s) { return hash_bytes(h, s.data(), s.size()); }

std::string hex(uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace

Ranks join_ranks(double comm_timeout_seconds, const std::string& devices) {
  Ranks ranks;
  RankInfo info = rank_info_from_environment();
  if (info.size <= 1) return ranks;
  int gpus = 0;
  for (size_t at = devices.find("gpu:"); at != std::string::npos; at = devices.find("gpu:", at + 1)) ++gpus;
  if (gpus > 0 && info.local_size > 1 && std::getenv("CUDA_VISIBLE_DEVICES") == nullptr) {
    std::vector<int> mine;
    for (int k = 0; k < gpus; ++k) mine.push_back(info.local_rank * gpus + k);
    setenv("CUDA_VISIBLE_DEVICES", fmt::format("{}", fmt::join(mine, ",")).c_str(), 1);
  }
  if (!(comm_timeout_seconds > 0)) fail("--comm-timeout {}: want a positive number of seconds", comm_timeout_seconds);
  ranks.comm = &Communicator::world();
  ranks.comm->set_timeout(comm_timeout_seconds);
  ranks.rank = ranks.comm->rank();
  ranks.size = ranks.comm->size();
  return ranks;
}

int64_t rank_batch(const Ranks& ranks, int64_t global_batch) {
  if (global_batch % ranks.size != 0)
    fail("--batch-size {} is the global batch, shared by {} ranks: {} does not divide it (pick a multiple of {})",
         global_batch, ranks.size, ranks.size, ranks.size);
  return global_batch / ranks.size;
}

void offset_dropout_masks(Graph& model, const Ranks& ranks) {
  if (!ranks.many()) return;
  for (int i : model.nodes_with_op("Dropout")) {
    Node& node = model.nodes[i];
    node.attrs.set("mask_offset", attr_int(ranks.rank * node.outputs[0].shape.num_elements()));
  }
}

std::vector<int64_t> rank_share_of_order(const std::vector<int64_t>& order, int64_t global_batch, int64_t steps,
                                         const Ranks& ranks) {
  if (!ranks.many()) return order;
  int64_t local = global_batch / ranks.size;
  std::vector<int64_t> mine;
  mine.reserve(static_cast<size_t>(steps * local));
  for (int64_t step = 0; step < steps; ++step)
    for (int64_t k = 0; k < local; ++k) {
      auto item = static_cast<size_t>(step * global_batch + ranks.rank * local + k);
      mine.push_back(order[item % order.size()]);
    }
  return mine;
}

std::vector<std::pair<std::string, std::string>> graph_fingerprint(const Graph& graph) {
  uint64_t nodes = 0, variables = 0, buckets = 0;
  for (const Node& node : graph.nodes) {
    uint64_t h = hash_string(hash_string(hash_string(0, node.name), node.op), node.device);
    for (const auto& input : node.input_names) h = hash_string(h, input);
    for (const auto& [name, value] : node.attrs.values())
      if (name != "mask_offset")  // where the rank's share starts: differs by design (offset_dropout_masks)
        h = hash_string(hash_string(h, name), value.SerializeAsString());
    for (const auto& out : node.outputs) h = hash_string(hash_string(h, out.shape.str()), dtype_name(out.dtype));
    nodes = hash_combine(nodes, h);
    if (node.op == "Variable") variables = hash_combine(variables, h);
    if (node.op == "AllReduce") buckets = hash_combine(buckets, h);
  }
  return {{"the graph (its nodes, ops, attrs, devices and shapes)", hex(nodes)},
          {"the variables (names, shapes, dtypes)", hex(variables)},
          {"the gradient buckets", hex(buckets)}};
}

void check_ranks_agree(const Ranks& ranks, const std::vector<std::pair<std::string, std::string>>& fields) {
  if (!ranks.many()) return;
  std::string mine;
  for (const auto& [what, value] : fields) mine += what + '\x1f' + value + '\x1e';
  std::vector<std::string> all = ranks.comm->all_gather(mine, "the check that the ranks run the same job");
  auto parse = [](const std::string& s) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t at = 0;
    while (at < s.size()) {
      size_t unit = s.find('\x1f', at), record = s.find('\x1e', at);
      out.emplace_back(s.substr(at, unit - at), s.substr(unit + 1, record - unit - 1));
      at = record + 1;
    }
    return out;
  };
  auto reference = parse(all[0]);
  std::vector<std::string> differences;
  for (size_t r = 1; r < all.size(); ++r) {
    auto theirs = parse(all[r]);
    for (size_t k = 0; k < reference.size(); ++k) {
      if (k < theirs.size() && theirs[k] == reference[k]) continue;
      std::string value = k < theirs.size() ? theirs[k].second : "missing";
      differences.push_back(
          fmt::format("rank {} has {} = {} where rank 0 has {}", r, reference[k].first, value, reference[k].second));
    }
  }
  if (!differences.empty())
    fail("the ranks do not run the same job, so none starts: {}", fmt::join(differences, "; "));
}

void broadcast_variables(const Ranks& ranks, VariableStore& variables, const std::vector<std::string>& names) {
  if (!ranks.many()) return;
  for (const auto& name : names) {
    Tensor& t = variables.at(name);
    if (!t.on_host()) t = t.to_host();
    ranks.comm->broadcast(t.raw(), static_cast<int64_t>(t.bytes()), 0, fmt::format("the initial value of '{}'", name));
  }
}

uint64_t variables_digest(const VariableStore& variables, const std::vector<std::string>& names) {
  uint64_t h = 0;
  for (const auto& name : names) {
    Tensor t = variables.at(name).to_host();
    h = hash_bytes(hash_string(h, name), t.raw(), t.bytes());
  }
  return h;
}

void check_replicas_identical(const Ranks& ranks, uint64_t digest, int64_t step) {
  if (!ranks.many()) return;
  std::vector<std::string> all = ranks.comm->all_gather(hex(digest), fmt::format("the replicas' check after step {}", step));
  std::vector<int> differ;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ.push_back(static_cast<int>(r));
  if (!differ.empty())
    fail("after step {} the weights of rank(s) {} differ from rank 0's (--verify-replicas: hashes {} against {})", step,
         fmt::join(differ, ", "), all[static_cast<size_t>(differ[0])], all[0]);
}

EvalResult sum_over_ranks(const Ranks& ranks, const EvalResult& mine) {
  if (!ranks.many()) return mine;
  auto n = static_cast<double>(mine.samples);
  double sums[4] = {n, mine.top1 * n, mine.top5 * n, mine.loss * n};
  ranks.comm->all_reduce_sum(sums, 4, DType::kFloat64, "the sum of the ranks' validation results");
  EvalResult total;
  total.samples = static_cast<int64_t>(sums[0] + 0.5);
  if (sums[0] > 0) total.top1 = sums[1] / sums[0], total.top5 = sums[2] / sums[0], total.loss = sums[3] / sums[0];
  return total;
}

}  // namespace graphrun
