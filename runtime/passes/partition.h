// The partition pass: where a node reads a tensor from another device it gets it through a
// Send (on the producer's device) / Recv (on the reader's) pair, one pair per (tensor,
// destination device) however many nodes there read it. The Recv copies into the destination
// device's memory after waiting for the Send's event, so the copy never races the producer.
// Graph inputs are not sent: each device that reads a Placeholder gets its own replica of it,
// fed the same tensor (the host hands the batch to every device, as in the paper).
#pragma once

#include "core/graph.h"

namespace graphrun {

// The placed graph with its transfers made explicit; the result is placed too.
proto::Graph partition(const Graph& placed);

// The device part of a node name: "cpu:1" -> "cpu_1".
std::string device_tag(const std::string& device);

}  // namespace graphrun
