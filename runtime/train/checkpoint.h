// Checkpoints: a protobuf Checkpoint (core/proto/checkpoint.proto) behind a header of magic,
// payload length and CRC-32, written atomically (temporary file, fsync, rename), so the
// previous checkpoint survives a crash mid-write and a truncated file is named as such.
#pragma once

#include <map>
#include <string>

#include "core/proto/checkpoint.pb.h"
#include "core/tensor.h"

namespace graphrun {

void write_checkpoint(const std::string& path, const proto::Checkpoint& checkpoint);
proto::Checkpoint read_checkpoint(const std::string& path);
bool is_checkpoint_file(const std::string& path);

proto::Tensor tensor_to_proto(const Tensor& tensor);
Tensor tensor_from_proto(const proto::Tensor& proto, const std::string& origin);
// A checkpoint's model weights by variable name (`path` names them in errors).
std::map<std::string, Tensor> checkpoint_weights(const proto::Checkpoint& checkpoint, const std::string& path);

}  // namespace graphrun
