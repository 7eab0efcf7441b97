// The input pipeline as a oneTBB flow graph (see batch_source.h for the shape). Memory is fixed
// when the pipeline is made: `pool` batch buffers and `in_flight` sample slots. The limiter
// admits an item only while a sample slot is free; an item frees its slot once batch assembly
// has copied it, and assembly waits (holding its items, not a thread) while every batch buffer
// is out, so however fast decoding is or slow the consumer, nothing grows.
#include <oneapi/tbb/concurrent_queue.h>
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <mutex>

#include "runtime/data/batch_source.h"

namespace graphrun {

namespace {

namespace flow = oneapi::tbb::flow;
using Clock = std::chrono::steady_clock;

struct Item {
  uint64_t seq = 0;    // emission order, for the sequencer
  int64_t item = 0;    // item of the epoch (see batch_source.h)
  int slot = -1;       // sample slot holding the decoded image
  int64_t label = -1;  // -1: bad sample (error says why)
  bool kick = false;   // not an item: a batch buffer came back
  std::string error;
  std::exception_ptr fatal;
};

class Pipeline final : public BatchSource {
 public:
  Pipeline(const Dataset& data, const BatchSourceOptions& options)
      : data_(data),
        options_(options),
        threads_(options.threads > 0 ? options.threads : oneapi::tbb::info::default_concurrency()),
        // The consumer (the training step) never joins the arena, so all `threads` are TBB
        // workers; by default TBB allows only cores - 1 of them.
        parallelism_(oneapi::tbb::global_control::max_allowed_parallelism,
                     std::max<size_t>(oneapi::tbb::global_control::active_value(
                                          oneapi::tbb::global_control::max_allowed_parallelism),
                                      static_cast<size_t>(threads_) + 1)),
        arena_(threads_, 0) {
    GR_CHECK(options.batch_size > 0 && options.pool > 0, "batch {} pool {}", options.batch_size, options.pool);
    per_image_ = options.image.num_elements();
    in_flight_ = options.in_flight > 0 ? options.in_flight : 4 * static_cast<int64_t>(threads_);
    slots_.resize(static_cast<size_t>(in_flight_ * per_image_));
    for (int s = 0; s < in_flight_; ++s) free_slots_.push(s);
    Allocator& allocator = options.allocator ? *options.allocator : host_allocator();
    std::vector<int64_t> dims{options.batch_size};
    dims.insert(dims.end(), options.image.dims().begin(), options.image.dims().end());
    pool_.resize(options.pool);
    for (Batch& b : pool_) {
      b.images = Tensor(DType::kFloat32, Shape(dims), allocator);
      b.labels = Tensor(DType::kInt64, Shape{options.batch_size}, allocator);
      free_batches_.push_back(&b);
    }
  }

  ~Pipeline() override { stop_flow(); }

  void start_epoch(std::vector<int64_t> order, int64_t epoch, int64_t first, int64_t batches) override {
    stop_flow();
    std::lock_guard lock(mutex_);
    GR_CHECK(taken_ == 0, "start_epoch with {} batches not released", taken_);
    for (Batch* b : ready_) free_batches_.push_back(b);
    ready_.clear();
    order_ = std::move(order), epoch_ = epoch;
    next_item_ = first;
    end_item_ = options_.train ? INT64_MAX : static_cast<int64_t>(order_.size()) * data_.views();
    if (order_.empty()) end_item_ = first;
    batches_wanted_ = options_.train ? batches : INT64_MAX;
    consumed_ = first, delivered_ = 0, fill_ = 0, bad_streak_ = 0, seq_ = 0;
    current_ = nullptr;
    pending_.clear();
    done_ = batches_wanted_ <= 0 || next_item_ >= end_item_;
    fatal_ = nullptr;
    stop_ = done_;
    if (done_) return;
    arena_.execute([&] { build_flow(); });
  }

  Batch* next() override {
    std::unique_lock lock(mutex_);
    auto start = Clock::now();
    ready_cv_.wait(lock, [&] { return !ready_.empty() || done_ || fatal_; });
    stats_.wait_seconds += std::chrono::duration<double>(Clock::now() - start).count();
    if (fatal_) std::rethrow_exception(fatal_);
    if (ready_.empty()) return nullptr;
    Batch* b = ready_.front();
    ready_.pop_front();
    ++taken_;
    return b;
  }

  void release(Batch* batch) override {
    {
      std::lock_guard lock(mutex_);
      --taken_;
      free_batches_.push_back(batch);
    }
    if (flow_) flow_->assemble.try_put(Item{.kick = true});
  }

  BatchSourceStats stats() const override {
    std::lock_guard lock(mutex_);
    return stats_;
  }

 private:
  struct Flow {
    flow::graph graph;
    flow::input_node<Item> source;
    flow::limiter_node<Item> limiter;
    flow::function_node<Item, Item> work;
    flow::sequencer_node<Item> sequencer;
    flow::function_node<Item, flow::continue_msg> assemble;
    template <typename S, typename W, typename A>
    Flow(size_t in_flight, S&& s, W&& w, A&& a)
        : source(graph, std::forward<S>(s)),
          limiter(graph, in_flight),
          work(graph, flow::unlimited, std::forward<W>(w)),
          sequencer(graph, [](const Item& it) { return static_cast<size_t>(it.seq); }),
          assemble(graph, flow::serial, std::forward<A>(a)) {
      flow::make_edge(source, limiter);
      flow::make_edge(limiter, work);
      flow::make_edge(work, sequencer);
      flow::make_edge(sequencer, assemble);
    }
  };

