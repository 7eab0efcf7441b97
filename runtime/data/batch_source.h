// Where the training step and evaluation get their batches from. Two implementations:
//   - synchronous: the calling thread fills the batch (cheap in-memory data sets);
//   - the input pipeline, a oneTBB flow graph (runtime/data/pipeline.cc):
//       index source (the epoch's order) -> limiter -> parallel decode + augment
//       -> sequencer (order restored) -> batch assembly into a fixed pool of buffers
//       -> ready queue (bounded by the pool) -> next() ... release() returns the buffer.
// Both give identical batches for the same (data, seed, epoch): augmentation randomness is
// keyed by (seed, epoch, sample index), never by thread timing.
//
// Items: in training, item p of an epoch is sample order[p mod n]; bad samples (BadImage) are
// skipped, warned about once and counted, and the next items fill in, so a batch always holds
// batch_size good samples. In evaluation, item p is view p mod V of sample order[p / V]
// (V = Dataset::views()); the last batch is padded and Batch::valid says how many rows count.
// A resumed epoch starts at item batch * batch_size, which is exact unless bad samples were
// skipped earlier in that epoch (possible only with a raw image folder; `prepare` drops them).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/allocator.h"
#include "core/tensor.h"
#include "runtime/data/dataset.h"

namespace graphrun {

struct Batch {
  Tensor images;  // [batch, C, H, W] float32
  Tensor labels;  // [batch] int64
  std::vector<int64_t> items;  // the item of each row (-1 for padding)
  int64_t valid = 0;           // rows holding samples
};

struct BatchSourceOptions {
  int64_t batch_size = 0;
  Shape image;          // [C, H, W]
  bool train = true;    // augmentation and skipping as in training; false: evaluation views
  int threads = 0;      // pipeline decode threads (0: all cores)
  int64_t pool = 3;     // batch buffers of the pipeline: the step's and those prefetched
  int64_t in_flight = 0;  // samples decoded ahead of batch assembly (0: 4 per thread)
  Allocator* allocator = nullptr;  // batch buffers (pinned host memory for a GPU); null: host
};

struct BatchSourceStats {
  double wait_seconds = 0;  // time next() blocked: the consumer waited for data
  int64_t batches = 0;
  int64_t bad_samples = 0;
};

class BatchSource {
 public:
  virtual ~BatchSource() = default;
  // Starts an epoch over `order` (sample indices) from item `first`; `batches` batches in
  // training, every item in evaluation (`batches` is ignored). Every batch of the previous
  // epoch must have been released.
  virtual void start_epoch(std::vector<int64_t> order, int64_t epoch, int64_t first, int64_t batches) = 0;
  // The next batch, in order; null when the epoch has no more. Blocks while it is being made.
  virtual Batch* next() = 0;
  // Gives a batch's buffer back to be refilled.
  virtual void release(Batch* batch) = 0;
  virtual BatchSourceStats stats() const = 0;
};

// The pipeline for expensive data sets (Dataset::expensive()) or when threads > 0 is asked for,
// the synchronous source otherwise.
std::unique_ptr<BatchSource> make_batch_source(const Dataset& data, const BatchSourceOptions& options);
std::unique_ptr<BatchSource> make_sync_source(const Dataset& data, const BatchSourceOptions& options);
std::unique_ptr<BatchSource> make_pipeline(const Dataset& data, const BatchSourceOptions& options);

namespace detail {

// Item `item` of an epoch written to `out`; returns its label, or -1 with `error` set for a bad
// sample.
int64_t produce_item(const Dataset& data, const BatchSourceOptions& options, const std::vector<int64_t>& order,
                     int64_t epoch, int64_t item, float* out, std::string& error);
// Prints the warning for a bad sample once per sample index.
void report_bad(const std::string& error);

}  // namespace detail

}  // namespace graphrun
