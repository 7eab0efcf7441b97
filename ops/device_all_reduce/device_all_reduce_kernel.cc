#include "ops/device_all_reduce/device_all_reduce_kernel.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "core/error.h"

namespace graphrun {

namespace {

// The groups waiting for their last node, by (run, step, group). A run's groups all meet within
// its step, so an entry lives from a group's first arrival to its last (or the run's cancel).
class Meetings {
 public:
  using Key = std::tuple<const RunState*, int64_t, std::string>;

  // The whole group when `arrival` completes it (the caller reduces), else nothing.
  std::vector<DeviceArrival> arrive(const Key& key, int replicas, DeviceArrival arrival) {
    std::unique_lock lock(mutex_);
    if (auto c = cancelled_.find({std::get<0>(key), std::get<1>(key)}); c != cancelled_.end()) {
      std::string why = c->second;
      lock.unlock();
      arrival.done(std::make_exception_ptr(Error(why)));
      return {};
    }
    std::vector<DeviceArrival>& group = waiting_[key];
    for (const DeviceArrival& other : group)
      if (other.replica == arrival.replica) {
        lock.unlock();
        arrival.done(std::make_exception_ptr(
            Error(fmt::format("replica {} of group '{}' arrived twice in one step", arrival.replica, std::get<2>(key)))));
        return {};
      }
    group.push_back(std::move(arrival));
    if (static_cast<int>(group.size()) < replicas) return {};
    std::vector<DeviceArrival> complete = std::move(group);
    waiting_.erase(key);
    std::sort(complete.begin(), complete.end(), [](const auto& a, const auto& b) { return a.replica < b.replica; });
    return complete;
  }

  // Fails the run's waiting groups, and the nodes that arrive at it later.
  void cancel(const RunState* run, int64_t step, const std::string& why) {
    std::vector<DeviceArrival> failed;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_.size() > 64) cancelled_.clear();  // old runs' marks: their nodes have all ended
      cancelled_[{run, step}] = why;
      for (auto it = waiting_.begin(); it != waiting_.end();) {
        if (std::get<0>(it->first) == run && std::get<1>(it->first) == step) {
          for (auto& a : it->second) failed.push_back(std::move(a));
          it = waiting_.erase(it);
        } else {
          ++it;
        }
      }
    }
    for (auto& a : failed) a.done(std::make_exception_ptr(Error(why)));
  }

 private:
  std::mutex mutex_;
  std::map<Key, std::vector<DeviceArrival>> waiting_;
  std::map<std::pair<const RunState*, int64_t>, std::string> cancelled_;
};

Meetings& meetings() {
  static Meetings instance;
  return instance;
}

}  // namespace

DeviceAllReduceKernel::DeviceAllReduceKernel(const NodeInfo& node)
    : name_(node.name),
      group_(node.attrs.s("group")),
      replica_(static_cast<int>(node.attrs.i("replica"))),
      replicas_(static_cast<int>(node.attrs.i("replicas"))) {}

std::string DeviceAllReduceKernel::what() const {
  return fmt::format("the device all-reduce '{}' (replica {} of {} in group '{}')", name_, replica_ + 1, replicas_, group_);
}

void DeviceAllReduceKernel::compute(KernelContext& ctx) {
  if (replicas_ != 1)
    fail("{} runs only in a step of the whole graph, where its {} nodes meet", what(), replicas_);
  compute_and_wait(ctx);
}

void DeviceAllReduceKernel::compute_async(KernelContext& ctx, Done done) {
  DeviceArrival arrival{replica_, &ctx.device(), ctx.input(0).raw(), ctx.output(0).raw(), ctx.input(0).bytes(),
                        ctx.input(0).dtype(), std::move(done)};
  std::vector<DeviceArrival> group =
      meetings().arrive({&ctx.run(), ctx.step(), group_}, replicas_, std::move(arrival));
  if (group.empty()) return;  // another node of the group will finish it
  std::exception_ptr error;
  try {
    for (const DeviceArrival& a : group)
      if (a.bytes != group[0].bytes || a.dtype != group[0].dtype)
        fail("replica {} holds {} bytes of {}, replica 1 {} bytes of {}", a.replica + 1, a.bytes,
             dtype_name(a.dtype), group[0].bytes, dtype_name(group[0].dtype));
    reduce(group);
  } catch (const std::exception& e) {
    error = std::make_exception_ptr(Error(fmt::format("{}: {}", what(), e.what())));
  }
  for (const DeviceArrival& a : group) a.done(error);
}

void DeviceAllReduceKernel::cancel(const RunState& run, const std::string& why) {
  meetings().cancel(&run, run.step, why);
}

}  // namespace graphrun
