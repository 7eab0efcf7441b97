// The values of a graph's Variables, by name, alive across runs. Checkpoints and .npz files are
// logical: one tensor per Variable, whatever devices it is later split across. A Variable on a
// GPU moves its value into that device's memory on first use (the Variable kernel replaces the
// entry); readers that need values (logical_value, save_npz) copy such entries to the host, and
// set/assign_logical store host tensors, which the next GPU run uploads again.
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
  const Tensor& at(const std::string& name) const { return const_cast<VariableStore*>(this)->at(name); }
  void set(const std::string& name, Tensor value) { values_[name] = std::move(value); }
  const std::map<std::string, Tensor>& all() const { return values_; }

  // Gives every Variable of the graph that has no value yet its initial value. Values depend
  // only on (seed, logical variable name), never on the order of initialization or on how the
  // variable is split across devices (a part gets its slice of the logical initial value).
  void initialize(const Graph& graph, uint64_t seed);
  // Loads values from an .npz keyed by logical variable name, checking each against the
  // graph's Variables (shape, dtype converted); `strict` also requires every one to be present
  // but those named in `optional` (a training graph's momentum buffers).
  void load_npz(const Graph& graph, const std::string& path, bool strict, const std::vector<std::string>& optional = {});

  // A logical variable's value: the variable itself, or its parts joined.
  Tensor logical_value(const Graph& graph, const std::string& logical) const;
  // Sets a logical variable (each of its parts gets its slice); throws naming `origin` if the
  // graph has no such variable or the shape differs.
  void assign_logical(const Graph& graph, const std::string& logical, const Tensor& value, const std::string& origin);
  void save_npz(const std::string& path) const;

 private:
  std::map<std::string, Tensor> values_;
};

// Fills a tensor from an initializer; fan-in and fan-out are read off OIHW / [out, in] shapes.
void fill_initializer(Tensor& tensor, const proto::Initializer& init, uint64_t key);

}  // namespace graphrun
