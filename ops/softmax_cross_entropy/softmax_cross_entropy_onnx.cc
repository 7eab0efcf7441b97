// A loss has no place in an inference model: the export leaves it (and its labels) out, and the
// model's output is the logits it reads (input 0).
#include "core/onnx/onnx_registry.h"

namespace graphrun {

namespace {

GR_ONNX_EXPORT("SoftmaxCrossEntropy", {.inference_output_from_input = 0});

}  // namespace

}  // namespace graphrun
