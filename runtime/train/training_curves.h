// The charts of a training run from its `train --metrics` file (one JSON line per step and per
// epoch): the loss per step (raw, faint, and smoothed as the progress line smooths it) with the
// validation loss per epoch, validation accuracy per epoch, and throughput; or, for several
// runs side by side (one GPU against two), each run's smoothed loss, top-1 and img/s in its own
// colour, labelled by its file name.
#pragma once

#include <string>
#include <vector>

#include "runtime/viz/chart_svg.h"

namespace graphrun {

// A metrics file is appended to by every run that writes it: a line whose step is not after the
// previous line's replaces what was recorded from that step on, so a resumed run continues its
// curve and a run from scratch starts a new one. A last line without its newline that does not
// parse is being written by a run in progress and is left out. Throws Error naming the file and line for a
// line that is not a metrics line, and for a file without steps.
std::vector<Chart> training_curves(const std::vector<std::string>& metrics_paths);

}  // namespace graphrun
