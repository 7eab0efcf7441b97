#include "runtime/data/batch_source.h"

#include <unistd.h>

#include <chrono>
#include <mutex>
#include <unordered_set>

#include "runtime/data/image_codec.h"

namespace graphrun {

namespace detail {

int64_t produce_item(const Dataset& data, const BatchSourceOptions& options, const std::vector<int64_t>& order,
                     int64_t epoch, int64_t item, float* out, std::string& error) {
  auto n = static_cast<int64_t>(order.size());
  try {
    if (options.train) return data.get_train(order[item % n], epoch, out, options.image);
    int views = data.views();
    return data.get_view(order[item / views], static_cast<int>(item % views), out, options.image);
  } catch (const BadImage& e) {
    error = e.what();
    return -1;
  }
}

void report_bad(const std::string& error) {
  static std::mutex mutex;
  static std::unordered_set<std::string> seen;
  std::lock_guard lock(mutex);
  if (seen.insert(error).second)
    fmt::print(stderr, "{}warning: skipped {}\n", isatty(STDERR_FILENO) ? "\r\033[K" : "", error);
}

}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

// Fills each batch on the calling thread when next() is called: the step waits for all of it.
class SyncSource final : public BatchSource {
 public:
  SyncSource(const Dataset& data, const BatchSourceOptions& options) : data_(data), options_(options) {
    Allocator& allocator = options.allocator ? *options.allocator : host_allocator();
    std::vector<int64_t> dims{options.batch_size};
    dims.insert(dims.end(), options.image.dims().begin(), options.image.dims().end());
    batch_.images = Tensor(DType::kFloat32, Shape(dims), allocator);
    batch_.labels = Tensor(DType::kInt64, Shape{options.batch_size}, allocator);
  }
  void start_epoch(std::vector<int64_t> order, int64_t epoch, int64_t first, int64_t batches) override {
    GR_CHECK(!out_, "start_epoch with a batch not released");
    order_ = std::move(order), epoch_ = epoch, item_ = first, batches_left_ = batches;
    end_ = options_.train ? INT64_MAX : static_cast<int64_t>(order_.size()) * data_.views();
    if (order_.empty()) end_ = 0;
  }
  Batch* next() override {
    GR_CHECK(!out_, "next() with a batch not released");
    if ((options_.train && batches_left_ <= 0) || item_ >= end_) return nullptr;
    auto start = Clock::now();
    int64_t per_image = options_.image.num_elements(), b = 0;
    float* images = batch_.images.data<float>();
    int64_t* labels = batch_.labels.data<int64_t>();
    batch_.items.assign(options_.batch_size, -1);
    std::string error;
    for (; b < options_.batch_size && item_ < end_; ++item_) {
      int64_t label = detail::produce_item(data_, options_, order_, epoch_, item_, images + b * per_image, error);
      if (label < 0) {
        detail::report_bad(error);
        ++stats_.bad_samples;
        if (++bad_streak_ > static_cast<int64_t>(order_.size()) && options_.train) fail("no sample of {} can be loaded", data_.name());
        continue;
      }
      bad_streak_ = 0;
      labels[b] = label, batch_.items[b] = item_, ++b;
    }
    batch_.valid = b;
    std::fill(images + b * per_image, images + options_.batch_size * per_image, 0.0f);
    std::fill(labels + b, labels + options_.batch_size, 0);
    --batches_left_, ++stats_.batches;
    stats_.wait_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if (b == 0) return nullptr;
    out_ = true;
    return &batch_;
  }
  void release(Batch*) override { out_ = false; }
  BatchSourceStats stats() const override { return stats_; }

 private:
  const Dataset& data_;
  BatchSourceOptions options_;
  Batch batch_;
  bool out_ = false;
  std::vector<int64_t> order_;
  int64_t epoch_ = 0, item_ = 0, end_ = 0, batches_left_ = 0, bad_streak_ = 0;
  BatchSourceStats stats_;
};

}  // namespace

std::unique_ptr<BatchSource> make_sync_source(const Dataset& data, const BatchSourceOptions& options) {
  return std::make_unique<SyncSource>(data, options);
}

std::unique_ptr<BatchSource> make_batch_source(const Dataset& data, const BatchSourceOptions& options) {
  if (data.expensive() || options.threads > 0) return make_pipeline(data, options);
  return make_sync_source(data, options);
}

}  // namespace graphrun