  void build_flow() {
    flow_ = std::make_unique<Flow>(
        static_cast<size_t>(in_flight_),
        [this](oneapi::tbb::flow_control& fc) -> Item {
          if (stop_ || next_item_ >= end_item_) {
            fc.stop();
            return {};
          }
          return Item{.seq = seq_++, .item = next_item_++};
        },
        [this](Item it) -> Item {
          bool popped = free_slots_.try_pop(it.slot);
          try {
            GR_CHECK(popped, "no free sample slot: the limiter admits at most {}", in_flight_);
            it.label = detail::produce_item(data_, options_, order_, epoch_, it.item, slot(it.slot), it.error);
          } catch (...) {
            it.fatal = std::current_exception();
          }
          return it;
        },
        [this](const Item& it) -> flow::continue_msg {
          assemble(it);
          return {};
        });
    flow_->source.activate();
  }

  float* slot(int s) { return slots_.data() + static_cast<size_t>(s) * per_image_; }

  // Runs serially (a serial flow-graph node): items arrive in order, kicks when buffers return.
  void assemble(const Item& it) {
    if (!it.kick) pending_.push_back(it);
    while (!pending_.empty()) {
      Item& front = pending_.front();
      if (done_ || front.fatal || front.label < 0) {
        if (!done_ && front.fatal) fail_with(front.fatal);
        if (!done_ && !front.fatal) {
          detail::report_bad(front.error);
          {
            std::lock_guard lock(mutex_);
            ++stats_.bad_samples;
          }
          if (++bad_streak_ > static_cast<int64_t>(order_.size()) && options_.train)
            fail_with(std::make_exception_ptr(Error(fmt::format("no sample of {} can be loaded", data_.name()))));
        }
        finish_item();
        continue;
      }
      if (current_ == nullptr) {
        std::lock_guard lock(mutex_);
        if (free_batches_.empty()) return;  // wait for release(): it sends a kick
        current_ = free_batches_.back();
        free_batches_.pop_back();
        current_->items.assign(options_.batch_size, -1);
      }
      std::memcpy(current_->images.data<float>() + fill_ * per_image_, slot(front.slot), per_image_ * sizeof(float));
      current_->labels.data<int64_t>()[fill_] = front.label;
      current_->items[fill_] = front.item;
      ++fill_;
      bad_streak_ = 0;
      finish_item();
      if (fill_ == options_.batch_size) deliver();
    }
    // Evaluation: the last items are in; a partial batch is padded.
    if (!done_ && consumed_ >= end_item_) {
      if (fill_ > 0) deliver();
      set_done();
    }
  }

  // The front item is dealt with: its slot and its limiter place are free again.
  void finish_item() {
    Item& front = pending_.front();
    if (front.slot >= 0) free_slots_.push(front.slot);
    pending_.pop_front();
    ++consumed_;
    flow_->limiter.decrementer().try_put(flow::continue_msg());
  }

  void deliver() {
    int64_t rows = options_.batch_size;
    std::fill(current_->images.data<float>() + fill_ * per_image_, current_->images.data<float>() + rows * per_image_, 0.0f);
    std::fill(current_->labels.data<int64_t>() + fill_, current_->labels.data<int64_t>() + rows, 0);
    current_->valid = fill_;
    {
      std::lock_guard lock(mutex_);
      ready_.push_back(current_);
      ++stats_.batches;
    }
    current_ = nullptr, fill_ = 0;
    ready_cv_.notify_one();
    if (++delivered_ >= batches_wanted_) set_done();
  }

  void set_done() {
    stop_ = true;
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    ready_cv_.notify_all();
  }

  void fail_with(std::exception_ptr e) {
    {
      std::lock_guard lock(mutex_);
      if (!fatal_) fatal_ = e;
    }
    set_done();
  }

  // Stops the source and waits until every task of the graph has finished.
  void stop_flow() {
    if (!flow_) return;
    stop_ = true;
    arena_.execute([&] { flow_->graph.wait_for_all(); });
    flow_.reset();
    if (current_ != nullptr) {
      std::lock_guard lock(mutex_);
      free_batches_.push_back(current_);
      current_ = nullptr;
    }
    // Items still pending (the consumer stopped early) give their slots back.
    for (const Item& it : pending_)
      if (it.slot >= 0) free_slots_.push(it.slot);
    pending_.clear();
  }

  const Dataset& data_;
  BatchSourceOptions options_;
  int threads_;
  oneapi::tbb::global_control parallelism_;
  oneapi::tbb::task_arena arena_;
  int64_t per_image_ = 0, in_flight_ = 0;
  std::vector<float> slots_;
  oneapi::tbb::concurrent_queue<int> free_slots_;
  std::vector<Batch> pool_;

  // The epoch; the source, the work and the assembler read these while the flow runs.
  std::vector<int64_t> order_;
  int64_t epoch_ = 0, next_item_ = 0, end_item_ = 0, batches_wanted_ = 0;
  uint64_t seq_ = 0;
  std::atomic<bool> stop_{false};

  // Assembler state (only the serial assembler touches it while the flow runs).
  std::deque<Item> pending_;
  Batch* current_ = nullptr;
  int64_t fill_ = 0, delivered_ = 0, consumed_ = 0, bad_streak_ = 0;

  // Shared with the consumer.
  mutable std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<Batch*> ready_;
  std::vector<Batch*> free_batches_;
  int64_t taken_ = 0;
  bool done_ = false;
  std::exception_ptr fatal_;
  BatchSourceStats stats_;

  std::unique_ptr<Flow> flow_;
};

}  // namespace

std::unique_ptr<BatchSource> make_pipeline(const Dataset& data, const BatchSourceOptions& options) {
  return std::make_unique<Pipeline>(data, options);
}

}  // namespace graphrun
