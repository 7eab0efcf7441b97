// The charts of a training run from its `train --metrics` file (one JSON line per step and per
// epoch): the loss per step (raw, faint, and smoothed as the progress line smooths it) with the
// validation loss per epoch, validation accuracy per epoch, and throughput.
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
std::vector<Chart> training_curves(const std::string& metrics_path);

}  // namespace graphrun
