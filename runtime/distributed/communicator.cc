#include "runtime/distributed/communicator.h"

#include <mpi.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fmt/ranges.h>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace graphrun {

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < 0) fail("environment variable {}='{}' is not a rank number", name, v);
  return static_cast<int>(n);
}

MPI_Datatype mpi_type(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return MPI_FLOAT;
    case DType::kFloat64: return MPI_DOUBLE;
    case DType::kInt64: return MPI_INT64_T;
    default: fail("cannot all-reduce {} tensors (float32, float64 and int64 only)", dtype_name(dtype));
  }
}

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return std::string(text, static_cast<size_t>(length));
}

constexpr int kArrivalTag = 7001;  // "I have reached collective #n" (see the header)

std::unique_ptr<Communicator> g_world;
std::mutex g_world_mutex;

}  // namespace

RankInfo rank_info_from_environment() {
  RankInfo info;
  // Open MPI's mpirun first, then any PMIx launcher, then Slurm's srun.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr) {
    info.rank = env_int("OMPI_COMM_WORLD_RANK", 0);
    info.size = env_int("OMPI_COMM_WORLD_SIZE", 1);
    info.local_rank = env_int("OMPI_COMM_WORLD_LOCAL_RANK", 0);
    info.local_size = env_int("OMPI_COMM_WORLD_LOCAL_SIZE", 1);
  } else if (std::getenv("PMIX_RANK") != nullptr && std::getenv("PMIX_SIZE") != nullptr) {
    info.rank = env_int("PMIX_RANK", 0);
    info.size = env_int("PMIX_SIZE", 1);
  } else if (std::getenv("SLURM_PROCID") != nullptr) {
    info.rank = env_int("SLURM_PROCID", 0);
    info.size = env_int("SLURM_NTASKS", 1);
    info.local_rank = env_int("SLURM_LOCALID", 0);
    info.local_size = env_int("SLURM_NTASKS_PER_NODE", 1);
  }
  if (info.size < 1 || info.rank >= info.size)
    fail("the launcher says rank {} of {}: not a valid rank", info.rank, info.size);
  return info;
}

// A collective: started, then polled to completion (or to the deadline).
struct Communicator::Job {
  std::string what;
  Collective collective;
  std::function<void()> finish;            // after the collective, on the communication thread
  Communicator::Done done;
  int64_t bucket_bytes = -1;               // a gradient bucket's size (counted in BucketStats)
};

namespace {

// An MPI collective as a Collective: `start` makes the blocking call. Blocking calls, on the
// communication thread, which has nothing else to do meanwhile: Open MPI's tuned blocking
// algorithms move an AlexNet gradient about 3x faster than its non-blocking ones (libnbc). The
// arrival messages before it name a rank that never comes; the watchdog covers one that stops
// during the transfer.
Communicator::Collective mpi_collective(std::function<int()> call) {
  Communicator::Collective c;
  c.start = [call = std::move(call)]() -> std::string {
    int code = call();
    return code == MPI_SUCCESS ? "" : mpi_error_text(code);
  };
  c.test = [](std::string&) { return true; };
  return c;
}

}  // namespace

struct Communicator::State {
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job> fifo;                        // the main thread's collectives
  std::map<int, Job> ordered;                  // gradient buckets by slot, waiting their turn
  int next_slot = 0;
  int64_t ordered_step = -1;                   // the step the slots belong to
  std::map<int64_t, std::string> cancelled;    // steps whose remaining slots fail, and why
  bool stop = false;
  bool skip_finalize = false;                  // leaving on an error (shutdown(false))
  std::string broken;                          // set when a collective failed: later ones fail at once
  // Arrival tokens (communication thread only).
  int64_t sequence = 0;                        // collectives started by this rank
  std::vector<int64_t> peer_reached;           // by rank: the last collective it said it reached
  std::vector<int64_t> peer_buffer;
  std::vector<MPI_Request> peer_recv;
  std::deque<std::pair<std::unique_ptr<int64_t>, MPI_Request>> token_sends;
  BucketStats buckets;  // under `mutex`
  // The watchdog of blocking collectives.
  std::thread watchdog;
  std::mutex watchdog_mutex;
  std::condition_variable watchdog_wake;
  std::string watched;  // the collective under way, "" when none
  std::chrono::steady_clock::time_point watch_deadline;
  bool watchdog_stop = false;
};

