// AllReduce on the CPU: the bucket's tensors packed into one buffer (one message, as Horovod's
// fusion buffer), handed to the communication thread, and unpacked into the outputs when every
// rank's sum has come back. The flow-graph worker that starts it returns at once (asynchronous
// kernel), so the rest of the backward pass keeps the cores while the network works.
#include <cstring>

#include "ops/all_reduce/all_reduce_kernel.h"

namespace graphrun {

namespace {

class AllReduceCpu final : public AllReduceKernel {
 public:
  using AllReduceKernel::AllReduceKernel;

  void compute_async(KernelContext& ctx, Done done) override {
    outputs_.clear();
    int64_t bytes = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      Tensor& out = ctx.output(i);
      outputs_.push_back({out.raw(), out.bytes()});
      bytes += static_cast<int64_t>(out.bytes());
    }
    if (!Communicator::running()) {  // one rank: the mean of one
      for (int i = 0; i < ctx.num_inputs(); ++i) std::memcpy(outputs_[i].data, ctx.input(i).raw(), outputs_[i].bytes);
      done(nullptr);
      return;
    }
    buffer_.resize(static_cast<size_t>(bytes));
    size_t offset = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      std::memcpy(buffer_.data() + offset, ctx.input(i).raw(), outputs_[i].bytes);
      offset += outputs_[i].bytes;
    }
    DType dtype = ctx.input(0).dtype();
    Communicator::world().all_reduce_ordered(
        ctx.step(), bucket_, buffer_.data(), bytes / static_cast<int64_t>(dtype_size(dtype)), dtype, average_,
        what(ctx.step()), [this, done = std::move(done)](std::exception_ptr e) {
          if (!e) {
            size_t at = 0;
            for (const Piece& out : outputs_) std::memcpy(out.data, buffer_.data() + at, out.bytes), at += out.bytes;
          }
          done(e);
        });
  }

 private:
  struct Piece {
    void* data;
    size_t bytes;
  };
  std::vector<char> buffer_;  // the fusion buffer, kept from step to step
  std::vector<Piece> outputs_;
};

GR_REGISTER_KERNEL(KernelBuilder("AllReduce", DeviceType::kCPU, "reference")
                       .add_class<AllReduceCpu>(DType::kFloat32)
                       .add_class<AllReduceCpu>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
