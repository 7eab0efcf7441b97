// graphrun check-op OP: what graphrun's own op tests run (runtime/check/op_check.h), for any op,
// a plugin's included. It builds a node through the loader (attr checks, shape function), runs
// every kernel against the CPU reference kernel on each device present, and checks the
// gradient function against float64 central differences, printing the first mismatches. A
// float attr left at its default is checked a second time at another value, so a gradient
// that drops an attr (a backward op that silently uses the default) fails. Exit 0 when every
// check passes, 1 when one fails, 2 on bad input.
#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <fmt/ranges.h>

#include "core/kernel_registry.h"
#include "core/op_registry.h"
#include "runtime/check/op_check.h"
#include "runtime/devices/cuda_info.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

struct CheckOpArgs {
  std::string op;
  std::vector<std::string> attrs;   // NAME=VALUE
  std::vector<std::string> shapes;  // 2,3,5,7 per input (one for all)
  std::string dtype = "all";
  double rtol = 1e-5, atol = 1e-6;
  double grad_step = 1e-6, grad_rtol = 1e-5, grad_atol = 1e-7;
  uint64_t seed = 1;
  bool training = false;
};

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

int64_t parse_int(const std::string& text, const std::string& what) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) fail("{}: '{}' is not an integer", what, text);
  return v;
}

double parse_float(const std::string& text, const std::string& what) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) fail("{}: '{}' is not a number", what, text);
  return v;
}

Shape parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  for (const auto& d : split_commas(text)) {
    int64_t v = parse_int(d, fmt::format("--shape {}", text));
    if (v <= 0) fail("--shape {}: dimensions must be positive", text);
    dims.push_back(v);
  }
  return Shape(dims);
}

// NAME=VALUE as the attr's declared type.
std::pair<std::string, proto::Attr> parse_attr(const OpDef& def, const std::string& text) {
  size_t eq = text.find('=');
  if (eq == std::string::npos) fail("--attr '{}': expected NAME=VALUE", text);
  std::string name = text.substr(0, eq), value = text.substr(eq + 1);
  const AttrSpec* spec = def.find_attr(name);
  if (spec == nullptr) {
    std::vector<std::string> names;
    for (const auto& a : def.attrs) names.push_back(a.name);
    fail("--attr {}: {} has no attr '{}' (its attrs: {})", text, def.name, name,
         names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
  }
  std::string what = fmt::format("--attr {}", text);
  switch (spec->type) {
    case AttrType::kInt: return {name, attr_int(parse_int(value, what))};
    case AttrType::kFloat: return {name, attr_float(parse_float(value, what))};
    case AttrType::kString: return {name, attr_string(value)};
    case AttrType::kBool:
      if (value != "true" && value != "false") fail("{}: a bool is true or false", what);
      return {name, attr_bool(value == "true")};
    case AttrType::kInts: {
      std::vector<int64_t> v;
      for (const auto& p : split_commas(value)) v.push_back(parse_int(p, what));
      return {name, attr_ints(v)};
    }
    case AttrType::kFloats: {
      std::vector<double> v;
      for (const auto& p : split_commas(value)) v.push_back(parse_float(p, what));
      return {name, attr_floats(v)};
    }
    case AttrType::kShape: return {name, attr_shape(parse_shape(value))};
    case AttrType::kDType: return {name, attr_dtype(parse_dtype(value))};
    default: fail("{}: attr '{}' is of type {}, which check-op cannot set; test it in a graph file", what, name,
                  attr_type_name(spec->type));
  }
}

opcheck::OpCase make_case(const OpDef& def, const CheckOpArgs& args) {
  opcheck::OpCase c{.op = def.name};
  for (const auto& a : args.attrs) c.attrs.push_back(parse_attr(def, a));
  size_t inputs = def.inputs.size();
  std::vector<std::string> shapes = args.shapes.empty() ? std::vector<std::string>{"2,3,5,7"} : args.shapes;
  if (def.variadic_inputs && shapes.size() > inputs) inputs = shapes.size();
  if (shapes.size() != 1 && shapes.size() != inputs)
    fail("{} takes {} inputs: give one --shape for all of them or one per input ({} given)", def.name, inputs,
         shapes.size());
  for (size_t k = 0; k < inputs; ++k) c.input_shapes.push_back(parse_shape(shapes.size() == 1 ? shapes[0] : shapes[k]));
  c.rtol = args.rtol, c.atol = args.atol;
  c.grad_step = args.grad_step, c.grad_rtol = args.grad_rtol, c.grad_atol = args.grad_atol;
  c.seed = args.seed;
  c.training = args.training;
  return c;
}

std::string attrs_str(const opcheck::OpCase& c, const NodeInfo& node) {
  std::vector<std::string> parts;
  for (const auto& [name, value] : node.attrs.values()) parts.push_back(fmt::format("{}={}", name, attr_value_str(value)));
  return parts.empty() ? "no attrs" : fmt::format("{}", fmt::join(parts, " "));
}

struct Tally {
  int passed = 0, failed = 0;
  void report(const opcheck::Comparison& r) {
    if (r.ok()) {
      ++passed;
      fmt::print("  ok      {}\n", r.what);
    } else {
      ++failed;
      std::string diff = r.diff;
      while (!diff.empty() && diff.back() == '\n') diff.pop_back();
      fmt::print("  FAILED  {}: {}\n", r.what, diff);
    }
  }
};

// Another value for a float attr left at its default: the gradient is checked there too.
double other_value(double v) { return v == 0 ? 0.37 : v * 1.37 + 0.05; }

int check_op(const CheckOpArgs& args) {
  const OpDef& def = OpRegistry::global().get(args.op);
  opcheck::OpCase c = make_case(def, args);
  std::vector<DType> dtypes;
  if (args.dtype == "all") dtypes = {DType::kFloat32, DType::kFloat64};
  else dtypes = {parse_dtype(args.dtype)};

  fmt::print("check-op {} [{}]\n", def.name, def.library);
  // 1. The shape function, through the loader.
  NodeInfo node = opcheck::make_node(c, dtypes.front());
  std::vector<std::string> ins, outs;
  for (const auto& in : node.inputs) ins.push_back(fmt::format("{} {}", dtype_name(in.dtype), in.shape.str()));
  for (const auto& out : node.outputs) outs.push_back(fmt::format("{} {}", dtype_name(out.dtype), out.shape.str()));
  fmt::print("shape function: ({}) -> ({}), {}\n", fmt::join(ins, ", "), fmt::join(outs, ", "), attrs_str(c, node));

  Tally tally;
  // 2. Every kernel against the reference, on each device present.
  std::vector<std::string> devices = {"cpu:0"};
  for (int g = 0; g < cuda_device_count(); ++g) devices.push_back(fmt::format("gpu:{}", g));
  for (DType dtype : dtypes) {
    NodeInfo n = opcheck::make_node(c, dtype);
    KernelRegistry::global().select(n, "reference");  // throws, listing the kernels, when there is none
  }
  fmt::print("kernels against the CPU reference kernel (rtol {:g}, atol {:g}) on {}:\n", c.rtol, c.atol,
             fmt::join(devices, ", "));
  int compared = 0;
  for (const auto& device : devices) {
    for (const auto& r : opcheck::compare_kernels(c, device, {.training = c.training, .seed = 11, .step = 3}, dtypes)) {
      tally.report(r);
      ++compared;
    }
  }
  if (compared == 0) fmt::print("  (only the reference kernel, which ran: nothing to compare it with)\n");

  // 3. The gradient, in float64.
  if (!def.grad_fn) {
    fmt::print("gradient: none ({} declares no gradient function; training through it fails)\n", def.name);
  } else {
    fmt::print("gradient against float64 central differences (step {:g}, rtol {:g}, atol {:g}):\n", c.grad_step,
               c.grad_rtol, c.grad_atol);
    for (const auto& r : opcheck::compare_gradients(c)) tally.report(r);
    for (const auto& spec : def.attrs) {
      bool given = std::any_of(c.attrs.begin(), c.attrs.end(), [&](const auto& a) { return a.first == spec.name; });
      if (given || spec.type != AttrType::kFloat || !spec.default_value) continue;
      opcheck::OpCase varied = c;
      double value = other_value(spec.default_value->f());
      varied.attrs.push_back({spec.name, attr_float(value)});
      if (std::string error = opcheck::build_error(varied, DType::kFloat64); !error.empty()) {
        fmt::print("  skipped {} = {:g} (not the default): the op refuses it: {}\n", spec.name, value, error);
        continue;
      }
      for (auto r : opcheck::compare_gradients(varied)) {
        r.what += fmt::format(" at {}={:g} (not the default: a gradient that drops the attr fails here)", spec.name, value);
        tally.report(r);
      }
    }
  }
  if (tally.failed == 0) {
    fmt::print("{}: all {} checks passed\n", def.name, tally.passed);
    return 0;
  }
  fmt::print("{}: {} of {} checks FAILED\n", def.name, tally.failed, tally.failed + tally.passed);
  return 1;
}

}  // namespace

