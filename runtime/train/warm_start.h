// Warm start (`graphrun train --init-from W --init-map SRC=DST`): a new model takes the
// variables of a trained one that fit, and initialises the rest from its graph, as the VGG paper
// began its deeper nets from a trained configuration A (graphs/vgg11_to_deeper.map).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/graph.h"
#include "core/variable_store.h"

namespace graphrun {

// One SRC=DST pair and where it was written ("--init-map" or "FILE:LINE"), for errors.
struct InitMapEntry {
  std::string source, target, origin;
};

// Each argument is SRC=DST or the path of a map file: one SRC=DST per line, '#' comments.
std::vector<InitMapEntry> parse_init_map(const std::vector<std::string>& args);

struct WarmStartReport {
  std::vector<std::pair<std::string, std::string>> loaded;  // (graph variable, source variable)
  std::vector<std::string> initialised;  // left to the graph's initializers (a shape that differs said)
};

// Loads into `vars` the logical `variables` of `graph` from `path` (.npz or checkpoint). Without
// a map every variable whose name and shape match is taken. With one, exactly the mapped ones
// are: an entry names a variable or a layer (SRC=DST maps SRC/x to DST/x for every x the source
// has), and a mapped name that is missing on either side or whose shape differs is an error.
WarmStartReport warm_start(VariableStore& vars, const Graph& graph, const std::vector<std::string>& variables,
                           const std::string& path, const std::vector<InitMapEntry>& map);

}  // namespace graphrun
