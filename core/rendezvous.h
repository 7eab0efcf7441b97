// Where a Send leaves the event that marks its tensor ready for the Recv on the other device,
// for one run of a graph. Keyed by the Send node's name.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/device.h"
#include "core/error.h"

namespace graphrun {

class Rendezvous {
 public:
  void put(const std::string& send, std::shared_ptr<Event> event) {
    std::lock_guard lock(mutex_);
    events_[send] = std::move(event);
  }
  // The flow graph runs a Recv after its Send, so the event is always there.
  std::shared_ptr<Event> take(const std::string& send) {
    std::lock_guard lock(mutex_);
    auto it = events_.find(send);
    GR_CHECK(it != events_.end(), "Recv ran before Send '{}'", send);
    std::shared_ptr<Event> event = std::move(it->second);
    events_.erase(it);
    return event;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Event>> events_;
};

}  // namespace graphrun
