#include "runtime/data/shards.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/npz.h"
#include "runtime/data/shard_format.h"

namespace graphrun {

namespace fs = std::filesystem;

namespace shard_format {

uint32_t checksum(const uint8_t* data, size_t size) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
}

Shard::~Shard() {
  if (fd >= 0) close(fd);
}

namespace {

void read_exact(int fd, uint8_t* out, size_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t n = pread(fd, out, size, static_cast<off_t>(offset));
    if (n <= 0) throw BadImage(fmt::format("'{}': cannot read {} bytes at offset {} (truncated?)", path, size, offset));
    out += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
  }
}
}  // namespace

Shard open_shard(const std::string& path) {
  Shard s;
  s.path = path;
  s.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) fail("cannot open shard '{}': {}", path, std::strerror(errno));
  off_t size = lseek(s.fd, 0, SEEK_END);
  uint8_t head[16], tail[16];
  try {
    if (size < 32) throw BadImage("too short");
    read_exact(s.fd, head, 16, 0, path);
    read_exact(s.fd, tail, 16, static_cast<uint64_t>(size) - 16, path);
  } catch (const BadImage&) {
    fail("'{}' is not a complete shard (too short)", path);
  }
  if (std::memcmp(head, kShardMagic, 8) != 0 || std::memcmp(tail + 8, kShardEnd, 8) != 0 ||
      get_at<uint32_t>(head + 8) != kVersion)
    fail("'{}' is not a complete graphrun shard of version {}", path, kVersion);
  s.side = get_at<uint32_t>(head + 12);
  if (s.side < 1 || s.side > kMaxPreparedSide) fail("'{}' holds {}x{} images, more than {} a side", path, s.side, s.side, kMaxPreparedSide);
  s.stats = StatsAccumulator(s.side);
  auto footer_at = get_at<uint64_t>(tail);
  if (footer_at < 16 || footer_at > static_cast<uint64_t>(size) - 16) fail("'{}': footer offset out of range", path);
  std::vector<uint8_t> footer(static_cast<uint64_t>(size) - 16 - footer_at);
  read_exact(s.fd, footer.data(), footer.size(), footer_at, path);
  size_t pixels = static_cast<size_t>(s.side * s.side * 3);
  if (footer.size() < 24) fail("'{}': footer is cut short", path);
  auto count = get_at<uint64_t>(footer.data());
  size_t want = 8 + count * 16 + 16 + pixels * 8 + 12 * 8;
  if (count > (1u << 24) || footer.size() != want) fail("'{}': footer of {} bytes does not match {} records", path, footer.size(), count);
  const uint8_t* p = footer.data() + 8;
  for (uint64_t i = 0; i < count; ++i, p += 16) {
    s.offsets.push_back(get_at<uint64_t>(p));
    s.labels.push_back(get_at<uint32_t>(p + 8));
  }
  s.bad = static_cast<int64_t>(get_at<uint64_t>(p));
  s.stats.images = static_cast<int64_t>(get_at<uint64_t>(p + 8));
  p += 16;
  std::memcpy(s.stats.pixel_sums.data(), p, pixels * 8);
  p += pixels * 8;
  for (int a = 0; a < 3; ++a) s.stats.rgb_sums[a] = get_at<double>(p + 8 * a);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) s.stats.rgb_products[a][b] = get_at<double>(p + 24 + 8 * (3 * a + b));
  return s;
}

}  // namespace shard_format

