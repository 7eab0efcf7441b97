// Checkpoints: a protobuf Checkpoint (core/proto/checkpoint.proto) behind a header of magic,
// payload length and CRC-32, written atomically (temporary file, fsync, rename), so the
// previous checkpoint survives a crash mid-write and a truncated file is named as such.
#pragma once

#include <cstdint>
#include <map>
#include <vector>
#include <string>

#include "core/proto/checkpoint.pb.h"
#include "core/tensor.h"

namespace graphrun {

void write_checkpoint(const std::string& path, const proto::Checkpoint& checkpoint);
proto::Checkpoint read_checkpoint(const std::string& path);
bool is_checkpoint_file(const std::string& path);

proto::Tensor tensor_to_proto(const Tensor& tensor);
Tensor tensor_from_proto(const proto::Tensor& proto, const std::string& origin);
// Checkpoints between epochs (an ImageNet epoch is hours): every N steps or every T seconds.
// due() after each step says whether one is due; keep() gives the latest.ckpt just written a
// second name, step-N.ckpt (a hard link: no second copy of the bytes), and removes the oldest of
// those beyond the last `keep`.
class PeriodicCheckpoints {
 public:
  PeriodicCheckpoints(int64_t every_steps, double every_seconds, int64_t keep);
  bool due(int64_t step);
  void keep(const std::string& latest, int64_t step);

 private:
  int64_t every_steps_;
  double every_seconds_;
  int64_t keep_;
  double last_ = 0;  // seconds since start of the last checkpoint
  std::vector<std::string> kept_;
};

// "500" (steps), "90s", "30m" or "2h" for --checkpoint-every; an Error names a malformed one.
void parse_checkpoint_every(const std::string& text, int64_t& steps, double& seconds);

// A checkpoint's model weights by variable name (`path` names them in errors).
std::map<std::string, Tensor> checkpoint_weights(const proto::Checkpoint& checkpoint, const std::string& path);

}  // namespace graphrun