Communicator& Communicator::world() {
  std::lock_guard lock(g_world_mutex);
  if (!g_world) {
    std::unique_ptr<Communicator> c(new Communicator());
    c->start();
    g_world = std::move(c);
  }
  return *g_world;
}

bool Communicator::running() {
  std::lock_guard lock(g_world_mutex);
  return g_world != nullptr;
}

Communicator::Communicator() : state_(std::make_unique<State>()) {}

Communicator::~Communicator() { shutdown(); }

void Communicator::start() {
  std::promise<std::string> started;
  auto result = started.get_future();
  State& s = *state_;
  s.thread = std::thread([this, &started, &s] {
    int provided = 0;
    int code = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS) {
      started.set_value(fmt::format("MPI_Init_thread failed: {}", mpi_error_text(code)));
      return;
    }
    // Errors come back as codes, to become graphrun errors naming the collective, not aborts.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    s.peer_reached.assign(static_cast<size_t>(size_), -1);
    s.peer_buffer.assign(static_cast<size_t>(size_), -1);
    s.peer_recv.assign(static_cast<size_t>(size_), MPI_REQUEST_NULL);
    for (int r = 0; r < size_; ++r)
      if (r != rank_) MPI_Irecv(&s.peer_buffer[r], 1, MPI_INT64_T, r, kArrivalTag, MPI_COMM_WORLD, &s.peer_recv[r]);
    started.set_value("");
    s.watchdog = std::thread([this, &s] {
      std::unique_lock lock(s.watchdog_mutex);
      while (!s.watchdog_stop) {
        if (s.watched.empty()) {
          s.watchdog_wake.wait(lock);
          continue;
        }
        if (s.watchdog_wake.wait_until(lock, s.watch_deadline) == std::cv_status::timeout && !s.watched.empty() &&
            std::chrono::steady_clock::now() >= s.watch_deadline) {
          std::fprintf(stderr,
                       "rank %d: error: %s did not complete within %g s (--comm-timeout): every rank reached it, so "
                       "one died or stopped during the transfer\n",
                       rank_, s.watched.c_str(), timeout_seconds_);
          std::fflush(stderr);
          std::_Exit(2);  // MPI cannot be left cleanly from inside a collective
        }
      }
    });

    // A blocking collective cannot time out by itself: the watchdog ends the process if one
    // outlives the deadline (a rank stopped in the middle of the transfer), saying so.
    auto arm_watchdog = [&](const std::string& what, int64_t n) {
      std::lock_guard lock(s.watchdog_mutex);
      s.watched = fmt::format("{} (collective #{})", what, n);
      s.watch_deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                                 std::chrono::duration<double>(timeout_seconds_ + 1));
      s.watchdog_wake.notify_all();
    };
    auto disarm_watchdog = [&] {
      std::lock_guard lock(s.watchdog_mutex);
      s.watched.clear();
    };
    auto poll_arrivals = [&] {
      for (int r = 0; r < size_; ++r) {
        if (s.peer_recv[r] == MPI_REQUEST_NULL) continue;
        int flag = 0;
        if (MPI_Test(&s.peer_recv[r], &flag, MPI_STATUS_IGNORE) != MPI_SUCCESS) {
          s.peer_recv[r] = MPI_REQUEST_NULL;
          continue;
        }
        if (!flag) continue;
        s.peer_reached[r] = std::max(s.peer_reached[r], s.peer_buffer[r]);
        MPI_Irecv(&s.peer_buffer[r], 1, MPI_INT64_T, r, kArrivalTag, MPI_COMM_WORLD, &s.peer_recv[r]);
      }
      while (!s.token_sends.empty()) {
        int flag = 0;
        if (MPI_Test(&s.token_sends.front().second, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS && !flag) break;
        s.token_sends.pop_front();
      }
    };

    // Runs one collective to completion or to the deadline; "" or the error.
    auto run_job = [&](Job& job) -> std::string {
      if (!s.broken.empty()) return fmt::format("{}: not attempted, an earlier collective failed ({})", job.what, s.broken);
      int64_t n = s.sequence++;
      for (int r = 0; r < size_; ++r) {
        if (r == rank_) continue;
        auto token = std::make_unique<int64_t>(n);
        MPI_Request request = MPI_REQUEST_NULL;
        if (MPI_Isend(token.get(), 1, MPI_INT64_T, r, kArrivalTag, MPI_COMM_WORLD, &request) == MPI_SUCCESS)
          s.token_sends.emplace_back(std::move(token), request);
      }
      auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds_);
      auto timed_out = [&](const std::string& who) {
        return fmt::format("{} (collective #{}) did not complete within {:g} s (--comm-timeout): {}", job.what, n,
                           timeout_seconds_, who);
      };
      // Polls `done` until it holds or the deadline passes. Open MPI progresses messages only
      // inside MPI calls: poll often, but give the cores back to the compute threads between
      // polls once the wait is longer than a moment.
      auto wait_for = [&](const std::function<bool()>& done) {
        for (auto pause = std::chrono::microseconds(0); !done();) {
          if (std::chrono::steady_clock::now() > deadline) return false;
          if (pause.count() == 0) {
            std::this_thread::yield();
            pause = std::chrono::microseconds(1);
          } else {
            std::this_thread::sleep_for(pause);
            pause = std::min(pause * 2, std::chrono::microseconds(100));
          }
        }
        return true;
      };
      // Every rank must have reached this collective before it starts: one that never comes is
      // named here, and the collective itself never waits for a rank that is not there.
      std::vector<int> missing;
      bool all_here = wait_for([&] {
        poll_arrivals();
        missing.clear();
        for (int r = 0; r < size_; ++r)
          if (r != rank_ && s.peer_reached[r] < n) missing.push_back(r);
        return missing.empty();
      });
      if (!all_here)
        return timed_out(fmt::format("rank{} {} never reached it (died, was killed, or hangs)",
                                     missing.size() > 1 ? "s" : "", fmt::join(missing, ", ")));
      auto started = std::chrono::steady_clock::now();
      arm_watchdog(job.what, n);
      std::string error = job.collective.start();
      bool finished = error.empty() && wait_for([&] { return job.collective.test(error); });
      disarm_watchdog();
      if (!error.empty()) return fmt::format("{} failed: {}", job.what, error);
      if (!finished) {
        if (job.collective.abandon) job.collective.abandon();
        return timed_out("every rank reached it, so one died or stopped during the transfer");
      }
      if (job.bucket_bytes >= 0) {
        std::lock_guard lock(s.mutex);
        ++s.buckets.collectives;
        s.buckets.bytes += job.bucket_bytes;
        s.buckets.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      }
      if (job.finish) job.finish();
      return "";
    };

    for (;;) {
      Job job;
      {
        std::unique_lock lock(s.mutex);
        s.wake.wait(lock, [&] { return s.stop || !s.fifo.empty() || s.ordered.count(s.next_slot); });
        if (s.ordered.count(s.next_slot)) {
          job = std::move(s.ordered[s.next_slot]);
          s.ordered.erase(s.next_slot);
          ++s.next_slot;
        } else if (!s.fifo.empty()) {
          job = std::move(s.fifo.front());
          s.fifo.pop_front();
        } else {
          break;  // stop, nothing left
        }
      }
      std::string error = run_job(job);
      if (!error.empty() && s.broken.empty()) s.broken = error;
      job.done(error.empty() ? nullptr : std::make_exception_ptr(Error(error)));
    }
    {
      std::lock_guard lock(s.watchdog_mutex);
      s.watchdog_stop = true;
      s.watchdog_wake.notify_all();
    }
    s.watchdog.join();
    // MPI_Finalize would wait for the rank that is gone, or for the others still in a step.
    if (!s.broken.empty() || s.skip_finalize) return;
    for (auto& [token, request] : s.token_sends) MPI_Wait(&request, MPI_STATUS_IGNORE);
    for (auto& request : s.peer_recv) {
      if (request == MPI_REQUEST_NULL) continue;
      MPI_Cancel(&request);
      MPI_Wait(&request, MPI_STATUS_IGNORE);
    }
    MPI_Finalize();
  });
  std::string error = result.get();
  if (!error.empty()) {
    s.thread.join();
    fail("cannot start the ranks' communicator: {}", error);
  }
}

