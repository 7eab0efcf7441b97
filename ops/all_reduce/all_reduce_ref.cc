// AllReduce's reference kernel, on the CPU. The op is defined by MPI's sum over the ranks (with
// one rank, a copy), so the reference is that call itself. The bucket's tensors are packed into
// one buffer (one message, as Horovod's fusion buffer), handed to the communication thread, and
// unpacked into the outputs, divided by the ranks, when every rank's sum has come back. The
// flow-graph worker that starts it returns at once (asynchronous kernel), so the rest of the
// backward pass keeps the cores while the network works.
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
    Communicator& world = Communicator::world();
    double scale = average_ ? 1.0 / world.size() : 1.0;
    world.all_reduce_ordered(ctx.step(), bucket_, buffer_.data(), bytes / static_cast<int64_t>(dtype_size(dtype)), dtype,
                             what(ctx.step()), [this, dtype, scale, done = std::move(done)](std::exception_ptr e) {
                               if (!e) unpack(dtype, scale);
                               done(e);
                             });
  }

 private:
  struct Piece {
    void* data;
    size_t bytes;
  };

  // The sums into the outputs, divided by the ranks on the way (the mean).
  void unpack(DType dtype, double scale) {
    size_t at = 0;
    for (const Piece& out : outputs_) {
      if (dtype == DType::kFloat32) scale_copy<float>(out, at, scale);
      else scale_copy<double>(out, at, scale);
      at += out.bytes;
    }
  }
  template <typename T>
  void scale_copy(const Piece& out, size_t at, double scale) {
    const T* from = reinterpret_cast<const T*>(buffer_.data() + at);
    T* to = static_cast<T*>(out.data);
    const T s = static_cast<T>(scale);
    for (size_t i = 0, n = out.bytes / sizeof(T); i < n; ++i) to[i] = from[i] * s;
  }

  std::vector<char> buffer_;  // the fusion buffer, kept from step to step
  std::vector<Piece> outputs_;
};

GR_REGISTER_KERNEL(KernelBuilder("AllReduce", DeviceType::kCPU, "reference")
                       .add_class<AllReduceCpu>(DType::kFloat32)
                       .add_class<AllReduceCpu>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
