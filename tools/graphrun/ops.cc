// graphrun ops [NAME]: every registered op with its doc, inputs, outputs, attrs and kernels, and
// the library each came from ("builtin" or a plugin's path; a kernel names its own library
// when it differs from its op's).
#include <fmt/ranges.h>

#include "core/kernel_registry.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

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
