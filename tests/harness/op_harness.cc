#include "runtime/passes/placement.h"
#include "tests/harness/op_harness.h"

#include <doctest/doctest.h>

#include <cmath>

#include "core/gradient.h"
#include "core/random.h"
#include "runtime/exec/executor.h"

namespace graphrun::testing {

namespace {

proto::Graph case_graph(const OpCase& c, DType dtype) {
  proto::Graph g;
  g.set_name("op_case");
  proto::Node* node = nullptr;
  std::vector<std::string> inputs;
  for (size_t k = 0; k < c.input_shapes.size(); ++k) {
    proto::Node* in = g.add_node();
    in->set_name("in" + std::to_string(k));
    in->set_op("Placeholder");
    *in->add_attr() = attr_shape(c.input_shapes[k]);
    in->mutable_attr(0)->set_name("shape");
    DType in_dtype = k < c.input_dtypes.size() ? c.input_dtypes[k] : dtype;
    *in->add_attr() = attr_dtype(in_dtype);
    in->mutable_attr(1)->set_name("dtype");
    inputs.push_back(in->name());
  }
  node = g.add_node();
  node->set_name("node");
  node->set_op(c.op);
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& [name, value] : c.attrs) {
    proto::Attr* a = node->add_attr();
    *a = value;
    a->set_name(name);
  }
  return g;
}

}  // namespace

NodeInfo make_node(const OpCase& c, DType dtype, const std::string& device) {
  Graph graph = build_graph(case_graph(c, dtype));
  return make_node_info(graph, graph.index("node"), parse_device_name(device));
}

