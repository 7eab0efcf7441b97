// Data parallelism's gradient exchange. Each replica of a variable (V/replica_k, one per device
// that reads it: runtime/passes/split.h) gets from autodiff the gradient of its own device's
// share of the batch; every replica's update must use their sum. One AddN per variable sums
// the replicas' gradients in device order on one device (variables dealt round robin, so each
// device sums its share, as a reduce-scatter would), and every replica's update reads that one
// sum (the partition pass sends it back, as an all-gather would). So the replicas stay
// bit-identical; and each variable's sum is an ordinary node that runs as soon as its
// replicas' gradients exist, so the flow graph overlaps the exchange with the rest of the
// backward pass (each variable is a bucket of its own, issued in the backward pass's order).
// Between distinct physical GPUs the sum is one DeviceAllReduce node per replica instead
// (ops/device_all_reduce: NCCL's all-reduce, each GPU getting the sum on its own stream).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace graphrun {

// How the replicas' gradients are summed: AddN with device copies (kNodes), DeviceAllReduce
// nodes (kCollective), or (kAuto) DeviceAllReduce where every replica of a variable is on a GPU
// of its own and the build has a GPU kernel for it (NCCL), AddN elsewhere.
enum class ReplicaSum { kAuto, kNodes, kCollective };

// Adds the sums to `graph` (the forward graph with autodiff's nodes, `forward` its forward part)
// and points `gradient_of_variable` (variable -> gradient tensor) of every replica at its sum.
// Returns the sums added, each with the logical variable it is the gradient of.
std::map<std::string, std::string> sum_replica_gradients(proto::Graph& graph, const Graph& forward,
                                               const std::vector<std::string>& variables,
                                               std::map<std::string, std::string>& gradient_of_variable,
                                               ReplicaSum how = ReplicaSum::kAuto);

}  // namespace graphrun
