#include "runtime/check/op_check.h"

#include <algorithm>
#include <cmath>

#include "core/device.h"
#include "core/gradient.h"
#include "core/random.h"
#include "runtime/exec/executor.h"
#include "runtime/passes/placement.h"

namespace graphrun::opcheck {

proto::Graph case_graph(const OpCase& c, DType dtype) {
  proto::Graph g;
  g.set_name("op_case");
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
  proto::Node* node = g.add_node();
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
          default: fail("input {} of {} is {}: random inputs are float32 or float64", k, c.op, dtype_name(t.dtype()));
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

namespace {

// A copy of `t` in the memory of `device`.
Tensor on_device(const Tensor& t, Device& device) {
  Tensor copy(t.dtype(), t.shape(), device.allocator());
  copy.copy_from(t);
  return copy;
}

}  // namespace

std::vector<Comparison> compare_kernels(const OpCase& c, const std::string& device, KernelRun run,
                                        const std::vector<DType>& dtypes) {
  std::vector<Comparison> results;
  for (DType dtype : dtypes) {
    NodeInfo reference_node = make_node(c, dtype);
    NodeInfo node = make_node(c, dtype, device);
    Device& target = get_device(node.device);
    bool on_cpu = node.device.type == DeviceType::kCPU;
    std::vector<Tensor> inputs = make_inputs(c, reference_node);
    // Uploaded before the reference runs: a kernel that updates an input in place
    // (ApplyMomentum) must not change what the device kernel starts from.
    std::vector<Tensor> device_inputs;
    for (const Tensor& t : inputs) device_inputs.push_back(on_device(t, target));
    std::vector<Tensor> want =
        run_kernel(KernelRegistry::global().select(reference_node, "reference"), reference_node, inputs, run.training,
                   run.seed, run.step);
    for (const KernelDef* kernel : KernelRegistry::global().find(c.op, node.device.type, node.kernel_dtype())) {
      if (on_cpu && kernel->label == "reference") continue;
      if (kernel->supports && !kernel->supports(node).empty()) continue;
      std::string what = fmt::format("{} kernel '{}' on {} {}", c.op, kernel->label, device, dtype_name(dtype));
      std::vector<Tensor> fresh;
      for (const Tensor& t : device_inputs) fresh.push_back(on_device(t, target));
      std::vector<Tensor> got;
      try {
        got = run_kernel(*kernel, node, fresh, run.training, run.seed, run.step);
        target.synchronize();
      } catch (const std::exception& e) {
        results.push_back({what, fmt::format("it failed: {}", e.what())});
        continue;
      }
      for (size_t k = 0; k < want.size(); ++k)
        results.push_back({fmt::format("{} output {}", what, k), compare(got[k].to_host(), want[k], c.rtol, c.atol)});
    }
  }
  return results;
}

namespace {

// `t` converted to `dtype` by the Cast op's reference kernel (float32 <-> bfloat16).
Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  OpCase c{.op = "Cast", .attrs = {{"to", attr_dtype(dtype)}}, .input_shapes = {t.shape()}, .input_dtypes = {t.dtype()}};
  return run_reference(make_node(c, t.dtype()), {t})[0];
}

}  // namespace

std::vector<Comparison> compare_bfloat16_kernels(const OpCase& c) {
  NodeInfo reference_node = make_node(c, DType::kFloat32);
  NodeInfo node = make_node(c, DType::kBFloat16);
  std::vector<Tensor> inputs = make_inputs(c, reference_node), rounded;
  for (size_t k = 0; k < inputs.size(); ++k) {
    inputs[k] = cast(inputs[k], node.inputs[k].dtype);
    rounded.push_back(cast(inputs[k], reference_node.inputs[k].dtype));
  }
  const KernelRun run{.training = c.training, .seed = 11, .step = 3};
  std::vector<Tensor> want = run_kernel(KernelRegistry::global().select(reference_node, "reference"), reference_node,
                                        rounded, run.training, run.seed, run.step);
  std::vector<Comparison> results;
  for (const KernelDef* kernel : KernelRegistry::global().find(c.op, DeviceType::kCPU, DType::kBFloat16)) {
    if (kernel->supports && !kernel->supports(node).empty()) continue;
    std::string what = fmt::format("{} kernel '{}' bfloat16 against the float32 reference", c.op, kernel->label);
    std::vector<Tensor> got;
    try {
      got = run_kernel(*kernel, node, inputs, run.training, run.seed, run.step);
    } catch (const std::exception& e) {
      results.push_back({what, fmt::format("it failed: {}", e.what())});
      continue;
    }
    for (size_t k = 0; k < want.size(); ++k)
      results.push_back({fmt::format("{} output {}", what, k), compare(cast(got[k], DType::kFloat32), cast(want[k], DType::kFloat32), c.rtol, c.atol)});
  }
  return results;
}

std::vector<Comparison> compare_gradients(const OpCase& c) {
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
  std::vector<Comparison> results;
  for (size_t k = 0; k < inputs.size(); ++k) {
    bool cut = std::find(def.no_gradient.begin(), def.no_gradient.end(), static_cast<int>(k)) != def.no_gradient.end();
    if (cut || !is_floating(inputs[k].dtype())) continue;
    std::string what = fmt::format("{}: gradient of input {}", c.op, k);
    if (grads[k].empty()) {
      results.push_back({what, fmt::format("the gradient function gave no gradient for input {}", k)});
      continue;
    }
    try {
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
      results.push_back({what, compare(analytic, numeric, c.grad_rtol, c.grad_atol)});
    } catch (const std::exception& e) {
      results.push_back({what, fmt::format("it failed: {}", e.what())});
    }
  }
  return results;
}

std::string build_error(const OpCase& c, DType dtype) {
  try {
    build_graph(case_graph(c, dtype));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace graphrun::opcheck
