// The values of a graph's Variables, by name, alive across runs. Checkpoints and .npz files are
// logical: one tensor per Variable, whatever devices it is later split across.
#pragma once

#include <map>
#include <string>

#include "core/graph.h"
#include "core/tensor.h"

namespace graphrun {

class VariableStore {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  // Throws Error listing the variables there are.
  Tensor& at(const std::string& name);
  void set(const std::string& name, Tensor value) { values_[name] = std::move(value); }
  const std::map<std::string, Tensor>& all() const { return values_; }

  // Gives every Variable of the graph that has no value yet its initial value. Values depend
  // only on (seed, variable name), never on the order of initialization.
  void initialize(const Graph& graph, uint64_t seed);
  // Loads values from an .npz, checking each against the graph's Variables (name, shape, dtype
  // converted); `strict` also requires every Variable to be present.
  void load_npz(const Graph& graph, const std::string& path, bool strict);
  void save_npz(const std::string& path) const;

 private:
  std::map<std::string, Tensor> values_;
};

// Fills a tensor from an initializer; fan-in and fan-out are read off OIHW / [out, in] shapes.
void fill_initializer(Tensor& tensor, const proto::Initializer& init, uint64_t key);

}  // namespace graphrun
