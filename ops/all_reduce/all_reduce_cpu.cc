// AllReduce on the CPU: the bucket's tensors packed into one buffer (one message, as Horovod's
// fusion buffer), handed to the communication thread, and unpacked into the outputs when every
// rank's sum has come back. The flow-graph worker that starts it returns at once (asynchronous
// kernel), so the rest of the backward pass keeps the cores while the network works.
//
// A GPU's gradients reach this kernel through host memory (the partition pass's Send/Recv):
// Debian's Open MPI is not CUDA-aware.
#include <cstring>
#include <future>

#include "core/kernel_registry.h"
#include "runtime/distributed/communicator.h"

namespace graphrun {

namespace {

class AllReduceCpu final : public OpKernel {
 public:
  explicit AllReduceCpu(const NodeInfo& node)
      : name_(node.name),
        bucket_(static_cast<int>(node.attrs.i("bucket"))),
        buckets_(static_cast<int>(node.attrs.i("buckets"))),
        average_(node.attrs.b("average")) {}

  bool asynchronous() const override { return true; }

  void compute(KernelContext& ctx) override {
    std::promise<void> finished;
    compute_async(ctx, [&finished](std::exception_ptr e) {
      if (e) finished.set_exception(e);
      else finished.set_value();
    });
    finished.get_future().get();
  }

  void compute_async(KernelContext& ctx, Done done) override {
    outputs_.clear();
    int64_t bytes = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      Tensor& out = ctx.output(i);
      outputs_.push_back({out.raw(), static_cast<int64_t>(out.bytes())});
      bytes += static_cast<int64_t>(out.bytes());
    }
    if (!Communicator::running()) {  // one rank: the mean of one
      for (int i = 0; i < ctx.num_inputs(); ++i) std::memcpy(outputs_[i].data, ctx.input(i).raw(), static_cast<size_t>(outputs_[i].bytes));
      done(nullptr);
      return;
    }
    buffer_.resize(static_cast<size_t>(bytes));
    int64_t offset = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      std::memcpy(buffer_.data() + offset, ctx.input(i).raw(), static_cast<size_t>(outputs_[i].bytes));
      offset += outputs_[i].bytes;
    }
    DType dtype = ctx.input(0).dtype();
    int64_t count = bytes / static_cast<int64_t>(dtype_size(dtype));
    Communicator::world().all_reduce_ordered(
        ctx.step(), bucket_, buckets_, buffer_.data(), count, dtype, average_,
        fmt::format("the gradient all-reduce '{}' (bucket {} of {}, step {})", name_, bucket_ + 1, buckets_, ctx.step() + 1),
        [this, done = std::move(done)](std::exception_ptr e) {
          if (!e) {
            int64_t at = 0;
            for (const Piece& out : outputs_) std::memcpy(out.data, buffer_.data() + at, static_cast<size_t>(out.bytes)), at += out.bytes;
          }
          done(e);
        });
  }

  void cancel(const RunState& run, const std::string& why) override {
    if (Communicator::running()) Communicator::world().cancel_step(run.step, why);
  }

 private:
  struct Piece {
    void* data;
    int64_t bytes;
  };
  std::string name_;
  int bucket_, buckets_;
  bool average_;
  std::vector<char> buffer_;  // the fusion buffer, kept from step to step
  std::vector<Piece> outputs_;
};

GR_REGISTER_KERNEL(KernelBuilder("AllReduce", DeviceType::kCPU, "reference").add_class<AllReduceCpu>(DType::kFloat32).add_class<AllReduceCpu>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
