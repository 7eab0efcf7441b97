// The split pass: turns a logical one-tower graph into shards on N devices, asking each node's
// split rule (core/split_rule.h) how it runs given how its inputs lie. Three layouts, one pass:
//   - model (the default): on AlexNet with `groups: 2` this recovers the paper's two GPU
//     towers: the only tensors that must cross devices are those the rules gather, the inputs
//     of conv3, fc6, fc7, fc8 and the loss;
//   - data: every layer up to the logits runs on each device's share of the batch (the rules'
//     batch axis), its parameters replicated per device; the loss gathers the logits;
//   - hybrid (Krizhevsky's "one weird trick", 2014): the layers before the first fully
//     connected one data-parallel, the fully connected layers model-parallel (the dense rule
//     gathers the whole batch on every device and computes its slice of the features).
// Replicas of a variable are V/replica_k (a part covering the whole: core/variable_parts.h);
// their gradients are summed by the training graph (runtime/passes/gradient_exchange.h).
//
// What it emits, every node with its device:
//   - a sharded node X as X/part_0 .. X/part_{N-1}, part k on device k, with its per-shard attrs;
//   - a Variable read in parts as V/part_k (attrs part_of etc., core/variable_parts.h);
//   - a gather (Concat of the parts) where a node needs a split tensor whole; the gather on
//     device 0 takes the logical name X, so fetching "fc8" or "prob" works as on one device
//     (drop_unwanted_gathers below then removes those of the tensors nobody will fetch);
//   - a Slice where a shard needs its part of a whole tensor (sliced on the tensor's device,
//     or on the shard's device for a graph input, which every device receives anyway);
//   - a node that runs whole keeps its name, on its explicit device, else its first input's.
// Nodes with an explicit device are never split (hand-placed towers stay as written).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/device.h"
#include "core/graph.h"

namespace graphrun {

enum class Parallelism { kModel, kData, kHybrid };
Parallelism parse_parallelism(const std::string& name);  // "model", "data", "hybrid"
std::string to_string(Parallelism mode);

struct SplitInfo {
  std::map<std::string, std::string> logical_of;  // physical node -> the logical node it computes part of
  std::set<std::string> adapters;                 // gathers and slices the pass added
};

struct SplitResult {
  proto::Graph graph;
  SplitInfo info;
};

SplitResult split_graph(const Graph& model, const std::vector<DeviceName>& devices,
                        Parallelism mode = Parallelism::kModel);

// Removes the gathers the pass added only so that a tensor can be fetched by its logical name
// (nothing reads them) unless that name is in `wanted`. They never run unless fetched, but a
// reader is a reader: the activation fusion leaves a Conv2D alone while its gather reads it, and
// the blocked-layout pass keeps plain every tensor a Concat reads.
void drop_unwanted_gathers(SplitResult& split, const std::set<std::string>& wanted);

}  // namespace graphrun
