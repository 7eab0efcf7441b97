#include "runtime/data/shards.h"

#include <fcntl.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <bit>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/npz.h"

namespace graphrun {

namespace fs = std::filesystem;
static_assert(std::endian::native == std::endian::little, "shards are little-endian");

namespace {

constexpr char kShardMagic[8] = {'G', 'R', 'S', 'H', 'A', 'R', 'D', '1'};
constexpr char kShardEnd[8] = {'G', 'R', 'S', 'H', 'E', 'N', 'D', '1'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kRecordMagic = 0x52435247;  // "GRCR"
constexpr size_t kRecordHeader = 20;
constexpr int64_t kChunk = 64;  // images decoded in parallel before they are written in order

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

uint32_t checksum(const uint8_t* data, size_t size) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), data, static_cast<uInt>(size)));
}

// One open shard: its file descriptor and the index from its footer.
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
  ~Shard() {
    if (fd >= 0) close(fd);
  }
};

void read_exact(int fd, uint8_t* out, size_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t n = pread(fd, out, size, static_cast<off_t>(offset));
    if (n <= 0) throw BadImage(fmt::format("'{}': cannot read {} bytes at offset {} (truncated?)", path, size, offset));
    out += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
  }
}

// Opens a shard and reads its footer; a shard cut short (an interrupted prepare) is an Error.
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
  if (s.side != kPreparedSide) fail("'{}' holds {}x{} images, expected {}", path, s.side, s.side, kPreparedSide);
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

struct Prepared {
  std::vector<uint8_t> payload;
  std::vector<uint8_t> pixels;  // for the statistics
  std::string error;
};

// Writes shard `paths[k]` from files [first, last) of `folder`: decodes in parallel chunks,
// writes in order to a temporary file, renames it when complete.
Shard write_shard(const ImageFolder& folder, int64_t first, int64_t last, const std::string& path, bool with_stats,
                  const PrepareOptions& options, const std::function<void(int64_t, int64_t)>& progress,
                  std::ofstream& bad_log, std::mutex& bad_mutex) {
  std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) fail("cannot write '{}'", tmp);
  std::string header(kShardMagic, 8);
  put<uint32_t>(header, kVersion);
  put<uint32_t>(header, static_cast<uint32_t>(kPreparedSide));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  uint64_t offset = header.size();
  Shard shard;
  shard.side = kPreparedSide;
  std::vector<Prepared> chunk;
  for (int64_t c = first; c < last; c += kChunk) {
    int64_t n = std::min(kChunk, last - c);
    chunk.assign(n, {});
    tbb::parallel_for(int64_t{0}, n, [&](int64_t k) {
      Prepared& p = chunk[k];
      try {
        std::vector<uint8_t> bytes = read_image_file(folder.files[c + k]);
        RgbImage image = decode_image(bytes.data(), bytes.size(), folder.files[c + k], kPreparedSide);
        p.pixels.resize(kPreparedSide * kPreparedSide * 3);
        resize_center_crop(image, kPreparedSide, p.pixels.data());
        p.payload = options.raw ? p.pixels : encode_jpeg(p.pixels.data(), kPreparedSide, kPreparedSide, 3, options.quality);
      } catch (const BadImage& e) {
        p.error = e.what();
      }
    });
    int64_t bad_here = 0;
    for (int64_t k = 0; k < n; ++k) {
      Prepared& p = chunk[k];
      if (!p.error.empty()) {
        ++shard.bad, ++bad_here;
        std::lock_guard lock(bad_mutex);
        fmt::print(stderr, "{}warning: skipped {}\n", !options.quiet && isatty(STDERR_FILENO) ? "\r\033[K" : "", p.error);
        bad_log << p.error << "\n";
        continue;
      }
      std::string record;
      put<uint32_t>(record, kRecordMagic);
      put<uint32_t>(record, static_cast<uint32_t>(folder.labels[c + k]));
      put<uint32_t>(record, static_cast<uint32_t>(p.payload.size()));
      put<uint32_t>(record, checksum(p.payload.data(), p.payload.size()));
      put<uint32_t>(record, options.raw ? 0u : 1u);
      out.write(record.data(), static_cast<std::streamsize>(record.size()));
      out.write(reinterpret_cast<const char*>(p.payload.data()), static_cast<std::streamsize>(p.payload.size()));
      shard.offsets.push_back(offset);
      shard.labels.push_back(folder.labels[c + k]);
      offset += record.size() + p.payload.size();
      if (with_stats) shard.stats.add(p.pixels.data());
    }
    progress(n, bad_here);
  }
  std::string footer;
  put<uint64_t>(footer, shard.offsets.size());
  for (size_t i = 0; i < shard.offsets.size(); ++i) {
    put<uint64_t>(footer, shard.offsets[i]);
    put<uint32_t>(footer, static_cast<uint32_t>(shard.labels[i]));
    put<uint32_t>(footer, 0);
  }
  put<uint64_t>(footer, static_cast<uint64_t>(shard.bad));
  put<uint64_t>(footer, static_cast<uint64_t>(shard.stats.images));
  footer.append(reinterpret_cast<const char*>(shard.stats.pixel_sums.data()), shard.stats.pixel_sums.size() * 8);
  for (int a = 0; a < 3; ++a) put<double>(footer, shard.stats.rgb_sums[a]);
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) put<double>(footer, shard.stats.rgb_products[a][b]);
  put<uint64_t>(footer, offset);
  footer.append(kShardEnd, 8);
  out.write(footer.data(), static_cast<std::streamsize>(footer.size()));
  out.close();
  if (!out) fail("writing '{}' failed (disk full?)", tmp);
  fs::rename(tmp, path);
  return shard;
}

