// graphrun ops [NAME]: every registered op with its doc, inputs, outputs, attrs and kernels, and
// the library each came from ("builtin" or a plugin's path; a kernel names its own library
// when it differs from its op's).
#include <fmt/ranges.h>

#include "core/kernel_registry.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

// What training and the passes do with the op: its gradient, split rule, cost and buffer reuse.
void print_training_traits(const OpDef& def) {
  std::string gradient = "none (not differentiable: training through it fails, naming it)";
  if (def.grad_fn) {
    gradient = "yes";
    if (!def.no_gradient.empty()) {
      std::vector<std::string> cut;
      for (int k : def.no_gradient) cut.push_back(k < static_cast<int>(def.inputs.size()) ? def.inputs[k].name : std::to_string(k));
      gradient += fmt::format(" (none for {})", fmt::join(cut, ", "));
    }
  }
  fmt::print("  gradient: {}\n", gradient);
  using RuleFn = SplitDecision (*)(const SplitContext&);
  const RuleFn* rule = def.split_fn ? def.split_fn.target<RuleFn>() : nullptr;
  std::string split = !def.split_fn ? "none: runs whole on one device, its inputs gathered there"
                      : rule != nullptr && *rule == &split_rules::elementwise ? "elementwise: keeps its inputs' split"
                      : rule != nullptr && *rule == &split_rules::channels    ? "channels: keeps a split along axis 1"
                                                                              : "yes (the op's own rule)";
  fmt::print("  split rule: {}\n", split);
  fmt::print("  cost: {}\n", def.cost_fn ? "declared (FLOPs in inspect and bench)" : "none (counts 0 FLOPs)");
  std::vector<std::string> reuse;
  for (auto [out, in] : def.reuse_input)
    reuse.push_back(fmt::format("{} may reuse {}'s buffer", def.outputs.at(out).name, def.inputs.at(in).name));
  if (!reuse.empty()) fmt::print("  in place: {}\n", fmt::join(reuse, ", "));
}

void print_op(const OpDef& def, bool detailed) {
  std::vector<std::string> kernels;
  for (const KernelDef* k : KernelRegistry::global().for_op(def.name))
    kernels.push_back(fmt::format("{}/{}/{}{}", device_type_name(k->device), dtype_name(k->dtype), k->label,
                                  k->library == def.library ? "" : " [" + k->library + "]"));
  fmt::print("{} [{}]: {}\n", def.name, def.library, def.doc);
  if (!detailed) {
    fmt::print("  kernels: {}\n", kernels.empty() ? "none" : fmt::format("{}", fmt::join(kernels, " ")));
    return;
  }
  for (const auto& in : def.inputs)
    fmt::print("  input  {}{}{}\n", in.name, def.variadic_inputs && &in == &def.inputs.back() ? "..." : "",
               in.doc.empty() ? "" : ": " + in.doc);
  for (const auto& p : def.params)
    fmt::print("  param  {} (implicit Variable <node>/{}{})\n", p.name, p.name,
               p.enabled_by.empty() ? "" : ", if " + p.enabled_by);
  for (const auto& out : def.outputs)
    fmt::print("  output {}{}{}\n", out.name, def.variadic_outputs ? "..." : "", out.doc.empty() ? "" : ": " + out.doc);
  for (const auto& a : def.attrs)
    fmt::print("  attr   {} ({}{}){}\n", a.name, attr_type_name(a.type),
               a.default_value ? ", default " + attr_value_str(*a.default_value) : ", required",
               a.doc.empty() ? "" : ": " + a.doc);
  fmt::print("  kernels: {}\n", kernels.empty() ? "none" : fmt::format("{}", fmt::join(kernels, " ")));
  print_training_traits(def);
}

}  // namespace

void add_ops(CLI::App& app) {
  auto name = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("ops", "List the registered ops, their docs and their kernels per device and dtype");
  sub->add_option("op", *name, "show one op in detail (inputs, attrs, defaults)");
  sub->callback([name] {
    if (!name->empty()) {
      print_op(OpRegistry::global().get(*name), true);
      return;
    }
    for (const OpDef* def : OpRegistry::global().all()) print_op(*def, false);
  });
}

}  // namespace graphrun::cli
