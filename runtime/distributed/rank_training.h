// What `graphrun train` does differently when a launcher started several ranks (mpirun -np N,
// srun): the same graph on every rank at batch global/N, each rank reading its share of every
// global batch, the gradients averaged inside the step (runtime/passes/rank_exchange.h). An
// N-rank run then computes what one process computes at the global batch: the same samples,
// the same augmentation and dropout (keyed by the global sample index), the mean gradient.
// With one rank every function here does nothing.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/variable_store.h"
#include "runtime/distributed/communicator.h"
#include "runtime/train/evaluate.h"

namespace graphrun {

struct Ranks {
  int rank = 0;
  int size = 1;
  Communicator* comm = nullptr;  // set when size > 1
  bool many() const { return size > 1; }
  bool leader() const { return rank == 0; }  // prints progress, writes metrics and checkpoints
};

// The ranks the launcher started; with more than one, the communicator starts (MPI_Init). When
// several ranks share a machine and `devices` (--devices) names G GPUs, local rank l takes the
// machine's GPUs l*G .. l*G+G-1 (CUDA_VISIBLE_DEVICES, set before CUDA starts, unless the user
// set it), so gpu:0 of every rank is its own first GPU.
Ranks join_ranks(double comm_timeout_seconds, const std::string& devices = "");

// Each rank's share of the global batch; an error naming both numbers when the ranks do not
// divide it.
int64_t rank_batch(const Ranks& ranks, int64_t global_batch);

// Dropout's mask of rank r continues where rank r-1's ends (attr mask_offset), so the ranks
// together draw the mask one process draws for the global batch. `model` is built at the rank's
// batch.
void offset_dropout_masks(Graph& model, const Ranks& ranks);

// The items of an epoch's global order this rank reads: of every global batch, its slice.
std::vector<int64_t> rank_share_of_order(const std::vector<int64_t>& order, int64_t global_batch,
                                         int64_t steps, const Ranks& ranks);

// Before the first step: every rank's (what, value) pairs must equal rank 0's. A difference is
// an error on every rank, naming the rank and what differs (never a hang in a collective
// whose sizes disagree).
void check_ranks_agree(const Ranks& ranks, const std::vector<std::pair<std::string, std::string>>& fields);

// What the fingerprint compares, as (what, value): the graph (nodes, ops, attrs, devices), the
// variables (names, shapes, dtypes) and the gradient buckets, each as a hash.
std::vector<std::pair<std::string, std::string>> graph_fingerprint(const Graph& graph);

// Rank 0's values of these variables to every rank (the initial weights, as DDP does).
void broadcast_variables(const Ranks& ranks, VariableStore& variables, const std::vector<std::string>& names);

// A hash of these variables' bytes; with --verify-replicas every rank compares its own after
// every step, and a difference is an error naming the ranks that differ from rank 0.
uint64_t variables_digest(const VariableStore& variables, const std::vector<std::string>& names);
void check_replicas_identical(const Ranks& ranks, uint64_t digest, int64_t step);

// Each rank evaluates its share of the validation set; this sums the shares.
EvalResult sum_over_ranks(const Ranks& ranks, const EvalResult& mine);

}  // namespace graphrun
