// The upload stage between the input pipeline and a GPU training step. Batches come from the
// inner source in staging (pinned) host memory; a dedicated upload thread copies each into one
// of a few device-resident batch buffers on the device's copy stream while the current step's
// kernels run on the compute stream, waits for the copy on the host, gives the host buffer back
// to the pipeline, and queues the device batch for next(). The waiting is on the upload thread,
// never on a TBB worker or on the step's thread. Order, epochs and release() are the inner
// source's (runtime/data/batch_source.h); stats().wait_seconds is the time the step waited here.
#pragma once

#include <memory>

#include "core/device.h"
#include "runtime/data/batch_source.h"

namespace graphrun {

// `inner` made its batches with BatchSourceOptions::allocator = &device.staging_allocator().
// For a device whose memory is host memory (the CPU) this returns `inner` itself: nothing to
// upload. `device_buffers` (at least 2): batches resident on the device, the step's and those
// uploaded ahead.
std::unique_ptr<BatchSource> make_device_batch_source(std::unique_ptr<BatchSource> inner, Device& device,
                                                      const BatchSourceOptions& options, int device_buffers = 2);

// As above for any device, even one with host memory (tests use a CPU device to check the
// stage's ordering, epochs and buffer pool without a GPU).
std::unique_ptr<BatchSource> make_upload_stage(std::unique_ptr<BatchSource> inner, Device& device,
                                               const BatchSourceOptions& options, int device_buffers = 2);

}  // namespace graphrun
