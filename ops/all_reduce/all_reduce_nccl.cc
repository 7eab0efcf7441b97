// AllReduce on a GPU through NCCL (built with CUDA and NCCL only). The bucket's gradients are
// packed into one device buffer on the compute stream; an event orders the NCCL stream after
// it; ncclAllReduce (ncclAvg for the mean: the same on every rank) runs there, issued by the
// communication thread in bucket order; when it has finished, the outputs are unpacked on the
// compute stream, after the NCCL stream's event. The compute stream never waits for the
// network: the backward pass's remaining kernels run while NCCL works.
// With one rank it is a copy on the compute stream.
#include "ops/all_reduce/all_reduce_kernel.h"
#include "runtime/devices/cuda_check.h"
#include "runtime/distributed/nccl_comms.h"

namespace graphrun {

namespace {

class AllReduceNccl final : public AllReduceKernel {
 public:
  // The NCCL communicator is made here, when the executor creates the kernels: in graph order on
  // the main thread, so every rank meets its peers for gpu:0, gpu:1, ... in the same order.
  explicit AllReduceNccl(const NodeInfo& node) : AllReduceKernel(node) {
    if (Communicator::running()) nccl_ = &nccl_comm_for(cuda_device(get_device(node.device)));
  }
  ~AllReduceNccl() override {
    // Events belong to the GPU; at exit the driver reclaims them (as CudaDevice's).
    if (ready_ != nullptr) cudaEventDestroy(ready_);
    if (finished_ != nullptr) cudaEventDestroy(finished_);
  }

  void compute_async(KernelContext& ctx, Done done) override {
    CudaDevice& device = cuda_device(ctx.device());
    cudaStream_t stream = cuda_stream(ctx.device());
    if (!Communicator::running()) {  // one rank: the mean of one
      for (int i = 0; i < ctx.num_inputs(); ++i)
        GR_CUDA_CHECK(cudaMemcpyAsync(ctx.output(i).raw(), ctx.input(i).raw(), ctx.input(i).bytes(),
                                      cudaMemcpyDeviceToDevice, stream));
      done(nullptr);
      return;
    }
    NcclComm& nccl = *nccl_;
    if (ready_ == nullptr) {
      GR_CUDA_CHECK(cudaEventCreateWithFlags(&ready_, cudaEventDisableTiming));
      GR_CUDA_CHECK(cudaEventCreateWithFlags(&finished_, cudaEventDisableTiming));
    }
    size_t bytes = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) bytes += ctx.input(i).bytes();
    DType dtype = ctx.input(0).dtype();
    if (!buffer_.valid() || buffer_.bytes() != bytes)
      buffer_ = Tensor(dtype, Shape{static_cast<int64_t>(bytes / dtype_size(dtype))}, device.allocator());
    auto* fused = static_cast<char*>(buffer_.raw());
    outputs_.clear();
    size_t offset = 0;
    for (int i = 0; i < ctx.num_inputs(); ++i) {
      GR_CUDA_CHECK(cudaMemcpyAsync(fused + offset, ctx.input(i).raw(), ctx.input(i).bytes(), cudaMemcpyDeviceToDevice,
                                    stream));
      outputs_.push_back({ctx.output(i).raw(), ctx.input(i).bytes()});
      offset += ctx.input(i).bytes();
    }
    GR_CUDA_CHECK(cudaEventRecord(ready_, stream));

    Communicator::Collective collective;
    const size_t count = bytes / dtype_size(dtype);
    const ncclRedOp_t op = average_ ? ncclAvg : ncclSum;
    const ncclDataType_t type = nccl_type(dtype);
    collective.start = [this, &nccl, fused, count, op, type]() -> std::string {
      if (cudaSetDevice(nccl.physical) != cudaSuccess || cudaStreamWaitEvent(nccl.stream, ready_, 0) != cudaSuccess)
        return "cannot order the NCCL stream after the gradients";
      ncclResult_t r = ncclAllReduce(fused, fused, count, type, op, nccl.comm, nccl.stream);
      if (r != ncclSuccess && r != ncclInProgress) return std::string("ncclAllReduce: ") + ncclGetErrorString(r);
      if (cudaEventRecord(finished_, nccl.stream) != cudaSuccess) return "cannot record the NCCL stream's event";
      return "";
    };
    collective.test = [this, &nccl](std::string& error) {
      cudaError_t q = cudaEventQuery(finished_);
      if (q == cudaSuccess) return true;
      if (q != cudaErrorNotReady) {
        error = cudaGetErrorString(q);
        return true;
      }
      ncclResult_t state = ncclSuccess;
      if (ncclCommGetAsyncError(nccl.comm, &state) == ncclSuccess && state != ncclSuccess && state != ncclInProgress) {
        error = ncclGetErrorString(state);
        return true;
      }
      return false;
    };
    collective.abandon = [&nccl] { ncclCommAbort(nccl.comm); };
    Communicator::world().collective_ordered(
        ctx.step(), bucket_, what(ctx.step()), static_cast<int64_t>(bytes), std::move(collective),
        [this, &device, stream, fused, done = std::move(done)](std::exception_ptr e) {
          if (!e) {
            try {
              device.activate();  // this runs on the communication thread
              GR_CUDA_CHECK(cudaStreamWaitEvent(stream, finished_, 0));
              size_t at = 0;
              for (const Piece& out : outputs_) {
                GR_CUDA_CHECK(cudaMemcpyAsync(out.data, fused + at, out.bytes, cudaMemcpyDeviceToDevice, stream));
                at += out.bytes;
              }
            } catch (...) {
              e = std::current_exception();
            }
          }
          done(e);
        });
  }

 private:
  struct Piece {
    void* data;
    size_t bytes;
  };
  NcclComm* nccl_ = nullptr;
  Tensor buffer_;  // the fusion buffer in device memory, kept from step to step
  std::vector<Piece> outputs_;
  cudaEvent_t ready_ = nullptr;     // the gradients are packed (compute stream)
  cudaEvent_t finished_ = nullptr;  // the sum is there (NCCL stream)
};

GR_REGISTER_KERNEL(KernelBuilder("AllReduce", DeviceType::kCUDA, "nccl", 10)
                       .add_class<AllReduceNccl>(DType::kFloat32)
                       .add_class<AllReduceNccl>(DType::kFloat64));

}  // namespace
}  // namespace graphrun
