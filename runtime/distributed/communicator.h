// Ranks across processes and machines, as Horovod runs them: a launcher (Open MPI's mpirun, an
// ssh hostfile, Slurm's srun) starts N copies of graphrun, and this communicator carries their
// collectives over MPI. No home-made transport or launcher: MPI moves the bytes.
//
// MPI is called from one thread only, the communication thread this class owns (MPI_Init in it,
// MPI_THREAD_FUNNELED): a flow-graph node hands it a bucket of gradients and returns, so no
// worker thread blocks on the network (ops/all_reduce). Before each collective every rank tells
// every other which collective it has reached (a small message), and the collective starts only
// when all have: a rank that dies or hangs before it becomes, after --comm-timeout, an error on
// the others naming it, never a hang. The collective itself is MPI's blocking call (its tuned
// algorithms are faster than the non-blocking ones); a watchdog ends the process, saying why,
// if one outlives the deadline because a rank stopped in the middle of it.
//
// With one process (no launcher, or a launcher of one rank) nothing here starts: graphrun runs
// exactly as without MPI.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"

namespace graphrun {

// Where this process stands among the ranks its launcher started (Open MPI's OMPI_COMM_WORLD_*,
// PMIx's PMIX_RANK, Slurm's SLURM_PROCID/SLURM_NTASKS); {0, 1, 0, 1} without a launcher.
struct RankInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // among the ranks on this machine: which of its GPUs to take
  int local_size = 1;
};
RankInfo rank_info_from_environment();

class Communicator {
 public:
  using Done = std::function<void(std::exception_ptr)>;

  // The communicator of all ranks, MPI started on first use. Only when the launcher started
  // more than one rank (rank_info_from_environment().size > 1).
  static Communicator& world();
  // Whether world() has started (a multi-rank run).
  static bool running();

  ~Communicator();
  int rank() const { return rank_; }
  int size() const { return size_; }
  // How long a collective may wait for the other ranks before it is an error naming them.
  void set_timeout(double seconds) { timeout_seconds_ = seconds; }
  double timeout() const { return timeout_seconds_; }

  // Collectives for the main thread, between steps: each blocks the caller until every rank has
  // taken part. `what` names the collective in errors.
  void all_reduce_sum(void* data, int64_t count, DType dtype, const std::string& what);
  void broadcast(void* data, int64_t bytes, int root, const std::string& what);
  // Every rank's `mine` (any length), in rank order.
  std::vector<std::string> all_gather(const std::string& mine, const std::string& what);

  // The gradient buckets of a training step: slot k sums `count` elements over the ranks in
  // place and then calls `done` on the communication thread (the kernel divides by the ranks as
  // it unpacks: one pass over the bytes, not two). Slots go to MPI in index order whatever order they arrive in, so every rank issues
  // the same collectives in the same order (a different order would pair one rank's bucket 3 with
  // another's bucket 4). `step` keys the round: cancel_step(step) fails its slots not yet issued
  // (a node of the step failed, so its later slots will never come).
  void all_reduce_ordered(int64_t step, int slot, void* data, int64_t count, DType dtype, std::string what,
                          Done done);
  // A collective another library runs (NCCL on a GPU's stream: ops/all_reduce), issued on the
  // communication thread in slot order with the buckets, polled against the same deadline.
  // `start` returns "" or an error; `test` says whether it has finished (setting `error` if it
  // failed); `abandon` (optional) tears it down after a timeout.
  struct Collective {
    std::function<std::string()> start;
    std::function<bool(std::string& error)> test;
    std::function<void()> abandon;
  };
  void collective_ordered(int64_t step, int slot, std::string what, int64_t bytes, Collective collective, Done done);
  void cancel_step(int64_t step, const std::string& why);

  // The gradient buckets' collectives so far: bytes reduced and seconds spent in MPI (from the
  // start of each collective to its completion, not the wait for its turn).
  struct BucketStats {
    int64_t collectives = 0;
    int64_t bytes = 0;
    double seconds = 0;
  };
  BucketStats bucket_stats();
  // The yardstick: one blocking MPI_Allreduce of `count` floats (after a barrier), as a plain
  // MPI program would call it; the seconds it took on this rank.
  double time_plain_all_reduce(int64_t count);
  // The same bytes through graphrun's own path (the communication thread, buckets in order,
  // arrival messages), with nothing else running: buckets
  // of `counts` floats; the seconds from the first bucket's start to the last one's end.
  double time_bucketed_all_reduce(const std::vector<int64_t>& counts);

  // Ends MPI at exit (MPI_Finalize). Skipped when a collective failed or timed out, or when this
  // rank is leaving on an error (`finalize` false): finalizing waits for every rank, and the
  // others may be waiting in a step for this one. The launcher sees the rank leave without
  // finalizing and stops the job at once.
  void shutdown(bool finalize = true);

 private:
  struct Job;
  struct State;
  Communicator();
  void run_blocking(Job job);
  void queue_ordered(int64_t step, int slot, Job job);
  void start();
  int rank_ = 0, size_ = 1;
  double timeout_seconds_ = 60;
  std::unique_ptr<State> state_;
};

// "rank 2: " in a multi-rank run, "" otherwise: every rank's errors say whose they are.
std::string rank_prefix();
// Ends the communicator if it started (the command line calls it before returning; after an
// error with `finalize` false).
void shutdown_ranks(bool finalize = true);

}  // namespace graphrun
