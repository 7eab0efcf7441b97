// The shard format shared by the writer (prepare.cc) and the reader (shards.cc); see shards.h.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "runtime/data/image_transform.h"

namespace graphrun::shard_format {

static_assert(std::endian::native == std::endian::little, "shards are little-endian");

constexpr char kShardMagic[8] = {'G', 'R', 'S', 'H', 'A', 'R', 'D', '1'};
constexpr char kShardEnd[8] = {'G', 'R', 'S', 'H', 'E', 'N', 'D', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kRecordMagic = 0x52435247;  // "GRCR"
constexpr size_t kRecordHeader = 20;

template <typename T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

template <typename T>
T get_at(const uint8_t* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

uint32_t checksum(const uint8_t* data, size_t size);

struct Shard {
  std::string path;
  int fd = -1;
  int64_t side = 0;
  int64_t bad = 0;
  std::vector<uint64_t> offsets;
  std::vector<int64_t> labels;
  StatsAccumulator stats;
  Shard() : stats(kPreparedSide) {}
  Shard(const Shard&) = delete;
  Shard(Shard&& o) noexcept
      : path(std::move(o.path)), fd(std::exchange(o.fd, -1)), side(o.side), bad(o.bad), offsets(std::move(o.offsets)),
        labels(std::move(o.labels)), stats(std::move(o.stats)) {}
  ~Shard();
};

// Opens a shard and reads its footer; a shard cut short (an interrupted prepare) is an Error.
Shard open_shard(const std::string& path);

}  // namespace graphrun::shard_format