void Communicator::shutdown(bool finalize) {
  State& s = *state_;
  if (!s.thread.joinable()) return;
  {
    std::lock_guard lock(s.mutex);
    s.stop = true;
    if (!finalize) s.skip_finalize = true;
  }
  s.wake.notify_all();
  s.thread.join();
}

// Queues `job` and waits for it (the main thread's collectives).
void Communicator::run_blocking(Job job) {
  State& s = *state_;
  std::promise<void> finished;
  auto result = finished.get_future();
  job.done = [&finished](std::exception_ptr e) {
    if (e) finished.set_exception(e);
    else finished.set_value();
  };
  {
    std::lock_guard lock(s.mutex);
    s.fifo.push_back(std::move(job));
  }
  s.wake.notify_all();
  result.get();
}

void Communicator::all_reduce_sum(void* data, int64_t count, DType dtype, const std::string& what) {
  MPI_Datatype type = mpi_type(dtype);
  Job job{what, mpi_collective([=] {
            return MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), type, MPI_SUM, MPI_COMM_WORLD);
          })};
  run_blocking(std::move(job));
}

void Communicator::broadcast(void* data, int64_t bytes, int root, const std::string& what) {
  // MPI counts are ints: a large tensor goes in pieces of at most 1 GiB.
  constexpr int64_t kPiece = int64_t{1} << 30;
  for (int64_t offset = 0; offset < bytes || offset == 0; offset += kPiece) {
    auto* p = static_cast<char*>(data) + offset;
    int n = static_cast<int>(std::min(kPiece, bytes - offset));
    Job job{what, mpi_collective([=] { return MPI_Bcast(p, n, MPI_BYTE, root, MPI_COMM_WORLD); })};
    run_blocking(std::move(job));
    if (bytes == 0) break;
  }
}

