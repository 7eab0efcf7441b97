#include "runtime/train/warm_start.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/npz.h"
#include "core/variable_parts.h"
#include "runtime/train/checkpoint.h"

namespace graphrun {

namespace {

std::string trim(const std::string& s) {
  size_t begin = s.find_first_not_of(" \t\r"), end = s.find_last_not_of(" \t\r");
  return begin == std::string::npos ? "" : s.substr(begin, end - begin + 1);
}

InitMapEntry parse_pair(const std::string& text, const std::string& origin) {
  size_t eq = text.find('=');
  InitMapEntry e{trim(text.substr(0, eq)), eq == std::string::npos ? "" : trim(text.substr(eq + 1)), origin};
  if (eq == std::string::npos || e.source.empty() || e.target.empty() || e.target.find('=') != std::string::npos)
    fail("{}: '{}' is not SRC=DST (a variable or layer of the source weights = one of the graph)", origin, text);
  return e;
}

std::map<std::string, Tensor> read_weights(const std::string& path) {
  if (!std::filesystem::exists(path)) fail("--init-from: no file '{}'", path);
  if (is_checkpoint_file(path)) return checkpoint_weights(read_checkpoint(path), path);
  return read_npz(path);
}

// `value` as `dtype` (float32 and float64 convert; weights saved by NumPy are often float64).
Tensor as_dtype(const Tensor& value, DType dtype, const std::string& what) {
  if (value.dtype() == dtype) return value;
  if (!is_floating(value.dtype()) || !is_floating(dtype))
    fail("{} is {}, the graph's variable is {}", what, dtype_name(value.dtype()), dtype_name(dtype));
  Tensor out(dtype, value.shape());
  dispatch_float(dtype, [&](auto* type) {
    using T = std::remove_pointer_t<decltype(type)>;
    for (int64_t i = 0; i < value.num_elements(); ++i) out.data<T>()[i] = static_cast<T>(value.value_as_double(i));
  });
  return out;
}

}  // namespace

std::vector<InitMapEntry> parse_init_map(const std::vector<std::string>& args) {
  std::vector<InitMapEntry> entries;
  for (const auto& arg : args) {
    if (arg.find('=') != std::string::npos) {
      entries.push_back(parse_pair(arg, "--init-map"));
      continue;
    }
    std::ifstream in(arg);
    if (!in) fail("--init-map '{}' is neither SRC=DST nor a readable map file", arg);
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      std::string text = trim(line.substr(0, line.find('#')));
      if (!text.empty()) entries.push_back(parse_pair(text, fmt::format("{}:{}", arg, number)));
    }
  }
  return entries;
}

WarmStartReport warm_start(VariableStore& vars, const Graph& graph, const std::vector<std::string>& variables,
                           const std::string& path, const std::vector<InitMapEntry>& map) {
  std::map<std::string, Tensor> source = read_weights(path);
  std::map<std::string, Shape> shapes;  // the graph's logical variables
  std::map<std::string, DType> dtypes;
  for (const auto& node : graph.nodes) {
    if (node.op != "Variable") continue;
    std::string logical = logical_variable_name(node);
    auto part = variable_part(node);
    shapes.emplace(logical, part ? part->logical_shape : node.outputs[0].shape);
    dtypes.emplace(logical, node.outputs[0].dtype);
  }
  // (graph variable -> source variable, where the pair was asked for)
  std::map<std::string, std::pair<std::string, std::string>> pairs;
  if (map.empty()) {
    for (const auto& name : variables) {
      auto it = source.find(name);
      if (it != source.end() && it->second.shape() == shapes.at(name)) pairs[name] = {name, ""};
    }
  } else {
    for (const auto& e : map) {
      std::vector<std::pair<std::string, std::string>> expanded;  // (source, target)
      if (source.count(e.source)) {
        expanded.emplace_back(e.source, e.target);
      } else {
        const std::string prefix = e.source + "/";
        for (const auto& [name, value] : source)
          if (name.starts_with(prefix)) expanded.emplace_back(name, e.target + "/" + name.substr(prefix.size()));
      }
      if (expanded.empty())
        fail("{}: '{}' names no variable or layer of '{}' ({} variables there, e.g. {})", e.origin, e.source, path,
             source.size(), source.empty() ? "none" : source.begin()->first);
      for (const auto& [from, to] : expanded) {
        if (std::find(variables.begin(), variables.end(), to) == variables.end())
          fail("{}: '{}' maps to '{}', which is no variable of graph '{}'", e.origin, from, to, graph.name);
        const Shape& want = shapes.at(to);
        if (!(source.at(from).shape() == want))
          fail("{}: '{}' of '{}' is {}, but '{}' of graph '{}' is {}", e.origin, from, path,
               source.at(from).shape().str(), to, graph.name, want.str());
        if (pairs.count(to) && pairs[to].first != from)
          fail("{}: '{}' is mapped twice ({} and {})", e.origin, to, pairs[to].second, e.origin);
        pairs[to] = {from, e.origin};
      }
    }
  }
  WarmStartReport report;
  std::vector<std::string> sorted = variables;  // the lists read best in name order
  std::sort(sorted.begin(), sorted.end());
  for (const auto& name : sorted) {
    auto it = pairs.find(name);
    if (it == pairs.end()) {
      auto in_source = source.find(name);  // why a name match was not taken
      report.initialised.push_back(map.empty() && in_source != source.end()
                                       ? fmt::format("{} (source {}, graph {})", name, in_source->second.shape().str(),
                                                     shapes.at(name).str())
                                       : name);
      continue;
    }
    const std::string& from = it->second.first;
    Tensor value = as_dtype(source.at(from), dtypes.at(name), fmt::format("'{}' of '{}'", from, path));
    vars.assign_logical(graph, name, value, path);
    report.loaded.emplace_back(name, from);
  }
  return report;
}

}  // namespace graphrun
