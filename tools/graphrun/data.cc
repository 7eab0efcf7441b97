// graphrun prepare SRC DST: an image folder into packed shards with the training statistics;
// graphrun bench-data DIR: decode + augment throughput of the input pipeline per thread count.
#include <chrono>

#include "runtime/data/batch_source.h"
#include "runtime/data/shards.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

void add_prepare_cmd(CLI::App& app) {
  auto src = std::make_shared<std::string>(), dst = std::make_shared<std::string>();
  auto options = std::make_shared<PrepareOptions>();
  CLI::App* sub = app.add_subcommand(
      "prepare", "Image folder -> shards of 256x256 (--size) centre crops, the mean image and the RGB PCA (resumable)");
  sub->add_option("src", *src, "image folder: one subfolder of JPEG/PNG files per class, or train/ and val/ of them")->required();
  sub->add_option("dst", *dst, "output folder (an interrupted run resumes here)")->required();
  sub->add_option("--shard-size", options->shard_size, "source images per shard")->capture_default_str();
  sub->add_option("--size", options->side,
                  "shorter side scaled to this, the central square kept (512 for the VGG paper's training scales "
                  "up to 512)")
      ->capture_default_str();
  sub->add_option("--quality", options->quality, "JPEG quality of the stored crops")->capture_default_str();
  sub->add_flag("--raw", options->raw, "store raw RGB pixels (no decoding when training; 192 KiB per image)");
  sub->add_option("--threads", options->threads, "threads (0: all cores)")->capture_default_str();
  sub->add_flag("--quiet", options->quiet, "no progress line");
  sub->callback([src, dst, options] {
    if (options->side < 1 || options->side > kMaxPreparedSide)
      fail("--size {}: want 1 to {}", options->side, kMaxPreparedSide);
    PrepareSummary s = prepare_image_folder(*src, *dst, *options);
    fmt::print("{}: {} images in {} shards ({} written, {} kept from an earlier run), {} bad files skipped{}\n", *dst,
               s.images, s.shards_written + s.shards_kept, s.shards_written, s.shards_kept, s.bad,
               s.bad > 0 ? " (listed in bad_files.txt)" : "");
  });
}

struct BenchDataArgs {
  std::string dir;
  std::vector<int> threads{1};
  int64_t batch_size = 128;
  int64_t crop = 227;
  int64_t batches = 0;
};

void add_bench_data_cmd(CLI::App& app) {
  auto a = std::make_shared<BenchDataArgs>();
  CLI::App* sub = app.add_subcommand("bench-data", "Input pipeline throughput: decode + augment img/s per thread count");
  sub->add_option("dir", a->dir, "an image folder or a prepared folder")->required();
  sub->add_option("--threads", a->threads, "thread counts to measure, e.g. --threads 1 2 4")->capture_default_str();
  sub->add_option("--batch-size", a->batch_size, "batch size")->capture_default_str();
  sub->add_option("--crop", a->crop, "crop side (the graph's input)")->capture_default_str();
  sub->add_option("--batches", a->batches, "batches per measurement (default: one epoch)");
  sub->callback([a] {
    Shape image{3, a->crop, a->crop};
    DataSplits data = open_dataset(a->dir, image, INT64_MAX, 1);
    int64_t per_epoch = data.train->size() / a->batch_size;
    int64_t batches = a->batches > 0 ? a->batches : per_epoch;
    if (batches < 1) fail("'{}' has {} images, fewer than one batch of {}", a->dir, data.train->size(), a->batch_size);
    for (int threads : a->threads) {
      if (threads < 1) fail("--threads must be at least 1");
      std::unique_ptr<BatchSource> source =
          make_pipeline(*data.train, {.batch_size = a->batch_size, .image = image, .train = true, .threads = threads});
      auto start = std::chrono::steady_clock::now();
      source->start_epoch(epoch_order(data.train->size(), 1, 0), 0, 0, batches);
      int64_t images = 0;
      while (Batch* b = source->next()) {
        images += b->valid;
        source->release(b);
      }
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      fmt::print("threads {}: {} images in {:.2f} s: {:.1f} img/s ({:.1f} img/s per thread), {} bad\n", threads, images,
                 s, images / s, images / s / threads, source->stats().bad_samples);
    }
  });
}

}  // namespace

void add_data(CLI::App& app) {
  add_prepare_cmd(app);
  add_bench_data_cmd(app);
}

}  // namespace graphrun::cli
