// Data parallelism across processes (ranks started by mpirun or srun: runtime/distributed): each
// rank computes the same graph on its share of the global batch, so every variable's update must
// use the mean of all ranks' gradients. This pass puts that mean into the step's graph as ordinary
// nodes: the gradients, last layer first (the order the backward pass produces them), are dealt
// into buckets of about `bucket_bytes`, and each bucket becomes one AllReduce node (ops/all_reduce)
// whose outputs the updates read. The flow graph runs a bucket's AllReduce as soon as its
// gradients exist, so the exchange overlaps the rest of the backward pass; every rank numbers
// the buckets alike, and the communication thread issues them in that order.
//
// It comes after the replicas' sum of data parallelism within a process (gradient_exchange.h):
// ranks are one more level of the same exchange.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace graphrun {

struct RankExchange {
  int ranks = 1;                            // processes in the group: 1 adds nothing
  int64_t bucket_bytes = int64_t{25} << 20;  // PyTorch DDP's default bucket size
};

// Adds the AllReduce nodes to `graph` (the forward graph `forward` with autodiff's nodes) and
// points `gradient_of_variable` (variable -> gradient tensor) at their outputs. Returns the
// outputs added, each with the variable it is the gradient of.
std::map<std::string, std::string> all_reduce_across_ranks(proto::Graph& graph, const Graph& forward,
                                                           const std::vector<std::string>& variables,
                                                           std::map<std::string, std::string>& gradient_of_variable,
                                                           const RankExchange& exchange);

}  // namespace graphrun