std::vector<Tensor> make_inputs(const OpCase& c, const NodeInfo& node) {
  std::vector<Tensor> inputs;
  for (size_t k = 0; k < node.inputs.size(); ++k) {
    Tensor t(node.inputs[k].dtype, node.inputs[k].shape);
    if (c.fill) {
      c.fill(static_cast<int>(k), t);
    } else {
      uint64_t key = hash_combine(c.seed, k);
      for (int64_t i = 0; i < t.num_elements(); ++i) {
        double v = 2.0 * uniform01(key, i) - 1.0;
        switch (t.dtype()) {
          case DType::kFloat32: t.data<float>()[i] = static_cast<float>(v); break;
          case DType::kFloat64: t.data<double>()[i] = v; break;
          default: GR_CHECK(false, "input {} is {}: give OpCase::fill", k, dtype_name(t.dtype()));
        }
      }
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

std::vector<Tensor> run_kernel(const KernelDef& kernel, const NodeInfo& node, const std::vector<Tensor>& inputs,
                               bool training, uint64_t seed, int64_t step) {
  std::unique_ptr<OpKernel> instance = kernel.create(node);
  std::vector<const Tensor*> input_ptrs;
  for (const auto& t : inputs) input_ptrs.push_back(&t);
  std::vector<Tensor> outputs(node.outputs.size());
  RunState state;
  state.seed = seed;
  state.step = step;
  state.training = training;
  KernelContext ctx(node, get_device(node.device), input_ptrs, outputs, state);
  instance->compute(ctx);
  for (size_t k = 0; k < outputs.size(); ++k)
    if (!outputs[k].valid()) ctx.output(static_cast<int>(k));  // a kernel that never wrote it fails the compare
  return outputs;
}

std::vector<Tensor> run_reference(const NodeInfo& node, const std::vector<Tensor>& inputs, bool training) {
  return run_kernel(KernelRegistry::global().select(node, "reference"), node, inputs, training);
}

std::string compare(const Tensor& got, const Tensor& want, double rtol, double atol) {
  if (got.dtype() != want.dtype() || !(got.shape() == want.shape()))
    return fmt::format("got {} {}, want {} {}", dtype_name(got.dtype()), got.shape().str(), dtype_name(want.dtype()),
                       want.shape().str());
  std::string report;
  int mismatches = 0;
  for (int64_t i = 0; i < got.num_elements(); ++i) {
    double g = got.value_as_double(i), w = want.value_as_double(i);
    bool ok = std::abs(g - w) <= atol + rtol * std::abs(w) || (std::isnan(g) && std::isnan(w));
    if (ok) continue;
    if (++mismatches <= 5) report += fmt::format("  [{}]: got {:.9g}, want {:.9g}\n", i, g, w);
  }
  if (mismatches == 0) return "";
  return fmt::format("{} of {} elements differ (rtol {}, atol {}):\n{}", mismatches, got.num_elements(), rtol, atol,
                     report);
}

int check_kernels_against_reference(const OpCase& c) {
  int compared = 0;
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    NodeInfo node = make_node(c, dtype);
    std::vector<Tensor> inputs = make_inputs(c, node);
    std::vector<Tensor> want = run_reference(node, inputs);
    for (const KernelDef* kernel : KernelRegistry::global().find(c.op, DeviceType::kCPU, node.kernel_dtype())) {
      if (kernel->label == "reference") continue;
      if (kernel->supports && !kernel->supports(node).empty()) continue;
      std::vector<Tensor> got = run_kernel(*kernel, node, inputs);
      for (size_t k = 0; k < want.size(); ++k) {
        std::string diff = compare(got[k], want[k], c.rtol, c.atol);
        INFO(c.op, " kernel ", kernel->label, " ", dtype_name(dtype), " output ", k);
        CHECK_MESSAGE(diff.empty(), diff);
      }
      ++compared;
    }
  }
  return compared;
}

int check_device_kernels_against_reference(const OpCase& c, const std::string& device) {
  int compared = 0;
  constexpr uint64_t kSeed = 11;
  constexpr int64_t kStep = 3;
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    NodeInfo reference_node = make_node(c, dtype);
    NodeInfo node = make_node(c, dtype, device);
    Device& target = get_device(node.device);
    std::vector<Tensor> inputs = make_inputs(c, reference_node);
    // Uploaded before the reference runs: a kernel that updates an input in place
    // (ApplyMomentum) must not change what the device kernel starts from.
    std::vector<Tensor> device_inputs;
    for (const Tensor& t : inputs) {
      Tensor on_device(t.dtype(), t.shape(), target.allocator());
      on_device.copy_from(t);
      device_inputs.push_back(std::move(on_device));
    }
    std::vector<Tensor> want = run_kernel(KernelRegistry::global().select(reference_node, "reference"), reference_node,
                                          inputs, c.training, kSeed, kStep);
    for (const KernelDef* kernel : KernelRegistry::global().find(c.op, node.device.type, node.kernel_dtype())) {
      if (kernel->supports && !kernel->supports(node).empty()) continue;
      std::vector<Tensor> fresh = device_inputs;  // in-place kernels: each starts from the same values
      for (Tensor& t : fresh) {
        Tensor copy(t.dtype(), t.shape(), target.allocator());
        copy.copy_from(t);
        t = std::move(copy);
      }
      std::vector<Tensor> got = run_kernel(*kernel, node, fresh, c.training, kSeed, kStep);
      target.synchronize();
      for (size_t k = 0; k < want.size(); ++k) {
        std::string diff = compare(got[k].to_host(), want[k], c.rtol, c.atol);
        INFO(c.op, " kernel ", kernel->label, " on ", device, " ", dtype_name(dtype), " output ", k);
        CHECK_MESSAGE(diff.empty(), diff);
      }
      ++compared;
    }
  }
  return compared;
}

int check_gradients(const OpCase& c) {
  Graph forward = build_graph(case_graph(c, DType::kFloat64));
  const Node& node = forward.node("node");
  proto::Graph with_grads = to_proto(forward);
  std::vector<std::string> dys;
  for (size_t j = 0; j < node.outputs.size(); ++j) {
    proto::Node* dy = with_grads.add_node();
    dy->set_name("dy" + std::to_string(j));
    dy->set_op("Placeholder");
    *dy->add_attr() = attr_shape(node.outputs[j].shape);
    dy->mutable_attr(0)->set_name("shape");
    *dy->add_attr() = attr_dtype(node.outputs[j].dtype);
    dy->mutable_attr(1)->set_name("dtype");
    dys.push_back(dy->name());
  }
  std::vector<std::string> grads = add_node_gradients(forward, "node", dys, with_grads);

  NodeInfo info = make_node(c, DType::kFloat64);
  std::map<std::string, Tensor> feeds;
  std::vector<Tensor> inputs = make_inputs(c, info);
  for (size_t k = 0; k < inputs.size(); ++k) feeds["in" + std::to_string(k)] = inputs[k];
  std::vector<std::string> outputs;
  for (size_t j = 0; j < node.outputs.size(); ++j) {
    Tensor w(DType::kFloat64, node.outputs[j].shape);
    for (int64_t i = 0; i < w.num_elements(); ++i) w.data<double>()[i] = 2.0 * uniform01(c.seed + 100 + j, i) - 1.0;
    feeds[dys[j]] = w;
    outputs.push_back(j == 0 ? "node" : "node:" + std::to_string(j));
  }
  VariableStore variables;
  Executor executor(build_graph(with_grads), variables, {.seed = 3});
  auto loss = [&]() {
    std::vector<Tensor> ys = executor.run(feeds, outputs, c.training, 1);
    double sum = 0;
    for (size_t j = 0; j < ys.size(); ++j)
      for (int64_t i = 0; i < ys[j].num_elements(); ++i) sum += feeds[dys[j]].data<double>()[i] * ys[j].data<double>()[i];
    return sum;
  };

  const OpDef& def = *node.def;
  int checked = 0;
  for (size_t k = 0; k < inputs.size(); ++k) {
    bool cut = std::find(def.no_gradient.begin(), def.no_gradient.end(), static_cast<int>(k)) != def.no_gradient.end();
    if (cut || !is_floating(inputs[k].dtype())) continue;
    INFO(c.op, ": gradient of input ", k);
    REQUIRE_MESSAGE(!grads[k].empty(), "the gradient function gave no gradient for input ", k);
    Tensor analytic = executor.run(feeds, {grads[k]}, c.training, 1)[0];
    Tensor numeric(DType::kFloat64, inputs[k].shape());
    double* x = feeds["in" + std::to_string(k)].data<double>();
    for (int64_t i = 0; i < numeric.num_elements(); ++i) {
      double saved = x[i];
      x[i] = saved + c.grad_step;
      double up = loss();
      x[i] = saved - c.grad_step;
      double down = loss();
      x[i] = saved;
      numeric.data<double>()[i] = (up - down) / (2 * c.grad_step);
    }
    std::string diff = compare(analytic, numeric, c.grad_rtol, c.grad_atol);
    CHECK_MESSAGE(diff.empty(), diff);
    ++checked;
  }
  return checked;
}

Tensor tensor_of(Shape shape, std::vector<double> values) {
  Tensor t(DType::kFloat64, std::move(shape));
  GR_CHECK(static_cast<int64_t>(values.size()) == t.num_elements(), "{} values for shape {}", values.size(),
           t.shape().str());
  std::copy(values.begin(), values.end(), t.data<double>());
  return t;
}

std::string build_error(const OpCase& c, DType dtype) {
  try {
    build_graph(case_graph(c, dtype));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace graphrun::testing
