// The input pipeline (runtime/data/pipeline.cc): identical batches for any thread count,
// every sample of an epoch exactly once, memory bounded by the pool whatever the speeds, bad
// samples skipped and counted, and the image-folder data set end to end on JPEGs made here.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>
#include <thread>

#include <unistd.h>

#include "core/random.h"
#include "runtime/data/batch_source.h"
#include "runtime/data/device_batch_source.h"
#include "runtime/data/image_folder.h"
#include "runtime/data/new_image.h"
#include "runtime/data/shards.h"

namespace graphrun {

namespace {

// Sample i is filled with values keyed by (i, epoch) and labelled i; some indices are bad; an
// optional delay makes decoding slow; calls are counted.
class CountingData final : public Dataset {
 public:
  CountingData(int64_t n, std::set<int64_t> bad = {}, int delay_us = 0) : n_(n), bad_(std::move(bad)), delay_us_(delay_us) {}
  std::string name() const override { return "counting"; }
  int64_t size() const override { return n_; }
  int64_t num_classes() const override { return n_; }
  bool expensive() const override { return true; }
  int views() const override { return views_; }
  int64_t get(int64_t index, float* out, const Shape& image) const override { return get_view(index, 0, out, image); }
  int64_t get_view(int64_t index, int view, float* out, const Shape& image) const override {
    return fill(index, 1000 + view, out, image);
  }
  int64_t get_train(int64_t index, int64_t epoch, float* out, const Shape& image) const override {
    return fill(index, epoch, out, image);
  }
  int views_ = 1;
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t fill(int64_t index, int64_t epoch, float* out, const Shape& image) const {
    ++calls;
    if (delay_us_ > 0) std::this_thread::sleep_for(std::chrono::microseconds(delay_us_));
    if (bad_.count(index)) throw BadImage(fmt::format("sample {} is bad", index));
    uint64_t key = hash_combine(static_cast<uint64_t>(index), static_cast<uint64_t>(epoch));
    for (int64_t i = 0; i < image.num_elements(); ++i) out[i] = static_cast<float>(uniform01(key, i));
    return index;
  }
  int64_t n_;
  std::set<int64_t> bad_;
  int delay_us_;
};

struct Collected {
  std::vector<std::vector<float>> images;
  std::vector<std::vector<int64_t>> labels;
  std::vector<int64_t> valid;
};

Collected run_epochs(BatchSource& source, const Dataset& data, int epochs, int64_t batches, uint64_t seed = 3) {
  Collected c;
  for (int e = 0; e < epochs; ++e) {
    source.start_epoch(epoch_order(data.size(), seed, e), e, 0, batches);
    while (Batch* b = source.next()) {
      c.images.emplace_back(b->images.data<float>(), b->images.data<float>() + b->images.num_elements());
      c.labels.emplace_back(b->labels.data<int64_t>(), b->labels.data<int64_t>() + b->labels.num_elements());
      c.valid.push_back(b->valid);
      source.release(b);
    }
  }
  return c;
}

void write_bytes(const std::filesystem::path& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A class folder per class of 500x375 quality-90 JPEGs (and one PNG) with a colour per class.
std::filesystem::path make_image_folder(const std::string& name, int classes, int per_class) {
  auto root = std::filesystem::temp_directory_path() / fmt::format("graphrun_{}_{}", name, getpid());
  std::filesystem::remove_all(root);
  for (int c = 0; c < classes; ++c) {
    auto dir = root / fmt::format("class_{}", c);
    std::filesystem::create_directories(dir);
    for (int i = 0; i < per_class; ++i) {
      std::vector<uint8_t> p(375 * 500 * 3);
      uint64_t key = hash_combine(c, i);
      for (int64_t y = 0; y < 375; ++y)
        for (int64_t x = 0; x < 500; ++x)
          for (int k = 0; k < 3; ++k)
            p[(y * 500 + x) * 3 + k] = static_cast<uint8_t>((k == c % 3 ? 150 : 40) + 60 * std::sin(0.05 * (x + y) + i) +
                                                            20 * uniform01(key, (y * 500 + x) * 3 + k));
      bool png = i == 1;
      write_bytes(dir / fmt::format("img_{}.{}", i, png ? "png" : "jpg"),
                  png ? encode_png(p.data(), 375, 500, 3) : encode_jpeg(p.data(), 375, 500, 3, 90));
    }
  }
  return root;
}

}  // namespace

TEST_CASE("pipeline: 1 thread and 4 threads give identical batches, as the synchronous source") {
  CountingData data(103);
  BatchSourceOptions options{.batch_size = 8, .image = Shape{2, 3, 3}, .train = true, .threads = 1};
  auto one = make_pipeline(data, options);
  options.threads = 4;
  auto four = make_pipeline(data, options);
  auto sync = make_sync_source(data, options);
  Collected a = run_epochs(*one, data, 2, 12), b = run_epochs(*four, data, 2, 12), c = run_epochs(*sync, data, 2, 12);
  REQUIRE(a.images.size() == 24);
  CHECK(a.images == b.images);
  CHECK(a.labels == b.labels);
  CHECK(a.images == c.images);
  CHECK(a.labels == c.labels);
  CHECK(a.labels[0] != a.labels[12]);  // epochs differ in order
}

TEST_CASE("pipeline: every sample of an epoch exactly once, in the epoch's order") {
  CountingData data(8 * 10 + 5);
  auto source = make_pipeline(data, {.batch_size = 8, .image = Shape{1, 2, 2}, .train = true, .threads = 3});
  auto order = epoch_order(data.size(), 9, 4);
  source->start_epoch(order, 4, 0, 10);
  std::vector<int64_t> seen;
  while (Batch* b = source->next()) {
    CHECK(b->valid == 8);
    seen.insert(seen.end(), b->labels.data<int64_t>(), b->labels.data<int64_t>() + 8);
    source->release(b);
  }
  CHECK(seen == std::vector<int64_t>(order.begin(), order.begin() + 80));
  CHECK(std::set<int64_t>(seen.begin(), seen.end()).size() == 80);
  // Resuming at batch 6 gives the same tail.
  source->start_epoch(order, 4, 6 * 8, 4);
  std::vector<int64_t> tail;
  while (Batch* b = source->next()) {
    tail.insert(tail.end(), b->labels.data<int64_t>(), b->labels.data<int64_t>() + 8);
    source->release(b);
  }
  CHECK(tail == std::vector<int64_t>(order.begin() + 48, order.begin() + 80));
}

TEST_CASE("pipeline: memory is bounded by the pool while the consumer holds every buffer") {
  CountingData fast(10000);
  int64_t batch = 4, pool = 3, in_flight = 6;
  auto source = make_pipeline(fast, {.batch_size = batch, .image = Shape{1, 4, 4}, .train = true, .threads = 4, .pool = pool,
                                     .in_flight = in_flight});
  source->start_epoch(epoch_order(fast.size(), 1, 0), 0, 0, 2000);
  std::vector<Batch*> held;
  for (int i = 0; i < pool; ++i) held.push_back(source->next());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // Fast decoding cannot run ahead: the pool's batches plus the sample slots, nothing more.
  int64_t bound = pool * batch + in_flight;
  CHECK(fast.calls.load() <= bound);
  int64_t before = fast.calls.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(fast.calls.load() == before);
  for (Batch* b : held) source->release(b);
  // The slow-consumer case: a consumer that sleeps never sees more than the bound in flight.
  for (int i = 0; i < 20; ++i) {
    Batch* b = source->next();
    REQUIRE(b != nullptr);
    int64_t consumed = (pool + i + 1) * batch;
    CHECK(fast.calls.load() <= consumed + (pool - 1) * batch + in_flight);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    source->release(b);
  }
}

TEST_CASE("pipeline: a slow producer makes the consumer wait, and the wait is reported") {
  CountingData slow(64, {}, 3000);
  auto source = make_pipeline(slow, {.batch_size = 8, .image = Shape{1, 2, 2}, .train = true, .threads = 2});
  Collected c = run_epochs(*source, slow, 1, 4);
  CHECK(c.images.size() == 4);
  // 32 samples of 3 ms on 2 threads: at least ~48 ms of waiting.
  CHECK(source->stats().wait_seconds > 0.03);
  CHECK(source->stats().batches == 4);
}

TEST_CASE("pipeline: decoding the next batches overlaps the consumer's step") {
  // 4 samples of 2 ms on 2 threads: ~4 ms a batch; the "step" sleeps 20 ms. After the first
  // batch the pipeline is ahead, so the consumer hardly waits.
  CountingData data(200, {}, 2000);
  auto source = make_pipeline(data, {.batch_size = 4, .image = Shape{1, 2, 2}, .train = true, .threads = 2});
  source->start_epoch(epoch_order(data.size(), 1, 0), 0, 0, 12);
  Batch* first = source->next();
  double after_first = source->stats().wait_seconds;
  source->release(first);
  int64_t steps = 0;
  while (Batch* b = source->next()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    source->release(b);
    ++steps;
  }
  CHECK(steps == 11);
  double waited = source->stats().wait_seconds - after_first;
  CHECK(waited < 0.25 * 0.020 * 11);
}

TEST_CASE("pipeline: bad samples are skipped and counted; later samples fill their places") {
  CountingData data(40, {2, 5, 6});
  auto source = make_pipeline(data, {.batch_size = 4, .image = Shape{1, 1, 1}, .train = true, .threads = 2});
  std::vector<int64_t> order(40);
  std::iota(order.begin(), order.end(), 0);
  source->start_epoch(order, 0, 0, 3);
  std::vector<int64_t> seen;
  while (Batch* b = source->next()) {
    seen.insert(seen.end(), b->labels.data<int64_t>(), b->labels.data<int64_t>() + 4);
    source->release(b);
  }
  CHECK(seen == std::vector<int64_t>{0, 1, 3, 4, 7, 8, 9, 10, 11, 12, 13, 14});
  CHECK(source->stats().bad_samples == 3);
  // Nothing loadable at all: a clear error, not a hang.
  std::set<int64_t> all;
  for (int64_t i = 0; i < 10; ++i) all.insert(i);
  CountingData hopeless(10, all);
  auto h = make_pipeline(hopeless, {.batch_size = 2, .image = Shape{1, 1, 1}, .train = true, .threads = 2});
  h->start_epoch(order = std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, 0, 5);
  CHECK_THROWS_WITH_AS(h->next(), doctest::Contains("no sample of counting can be loaded"), Error);
}

TEST_CASE("pipeline: evaluation covers every view of every sample once; the last batch is padded") {
  CountingData data(7, {3});
  data.views_ = 10;
  std::vector<int64_t> order{0, 1, 2, 3, 4, 5, 6};
  for (int threads : {1, 3}) {
    auto source = make_pipeline(data, {.batch_size = 16, .image = Shape{1, 1, 1}, .train = false, .threads = threads});
    source->start_epoch(order, 0, 0, 0);
    std::vector<int64_t> items;
    int64_t batches = 0, valid = 0;
    while (Batch* b = source->next()) {
      ++batches, valid += b->valid;
      for (int64_t r = 0; r < b->valid; ++r) items.push_back(b->items[r]);
      source->release(b);
    }
    CHECK(batches == 4);  // 60 good views in batches of 16
    CHECK(valid == 60);
    std::vector<int64_t> want;
    for (int64_t i = 0; i < 70; ++i)
      if (i / 10 != 3) want.push_back(i);
    CHECK(items == want);
  }
}

// The upload stage's logic (order, epochs, its buffer pool, errors) on a CPU device: uploads are
// memcpys there; on a GPU the same stage copies on the copy stream (tests/cuda_test.cc).
TEST_CASE("upload stage: the pipeline's batches in order, every epoch, in its own buffers") {
  CountingData data(103);
  BatchSourceOptions options{.batch_size = 8, .image = Shape{2, 3, 3}, .train = true, .threads = 2};
  Device& cpu = get_device("cpu:1");
  CHECK(make_device_batch_source(make_pipeline(data, options), cpu, options) != nullptr);  // host memory: no stage
  auto plain = make_pipeline(data, options);
  auto staged = make_upload_stage(make_pipeline(data, options), cpu, options, 2);
  Collected want = run_epochs(*plain, data, 2, 12), got = run_epochs(*staged, data, 2, 12);
  REQUIRE(got.images.size() == 24);
  CHECK(got.images == want.images);
  CHECK(got.labels == want.labels);
  CHECK(staged->stats().batches == 24);

  // Two device buffers: the consumer holding both blocks the stage, never a third buffer.
  staged->start_epoch(epoch_order(data.size(), 3, 0), 0, 0, 12);
  Batch* a = staged->next();
  Batch* b = staged->next();
  CHECK(a != b);
  staged->release(a);
  Batch* c = staged->next();
  CHECK(c == a);  // the released buffer came back, refilled with the third batch
  CHECK(std::vector<int64_t>(c->labels.data<int64_t>(), c->labels.data<int64_t>() + 8) == want.labels[2]);
  staged->release(b);
  staged->release(c);
  // Stopping mid-epoch and starting another is fine: the stage drains the old epoch.
  Collected again = run_epochs(*staged, data, 1, 12);
  CHECK(again.labels.front() == want.labels.front());

  // A failing pipeline's error reaches the consumer's next(), not a hang.
  std::set<int64_t> all;
  for (int64_t i = 0; i < 10; ++i) all.insert(i);
  CountingData hopeless(10, all);
  BatchSourceOptions tiny{.batch_size = 2, .image = Shape{1, 1, 1}, .train = true, .threads = 2};
  auto failing = make_upload_stage(make_pipeline(hopeless, tiny), cpu, tiny, 2);
  failing->start_epoch(epoch_order(10, 1, 0), 0, 0, 5);
  CHECK_THROWS_WITH_AS(failing->next(), doctest::Contains("no sample of counting can be loaded"), Error);
}

TEST_CASE("image folder: JPEG/PNG classes, augmentation identical on 1 and 3 threads, prepare round trip") {
  auto root = make_image_folder("pipe", 3, 4);
  // A bad file and an empty class folder.
  write_bytes(root / "class_0" / "broken.jpg", {0xFF, 0xD8, 0xFF, 0xE0, 0x00});
  std::filesystem::create_directories(root / "class_3_empty");
  ImageFolder folder = scan_image_folder(root.string());
  CHECK(folder.classes.size() == 4);
  CHECK(folder.files.size() == 13);
  CHECK(folder.empty_classes == std::vector<std::string>{"class_3_empty"});

  Shape image{3, 227, 227};
  DataSplits raw = open_image_data(root.string(), image, 4, 11, {});
  CHECK(raw.train->size() == 13);
  BatchSourceOptions options{.batch_size = 4, .image = image, .train = true, .threads = 1};
  auto one = make_pipeline(*raw.train, options);
  options.threads = 3;
  auto three = make_pipeline(*raw.train, options);
  Collected a = run_epochs(*one, *raw.train, 1, 3), b = run_epochs(*three, *raw.train, 1, 3);
  CHECK(a.images == b.images);
  CHECK(a.labels == b.labels);
  // Evaluation meets every file: the broken one is skipped and counted.
  auto eval = make_pipeline(*raw.train, {.batch_size = 4, .image = image, .train = false, .threads = 2});
  Collected e = run_epochs(*eval, *raw.train, 1, 0);
  CHECK(e.valid == std::vector<int64_t>{4, 4, 4});
  CHECK(eval->stats().bad_samples == 1);
  // Mean-subtracted values are centred: the batch mean is small next to the pixel range.
  double sum = 0;
  for (float v : a.images[0]) sum += v;
  CHECK(std::abs(sum / static_cast<double>(a.images[0].size())) < 0.15);

  auto dst = root.string() + "_prepared";
  std::filesystem::remove_all(dst);
  PrepareOptions prep;
  prep.shard_size = 5;
  prep.quiet = true;
  PrepareSummary s = prepare_image_folder(root.string(), dst, prep);
  CHECK(s.images == 12);
  CHECK(s.bad == 1);
  CHECK(s.shards_written == 3);
  CHECK(is_prepared_folder(dst));
  // Resuming keeps every complete shard.
  std::filesystem::remove(std::filesystem::path(dst) / "train-00001.shard");
  PrepareSummary again = prepare_image_folder(root.string(), dst, prep);
  CHECK(again.shards_kept == 2);
  CHECK(again.shards_written == 1);
  CHECK(again.images == 12);
  DataSplits prepared = open_image_data(dst, image, 4, 11, {});
  CHECK(prepared.train->size() == 12);
  CHECK(prepared.train->class_names() == folder.classes);
  ImageStats stats = read_prepared_stats(dst);
  CHECK(stats.images == 12);
  CHECK(stats.eigval[0] > stats.eigval[1]);
  CHECK(stats.eigval[2] > 0);
  // The prepared records decode to (nearly) what the raw folder gives: eval centre crops.
  std::vector<float> from_raw(image.num_elements()), from_shard(image.num_elements());
  int64_t raw_index = 1;  // class_0/img_0.jpg (index 0 is broken.jpg)
  CHECK(raw.train->get(raw_index, from_raw.data(), image) == prepared.train->get(0, from_shard.data(), image));
  double diff = 0;
  for (size_t i = 0; i < from_raw.size(); ++i) diff += std::abs(from_raw[i] - from_shard[i]);
  CHECK(diff / static_cast<double>(from_raw.size()) < 0.05);  // JPEG q95 re-encoding + other mean
  // A corrupted record is a BadImage (checksum), not garbage.
  {
    auto shard = std::filesystem::path(dst) / "train-00000.shard";
    std::fstream f(shard, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(16 + 20 + 100);
    f.put('\x5a');
  }
  DataSplits corrupted = open_image_data(dst, image, 4, 11, {});
  CHECK_THROWS_WITH_AS(corrupted.train->get(0, from_shard.data(), image), doctest::Contains("checksum"), BadImage);
  std::filesystem::remove_all(root);
  std::filesystem::remove_all(dst);
}

TEST_CASE("new image: a file prepared for classify equals the image folder's evaluation sample of it") {
  auto root = make_image_folder("classify", 2, 2);
  ImageFolder folder = scan_image_folder(root.string());
  for (const Shape& image : {Shape{3, 227, 227}, Shape{3, 200, 160}}) {
    DataSplits data = open_image_data(root.string(), image, 2, 3, {});
    Tensor mean = data.train->mean_image();
    REQUIRE(mean.shape() == Shape{3, 256, 256});
    for (size_t i = 0; i < folder.files.size(); ++i) {
      std::vector<float> want(static_cast<size_t>(image.num_elements())), got(want.size());
      data.train->get(static_cast<int64_t>(i), want.data(), image);
      std::vector<uint8_t> bytes = read_image_file(folder.files[i]);
      prepare_new_image(decode_image(bytes.data(), bytes.size(), folder.files[i], 256), mean, image, got.data());
      CHECK(got == want);
    }
  }
  // The ten evaluation views (classify --ten-crop) equal the data set's ten-crop views.
  Shape crop{3, 227, 227};
  DataSplits ten = open_image_data(root.string(), crop, 2, 3, {.ten_crop = true});
  REQUIRE(ten.train->views() == 10);
  std::vector<uint8_t> bytes = read_image_file(folder.files[0]);
  RgbImage decoded = decode_image(bytes.data(), bytes.size(), folder.files[0], 256);
  // All ten from one scaling of the image, as classify --ten-crop prepares them.
  const auto per_view = static_cast<size_t>(crop.num_elements());
  std::vector<float> all(10 * per_view);
  NewImagePreparer(ten.train->mean_image(), crop).prepare(decoded, all.data(), 0, 10);
  for (int view = 0; view < 10; ++view) {
    std::vector<float> want(per_view), got(all.begin() + view * per_view, all.begin() + (view + 1) * per_view);
    ten.train->get_view(0, view, want.data(), crop);
    CHECK(got == want);
  }
  // A mean that does not fit the input is refused; no mean: [0, 1] values of the centre crop.
  RgbImage grey{.height = 40, .width = 30, .pixels = std::vector<uint8_t>(40 * 30 * 3, 51)};
  std::vector<float> out(3 * 20 * 20);
  CHECK_THROWS_WITH_AS(prepare_new_image(grey, Tensor::zeros(DType::kFloat32, Shape{3, 16, 16}), Shape{3, 20, 20}, out.data()),
                       doctest::Contains("at most 16"), Error);
  prepare_new_image(grey, Tensor(), Shape{3, 20, 20}, out.data());
  for (float v : out) CHECK(v == doctest::Approx(0.2));
  prepare_new_image(grey, Tensor(), Shape{1, 20, 20}, out.data());
  CHECK(out[0] == 51.0f / 255.0f);  // grey stays exact through the luma
  CHECK_THROWS_WITH_AS(prepare_new_image(grey, Tensor(), Shape{1, 20, 20}, out.data(), 3), doctest::Contains("colour model"),
                       Error);
  CHECK_THROWS_WITH_AS(prepare_new_image(grey, Tensor(), Shape{3, 20, 20}, out.data(), 10), doctest::Contains("view 10"),
                       Error);
  std::filesystem::remove_all(root);
}

}  // namespace graphrun