void add_check_op(CLI::App& app) {
  auto args = std::make_shared<CheckOpArgs>();
  CLI::App* sub = app.add_subcommand(
      "check-op", "Test an op as graphrun tests its own: shape function, every kernel against the reference kernel on "
                  "each device present, the gradient against float64 central differences (exit 1 if a check fails)");
  sub->add_option("op", args->op, "the op (load a plugin's with --plugin)")->required();
  sub->add_option("--attr", args->attrs, "NAME=VALUE, an attr of the node (repeatable; lists as 1,2,3)");
  sub->add_option("--shape", args->shapes, "input shape as 2,3,5,7: one for every input, or one per input in order "
                                           "(default 2,3,5,7)");
  sub->add_option("--dtype", args->dtype, "float32, float64 or all: the dtypes whose kernels are compared (the "
                                          "gradient is always checked in float64)")
      ->check(CLI::IsMember({"all", "float32", "float64"}));
  sub->add_option("--rtol", args->rtol, "kernel comparison: relative tolerance")->capture_default_str();
  sub->add_option("--atol", args->atol, "kernel comparison: absolute tolerance")->capture_default_str();
  sub->add_option("--grad-step", args->grad_step, "central-difference step")->capture_default_str();
  sub->add_option("--grad-rtol", args->grad_rtol, "gradient: relative tolerance")->capture_default_str();
  sub->add_option("--grad-atol", args->grad_atol, "gradient: absolute tolerance")->capture_default_str();
  sub->add_option("--seed", args->seed, "seed of the random inputs (uniform in [-1, 1])")->capture_default_str();
  sub->add_flag("--training", args->training, "run the kernels in training mode (random ops: one mask for both)");
  sub->callback([args] {
    int code = check_op(*args);
    if (code != 0) throw ExitCode{code};
  });
}

}  // namespace graphrun::cli
