// graphrun prepare: an image folder into shards (format: shards.h), in parallel, resumably.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/npz.h"
#include "runtime/data/shard_format.h"
#include "runtime/data/shards.h"

namespace graphrun {

namespace fs = std::filesystem;

namespace {

using namespace shard_format;

constexpr int64_t kChunk = 64;  // images decoded in parallel before they are written in order

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
  put<uint32_t>(header, static_cast<uint32_t>(options.side));
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  uint64_t offset = header.size();
  Shard shard;
  shard.side = options.side;
  shard.stats = StatsAccumulator(options.side);
  std::vector<Prepared> chunk;
  for (int64_t c = first; c < last; c += kChunk) {
    int64_t n = std::min(kChunk, last - c);
    chunk.assign(n, {});
    tbb::parallel_for(int64_t{0}, n, [&](int64_t k) {
      Prepared& p = chunk[k];
      try {
        std::vector<uint8_t> bytes = read_image_file(folder.files[c + k]);
        RgbImage image = decode_image(bytes.data(), bytes.size(), folder.files[c + k], options.side);
        p.pixels.resize(options.side * options.side * 3);
        resize_center_crop(image, options.side, p.pixels.data());
        p.payload = options.raw ? p.pixels : encode_jpeg(p.pixels.data(), options.side, options.side, 3, options.quality);
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
  nlohmann::ordered_json plan = {{"version", kVersion}, {"side", options.side}, {"shard_size", options.shard_size},
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
  StatsAccumulator stats(options.side);
  nlohmann::ordered_json done = {{"version", kVersion}, {"side", options.side}};
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
  Tensor mean(DType::kFloat32, Shape{3, options.side, options.side});
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

}  // namespace graphrun
