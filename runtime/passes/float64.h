// Training in float64 (`graphrun train --dtype float64`): the whole graph computes in double
// precision from a Cast right after each float32 input, so the data pipeline still feeds float32
// images. For checks, not speed: a change of summation order (devices, ranks) then moves the
// weights by about 1e-16 instead of 1e-7, so two ways of computing one step can be compared far
// below float32's noise (and below the forks a max-pool tie causes there).
#pragma once

#include "core/graph.h"

namespace graphrun {

// `model` with a Cast to float64 after every float32 Placeholder (its readers read the Cast) and
// its explicit float32 Variables made float64; implicit parameters follow their layer's input.
Graph to_float64(const Graph& model);

}  // namespace graphrun