std::vector<std::string> Communicator::all_gather(const std::string& mine, const std::string& what) {
  std::vector<int> lengths(static_cast<size_t>(size_));
  int my_length = static_cast<int>(mine.size());
  Job sizes{what + " (lengths)", mpi_collective([&] {
              return MPI_Allgather(&my_length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
            })};
  run_blocking(std::move(sizes));
  std::vector<int> offsets(lengths.size());
  int total = 0;
  for (size_t r = 0; r < lengths.size(); ++r) offsets[r] = total, total += lengths[r];
  std::string all(static_cast<size_t>(total), '\0');
  Job gather{what, mpi_collective([&] {
               return MPI_Allgatherv(mine.data(), my_length, MPI_BYTE, all.data(), lengths.data(), offsets.data(),
                                     MPI_BYTE, MPI_COMM_WORLD);
             })};
  run_blocking(std::move(gather));
  std::vector<std::string> out;
  for (size_t r = 0; r < lengths.size(); ++r) out.push_back(all.substr(offsets[r], lengths[r]));
  return out;
}

void Communicator::all_reduce_ordered(int64_t step, int slot, void* data, int64_t count, DType dtype,
                                      std::string what, Done done) {
  MPI_Datatype type = mpi_type(dtype);
  Job job{std::move(what), mpi_collective([=] {
            return MPI_Allreduce(MPI_IN_PLACE, data, static_cast<int>(count), type, MPI_SUM, MPI_COMM_WORLD);
          }),
          nullptr, std::move(done), count * static_cast<int64_t>(dtype_size(dtype))};
  queue_ordered(step, slot, std::move(job));
}

void Communicator::collective_ordered(int64_t step, int slot, std::string what, int64_t bytes, Collective collective,
                                      Done done) {
  queue_ordered(step, slot, Job{std::move(what), std::move(collective), nullptr, std::move(done), bytes});
}

void Communicator::queue_ordered(int64_t step, int slot, Job job) {
  State& s = *state_;
  std::string cancelled;
  {
    std::lock_guard lock(s.mutex);
    if (s.ordered_step != step) {
      // A new step: its slots start from 0 (the last step's were all issued, or it failed).
      s.ordered_step = step;
      s.next_slot = 0;
      s.ordered.clear();
    }
    auto it = s.cancelled.find(step);
    if (it != s.cancelled.end()) cancelled = it->second;
    else s.ordered[slot] = std::move(job);
  }
  if (!cancelled.empty()) {
    job.done(std::make_exception_ptr(Error(cancelled)));
    return;
  }
  s.wake.notify_all();
}

void Communicator::cancel_step(int64_t step, const std::string& why) {
  State& s = *state_;
  std::vector<Job> failed;
  {
    std::lock_guard lock(s.mutex);
    s.cancelled[step] = why;
    if (s.ordered_step == step)
      for (auto& [slot, job] : s.ordered) failed.push_back(std::move(job));
    if (s.ordered_step == step) s.ordered.clear();
  }
  for (Job& job : failed) job.done(std::make_exception_ptr(Error(fmt::format("{}: cancelled ({})", job.what, why))));
}

Communicator::BucketStats Communicator::bucket_stats() {
  std::lock_guard lock(state_->mutex);
  return state_->buckets;
}

double Communicator::time_plain_all_reduce(int64_t count) {
  std::vector<float> data(static_cast<size_t>(count), 1.0f);
  double seconds = 0;
  // Blocking calls, as a plain MPI program makes them; still on the communication thread, the
  // only one that calls MPI. The job's "request" is already complete when it returns.
  Job job{"the plain MPI_Allreduce yardstick", mpi_collective([&] {
            MPI_Barrier(MPI_COMM_WORLD);
            auto start = std::chrono::steady_clock::now();
            int code = MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            return code;
          })};
  run_blocking(std::move(job));
  return seconds;
}

double Communicator::time_bucketed_all_reduce(const std::vector<int64_t>& counts) {
  std::vector<std::vector<float>> buffers;
  for (int64_t count : counts) buffers.emplace_back(static_cast<size_t>(count), 1.0f);
  std::vector<std::promise<void>> finished(counts.size());
  // A step number no training step has: the slots' round is its own.
  static int64_t round = -1;
  const int64_t step = --round;
  double together = 0;  // every rank starts the clock after this, as after the plain one's barrier
  all_reduce_sum(&together, 1, DType::kFloat64, "the barrier before the bucketed yardstick");
  auto start = std::chrono::steady_clock::now();
  for (size_t k = 0; k < counts.size(); ++k)
    all_reduce_ordered(step, static_cast<int>(k), buffers[k].data(), counts[k], DType::kFloat32,
                       fmt::format("the bucketed yardstick's bucket {}", k), [&finished, k](std::exception_ptr e) {
                         if (e) finished[k].set_exception(e);
                         else finished[k].set_value();
                       });
  for (auto& f : finished) f.get_future().get();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string rank_prefix() {
  if (!Communicator::running()) return "";
  return fmt::format("rank {}: ", Communicator::world().rank());
}

void shutdown_ranks(bool finalize) {
  std::lock_guard lock(g_world_mutex);
  if (g_world) g_world->shutdown(finalize);
}

}  // namespace graphrun