namespace {

using namespace shard_format;

std::vector<std::string> shard_paths(const std::string& dir, const std::string& split) {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::string name = e.path().filename().string();
    if (name.starts_with(split + "-") && name.ends_with(".shard")) paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

class ShardRecords final : public ImageRecords {
 public:
  int64_t side() const override { return shards_.front().side; }
  ShardRecords(const std::string& dir, std::vector<Shard> shards, std::vector<std::string> classes)
      : dir_(dir), shards_(std::move(shards)) {
    classes_ = std::move(classes);
    for (size_t s = 0; s < shards_.size(); ++s)
      for (size_t r = 0; r < shards_[s].offsets.size(); ++r) {
        if (shards_[s].labels[r] >= static_cast<int64_t>(classes_.size()))
          fail("'{}': record {} has label {}, but labels.txt lists {} classes", shards_[s].path, r, shards_[s].labels[r],
               classes_.size());
        where_.push_back({static_cast<uint32_t>(s), static_cast<uint32_t>(r)});
      }
  }
  int64_t size() const override { return static_cast<int64_t>(where_.size()); }
  int64_t label(int64_t i) const override { return shards_[where_[i].first].labels[where_[i].second]; }
  std::string name(int64_t i) const override {
    return fmt::format("{}[{}]", shards_[where_[i].first].path, where_[i].second);
  }
  std::string description() const override { return dir_; }
  void load(int64_t i, uint8_t* hwc) const override {
    const Shard& shard = shards_[where_[i].first];
    uint64_t at = shard.offsets[where_[i].second];
    thread_local std::vector<uint8_t> buffer;
    buffer.resize(kRecordHeader);
    read_exact(shard.fd, buffer.data(), kRecordHeader, at, shard.path);
    auto magic = get_at<uint32_t>(buffer.data());
    auto bytes = get_at<uint32_t>(buffer.data() + 8);
    auto crc = get_at<uint32_t>(buffer.data() + 12);
    uint8_t encoding = buffer[16];
    size_t pixels = static_cast<size_t>(shard.side * shard.side * 3);
    if (magic != kRecordMagic || bytes > 4 * pixels + 4096 || encoding > 1)
      throw BadImage(fmt::format("{}: not a record header", name(i)));
    buffer.resize(bytes);
    read_exact(shard.fd, buffer.data(), bytes, at + kRecordHeader, shard.path);
    if (checksum(buffer.data(), bytes) != crc) throw BadImage(fmt::format("{}: checksum mismatch (corrupt record)", name(i)));
    if (encoding == 0) {
      if (bytes != pixels) throw BadImage(fmt::format("{}: {} bytes of raw pixels, expected {}", name(i), bytes, pixels));
      std::memcpy(hwc, buffer.data(), pixels);
      return;
    }
    RgbImage image = decode_image(buffer.data(), bytes, name(i));
    if (image.height != shard.side || image.width != shard.side)
      throw BadImage(fmt::format("{}: a {}x{} image, expected {}x{}", name(i), image.height, image.width, shard.side, shard.side));
    std::memcpy(hwc, image.pixels.data(), pixels);
  }

 private:
  std::string dir_;
  std::vector<Shard> shards_;
  std::vector<std::pair<uint32_t, uint32_t>> where_;
};

std::vector<std::string> read_labels(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "labels.txt");
  if (!in) fail("'{}' has no labels.txt: not a prepared folder", dir);
  std::vector<std::string> classes;
  for (std::string line; std::getline(in, line);) classes.push_back(line);
  return classes;
}

}  // namespace

std::unique_ptr<ImageRecords> shard_records(const std::string& dir, const std::string& split) {
  std::vector<std::string> paths = shard_paths(dir, split);
  if (paths.empty()) return nullptr;
  std::vector<Shard> shards;
  for (const auto& p : paths) {
    shards.push_back(open_shard(p));
    if (shards.back().side != shards.front().side)
      fail("'{}' holds {}x{} images, '{}' {}x{}: one prepare's shards have one size", p, shards.back().side,
           shards.back().side, paths.front(), shards.front().side, shards.front().side);
  }
  return std::make_unique<ShardRecords>(dir, std::move(shards), read_labels(dir));
}

ImageStats read_prepared_stats(const std::string& dir) {
  std::string path = (fs::path(dir) / "stats.npz").string();
  auto arrays = read_npz(path);
  for (const char* key : {"mean", "eigvec", "eigval", "images"})
    if (!arrays.count(key)) fail("'{}' lacks the array '{}'", path, key);
  ImageStats s;
  const Tensor& mean = arrays["mean"];
  if (mean.dtype() != DType::kFloat32 || mean.shape().rank() != 3 || mean.shape()[0] != 3 ||
      mean.shape()[1] != mean.shape()[2])
    fail("'{}': mean must be float32 [3, side, side], got {} {}", path, dtype_name(mean.dtype()), mean.shape().str());
  s.side = mean.shape()[1];
  if (arrays["eigvec"].num_elements() != 9 || arrays["eigval"].num_elements() != 3)
    fail("'{}': eigvec must be [3, 3] and eigval [3]", path);
  s.mean.assign(mean.data<float>(), mean.data<float>() + mean.num_elements());
  for (int i = 0; i < 3; ++i) {
    s.eigval[i] = arrays["eigval"].value_as_double(i);
    for (int c = 0; c < 3; ++c) s.eigvec[i][c] = arrays["eigvec"].value_as_double(3 * i + c);
  }
  s.images = static_cast<int64_t>(arrays["images"].value_as_double(0));
  return s;
}

}  // namespace graphrun
