#include "runtime/train/checkpoint.h"

#include <zlib.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/graph_io.h"

namespace graphrun {

namespace {

constexpr char kMagic[8] = {'G', 'R', 'C', 'K', 'P', 'T', '0', '1'};
constexpr size_t kHeader = 8 + 8 + 4;  // magic, payload length, CRC-32 of the payload

void put_le(std::string& out, uint64_t value, int bytes) {
  for (int k = 0; k < bytes; ++k) out += static_cast<char>((value >> (8 * k)) & 0xff);
}

uint64_t get_le(const std::string& in, size_t at, int bytes) {
  uint64_t value = 0;
  for (int k = 0; k < bytes; ++k) value |= static_cast<uint64_t>(static_cast<uint8_t>(in[at + k])) << (8 * k);
  return value;
}

uint32_t crc32_of(const std::string& bytes, size_t offset) {
  uLong crc = crc32(0L, Z_NULL, 0);
  const auto* data = reinterpret_cast<const Bytef*>(bytes.data() + offset);
  size_t left = bytes.size() - offset;
  while (left > 0) {  // zlib takes uInt lengths
    uInt chunk = static_cast<uInt>(std::min<size_t>(left, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    left -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace

proto::Tensor tensor_to_proto(const Tensor& tensor) {
  proto::Tensor out;
  out.set_dtype(static_cast<proto::DataType>(tensor.dtype()));
  for (int64_t d : tensor.shape().dims()) out.mutable_shape()->add_dim(d);
  out.set_raw(tensor.raw(), tensor.bytes());
  return out;
}

Tensor tensor_from_proto(const proto::Tensor& proto, const std::string& origin) {
  DType dtype = static_cast<DType>(proto.dtype());
  if (dtype_name(dtype) == "invalid") fail("{}: tensor has no valid dtype", origin);
  Shape shape(std::vector<int64_t>(proto.shape().dim().begin(), proto.shape().dim().end()));
  Tensor t(dtype, shape);
  if (proto.raw().size() != t.bytes())
    fail("{}: tensor {} {} has {} bytes of data, needs {}", origin, dtype_name(dtype), shape.str(), proto.raw().size(),
         t.bytes());
  if (t.bytes() > 0) std::memcpy(t.raw(), proto.raw().data(), t.bytes());
  return t;
}

void write_checkpoint(const std::string& path, const proto::Checkpoint& checkpoint) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) fail("cannot serialize the checkpoint for '{}'", path);
  std::string bytes(kMagic, sizeof kMagic);
  put_le(bytes, payload.size(), 8);
  bytes.reserve(kHeader + payload.size());
  put_le(bytes, 0, 4);
  bytes += payload;
  uint32_t crc = crc32_of(bytes, kHeader);
  for (int k = 0; k < 4; ++k) bytes[16 + k] = static_cast<char>((crc >> (8 * k)) & 0xff);
  write_file_atomically(path, bytes);
}

bool is_checkpoint_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof kMagic] = {};
  in.read(magic, sizeof magic);
  return in.gcount() == sizeof magic && std::memcmp(magic, kMagic, sizeof magic) == 0;
}

proto::Checkpoint read_checkpoint(const std::string& path) {
  std::string bytes = read_file_bytes(path);
  if (bytes.size() < kHeader || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0)
    fail("'{}' is not a graphrun checkpoint", path);
  uint64_t length = get_le(bytes, 8, 8);
  if (bytes.size() - kHeader != length)
    fail("checkpoint '{}' is truncated or corrupt: {} bytes of payload, the header says {}", path,
         bytes.size() - kHeader, length);
  if (crc32_of(bytes, kHeader) != get_le(bytes, 16, 4)) fail("checkpoint '{}' is corrupt: CRC-32 mismatch", path);
  proto::Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(bytes.data() + kHeader, static_cast<int>(length)))
    fail("checkpoint '{}' is corrupt: protobuf parse failed", path);
  return checkpoint;
}

std::map<std::string, Tensor> checkpoint_weights(const proto::Checkpoint& checkpoint, const std::string& path) {
  std::map<std::string, Tensor> weights;
  for (const auto& nt : checkpoint.weights()) weights[nt.name()] = tensor_from_proto(nt.tensor(), path + "[" + nt.name() + "]");
  return weights;
}

}  // namespace graphrun

namespace graphrun {

namespace {
double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

PeriodicCheckpoints::PeriodicCheckpoints(int64_t every_steps, double every_seconds, int64_t keep)
    : every_steps_(every_steps), every_seconds_(every_seconds), keep_(keep), last_(seconds_now()) {
  if (every_steps < 0 || every_seconds < 0) fail("--checkpoint-every must not be negative");
  if (keep < 1) fail("--keep-checkpoints {}: keep at least 1", keep);
}

bool PeriodicCheckpoints::due(int64_t step) {
  bool by_steps = every_steps_ > 0 && step % every_steps_ == 0;
  bool by_time = every_seconds_ > 0 && seconds_now() - last_ >= every_seconds_;
  if (by_steps || by_time) last_ = seconds_now();
  return by_steps || by_time;
}

void PeriodicCheckpoints::keep(const std::string& latest, int64_t step) {
  namespace fs = std::filesystem;
  fs::path named = fs::path(latest).parent_path() / fmt::format("step-{}.ckpt", step);
  std::error_code error;
  fs::remove(named, error);
  fs::create_hard_link(latest, named, error);
  if (error) {  // a file system without hard links: a copy
    error.clear();
    fs::copy_file(latest, named, fs::copy_options::overwrite_existing, error);
    if (error) fail("cannot keep checkpoint '{}' as '{}': {}", latest, named.string(), error.message());
  }
  kept_.push_back(named.string());
  while (static_cast<int64_t>(kept_.size()) > keep_) {
    fs::remove(kept_.front(), error);
    kept_.erase(kept_.begin());
  }
}

void parse_checkpoint_every(const std::string& text, int64_t& steps, double& seconds) {
  steps = 0, seconds = 0;
  if (text.empty()) return;
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  std::string unit = text.substr(used);
  double scale = unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  if (used == 0 || !(value > 0) || (unit.empty() ? value != static_cast<double>(static_cast<int64_t>(value)) : scale == 0))
    fail("--checkpoint-every '{}': want a number of steps (500) or a time (90s, 30m, 2h)", text);
  if (unit.empty()) steps = static_cast<int64_t>(value);
  else seconds = value * scale;
}

}  // namespace graphrun
