#include "runtime/train/numerics_check.h"

#include <set>

#include "core/error.h"
#include "runtime/exec/executor.h"

namespace graphrun {

CheckNumerics parse_check_numerics(const std::string& mode) {
  if (mode == "gradients") return CheckNumerics::kGradients;
  if (mode == "nodes") return CheckNumerics::kEveryNode;
  if (mode == "off") return CheckNumerics::kOff;
  fail("check-numerics '{}': want gradients, nodes or off", mode);
}

std::vector<std::string> gradient_scan_nodes(const Graph& graph, const std::string& loss,
                                             const std::vector<std::string>& updates) {
  std::set<int> nodes{graph.resolve(loss).node};
  for (const std::string& update : updates)
    for (const TensorRef& in : graph.node(update).inputs) {
      const std::string& op = graph.nodes[in.node].op;
      if (op != "Variable" && op != "Placeholder") nodes.insert(in.node);
    }
  std::vector<std::string> names;
  for (int i : nodes) names.push_back(graph.nodes[i].name);
  return names;
}

std::string name_first_non_finite(Executor& executor, const std::map<std::string, Tensor>& feeds, int64_t step,
                                  const std::vector<std::string>& scanned, const std::string& error) {
  executor.set_check_numerics(true);
  std::string named = error;
  try {
    executor.run(feeds, {}, /*training=*/true, step, scanned);
  } catch (const Error& e) {
    if (executor.last_run_non_finite()) named = e.what();
  }
  executor.set_check_numerics(false);
  return named;
}

}  // namespace graphrun
