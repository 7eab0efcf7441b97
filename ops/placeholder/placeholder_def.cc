// Placeholder: a graph input fed at run time. Its `shape` may start with -1, the batch size,
// bound when the graph is compiled. No gradient (it is an input).
#include "core/kernel_registry.h"

namespace graphrun {

GR_REGISTER_OP("Placeholder")
    .doc("A graph input fed at run time; shape [-1, ...] takes the batch size.")
    .output("output", "the fed tensor")
    .attr("shape", AttrType::kShape, "dimensions; the first may be -1 for the batch size")
    .attr("dtype", AttrType::kDType, attr_dtype(DType::kFloat32), "element type")
    .attr("feed", AttrType::kString, attr_string(""),
          "the feed it takes (\"\": its own name); the partition pass gives each device that reads an input its "
          "own replica of it, fed the same tensor")
    .shape_fn([](InferenceContext& ctx) {
      const Shape written = ctx.attrs().shape("shape");
      Shape shape = written;
      for (int d = 0; d < shape.rank(); ++d) {
        if (d == 0 && shape[0] == Shape::kBatch) {
          shape.set_dim(0, ctx.batch_size());
        } else if (shape[d] <= 0) {
          ctx.error("attr 'shape' = {}: dimension {} must be positive{}", written.str(), d,
                    d == 0 ? " (or -1 for the batch size)" : "");
        }
      }
      ctx.set_output(0, ctx.attrs().dtype("dtype"), shape);
    });

}  // namespace graphrun