std::vector<std::string> read_labels(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "labels.txt");
  if (!in) fail("'{}' has no labels.txt: not a prepared folder", dir);
  std::vector<std::string> classes;
  for (std::string line; std::getline(in, line);) classes.push_back(line);
  return classes;
}

}  // namespace

PrepareSummary prepare_image_folder(const std::string& src, const std::string& dst, const PrepareOptions& options) {
  if (options.shard_size < 1) fail("--shard-size must be at least 1");
  if (options.quality < 1 || options.quality > 100) fail("--quality must be in [1, 100]");
  std::vector<std::pair<std::string, ImageFolder>> splits;
  if (is_image_folder((fs::path(src) / "train").string())) {
    splits.emplace_back("train", scan_image_folder((fs::path(src) / "train").string()));
    if (is_image_folder((fs::path(src) / "val").string())) {
      splits.emplace_back("val", scan_image_folder((fs::path(src) / "val").string()));
      if (splits[1].second.classes != splits[0].second.classes)
        fail("'{}': the class folders of val/ differ from those of train/", src);
    }
  } else {
    splits.emplace_back("train", scan_image_folder(src));
  }

  fs::create_directories(dst);
  nlohmann::ordered_json plan = {{"version", kVersion}, {"side", kPreparedSide}, {"shard_size", options.shard_size},
                                 {"encoding", options.raw ? "raw" : "jpeg"}, {"quality", options.quality},
                                 {"source", fs::absolute(src).lexically_normal().string()}};
  for (const auto& [name, folder] : splits) plan["files"][name] = folder.files.size();
  fs::path plan_path = fs::path(dst) / "plan.json";
  if (fs::exists(plan_path)) {
    std::ifstream in(plan_path);
    nlohmann::ordered_json old = nlohmann::ordered_json::parse(in, nullptr, false);
    if (old != plan)
      fail("'{}' holds a prepare of other settings or files ({}); use an empty folder", dst, plan_path.string());
  } else {
    std::ofstream(plan_path) << plan.dump(2) << "\n";
  }
  fs::remove(fs::path(dst) / "prepared.json");
  for (const auto& [name, folder] : splits)
    for (const auto& c : folder.empty_classes) fmt::print(stderr, "warning: class folder '{}' of '{}' has no images\n", c, folder.root);
  {
    std::ofstream labels(fs::path(dst) / "labels.txt");
    for (const auto& c : splits[0].second.classes) labels << c << "\n";
  }
  std::ofstream bad_log(fs::path(dst) / "bad_files.txt", std::ios::app);
  std::mutex bad_mutex;

  int64_t total = 0;
  for (const auto& [name, folder] : splits) total += static_cast<int64_t>(folder.files.size());
  PrepareSummary summary;
  StatsAccumulator stats;
  nlohmann::ordered_json done = {{"version", kVersion}, {"side", kPreparedSide}};
  int64_t processed = 0;
  auto start = std::chrono::steady_clock::now();
  bool live = !options.quiet && isatty(STDERR_FILENO);
  auto progress = [&](int64_t n, int64_t bad) {
    processed += n;
    summary.bad += bad;
    if (options.quiet) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    double rate = static_cast<double>(processed) / std::max(s, 1e-9);
    fmt::print(stderr, "{}prepare: {}/{} images  {} bad  {:.0f} img/s  ETA {:.0f}s{}", live ? "\r\033[K" : "", processed,
               total, summary.bad, rate, static_cast<double>(total - processed) / std::max(rate, 1e-9), live ? "" : "\n");
  };
  tbb::task_arena arena(options.threads > 0 ? options.threads : tbb::task_arena::automatic);
  for (const auto& [name, folder] : splits) {
    int64_t files = static_cast<int64_t>(folder.files.size()), records = 0, bad = 0;
    for (int64_t k = 0, first = 0; first < files; ++k, first += options.shard_size) {
      int64_t last = std::min(files, first + options.shard_size);
      std::string path = (fs::path(dst) / fmt::format("{}-{:05}.shard", name, k)).string();
      bool kept = fs::exists(path);  // resume: a complete shard from an earlier run
      Shard shard = kept ? open_shard(path) : arena.execute([&] {
        return write_shard(folder, first, last, path, name == "train", options, progress, bad_log, bad_mutex);
      });
      if (kept) {
        ++summary.shards_kept;
        processed += last - first;
        summary.bad += shard.bad;
      } else {
        ++summary.shards_written;
      }
      records += static_cast<int64_t>(shard.offsets.size());
      bad += shard.bad;
      if (name == "train") stats.merge(shard.stats);
    }
    summary.images += records;
    done["splits"][name] = {{"records", records}, {"bad", bad}};
  }
  if (live) fmt::print(stderr, "\n");
  if (stats.images == 0) fail("no image of '{}' could be decoded: nothing to train on", src);
  ImageStats s = stats.finish();
  Tensor mean(DType::kFloat32, Shape{3, kPreparedSide, kPreparedSide});
  std::copy(s.mean.begin(), s.mean.end(), mean.data<float>());
  Tensor eigvec(DType::kFloat64, Shape{3, 3}), eigval(DType::kFloat64, Shape{3}), images(DType::kInt64, Shape{});
  for (int i = 0; i < 3; ++i) {
    eigval.data<double>()[i] = s.eigval[i];
    for (int c = 0; c < 3; ++c) eigvec.data<double>()[3 * i + c] = s.eigvec[i][c];
  }
  images.data<int64_t>()[0] = s.images;
  write_npz((fs::path(dst) / "stats.npz").string(), {{"mean", mean}, {"eigvec", eigvec}, {"eigval", eigval}, {"images", images}});
  std::ofstream(fs::path(dst) / "prepared.json") << done.dump(2) << "\n";
  return summary;
}

std::unique_ptr<ImageRecords> shard_records(const std::string& dir, const std::string& split) {
  std::vector<std::string> paths = shard_paths(dir, split);
  if (paths.empty()) return nullptr;
  std::vector<Shard> shards;
  for (const auto& p : paths) shards.push_back(open_shard(p));
  return std::make_unique<ShardRecords>(dir, std::move(shards), read_labels(dir));
}

ImageStats read_prepared_stats(const std::string& dir) {
  std::string path = (fs::path(dir) / "stats.npz").string();
  auto arrays = read_npz(path);
  for (const char* key : {"mean", "eigvec", "eigval", "images"})
    if (!arrays.count(key)) fail("'{}' lacks the array '{}'", path, key);
  ImageStats s;
  const Tensor& mean = arrays["mean"];
  if (mean.dtype() != DType::kFloat32 || !(mean.shape() == Shape{3, kPreparedSide, kPreparedSide}))
    fail("'{}': mean must be float32 [3, {}, {}]", path, kPreparedSide, kPreparedSide);
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
