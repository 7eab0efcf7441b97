#include "runtime/train/checkpoint.h"

#include <zlib.h>

#include <cstring>
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
