// Pictures of a training run: `graphrun filters` draws a convolution layer's learned kernels
// (the AlexNet paper's Figure 3) as a PNG; `graphrun plot` draws the loss and accuracy curves of
// a `train --metrics` file as an SVG. (`graphrun dot` draws the graph.)
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include <map>
#include <memory>
#include <vector>

#include "core/graph_io.h"
#include "core/npz.h"
#include "runtime/data/image_codec.h"
#include "runtime/train/checkpoint.h"
#include "runtime/train/training_curves.h"
#include "runtime/viz/chart_svg.h"
#include "runtime/viz/filter_grid.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

// Model weights by variable name from an .npz (train's weights.npz) or a checkpoint.
std::map<std::string, Tensor> read_weights(const std::string& path) {
  return is_checkpoint_file(path) ? checkpoint_weights(read_checkpoint(path), path) : read_npz(path);
}

bool is_image_kernel(const Tensor& t) { return t.shape().rank() == 4 && (t.shape()[1] == 3 || t.shape()[1] == 1); }

// The variable to draw: `wanted` (a layer's "L/weight" or a variable's name), else the first
// kernel that reads an image.
std::string pick_variable(const std::map<std::string, Tensor>& weights, const std::string& path,
                          const std::string& wanted) {
  std::string kernels;
  for (const auto& [name, t] : weights)
    if (t.shape().rank() == 4) kernels += fmt::format("{}{} {}", kernels.empty() ? "" : ", ", name, t.shape().str());
  if (wanted.empty()) {
    for (const auto& [name, t] : weights)
      if (is_image_kernel(t)) return name;
    fail("'{}' has no convolution kernel that reads an image (1 or 3 input channels); name one with --layer or "
         "--variable (4-D variables: {})",
         path, kernels.empty() ? "none" : kernels);
  }
  if (!weights.contains(wanted))
    fail("'{}' has no variable '{}' (4-D variables: {})", path, wanted, kernels.empty() ? "none" : kernels);
  return wanted;
}

// Kernels of several layers (the towers of alexnet_towers: conv1a, conv1b) stacked along the
// output channels, each layer one block of the picture.
Tensor stack_kernels(const std::map<std::string, Tensor>& weights, const std::vector<std::string>& names) {
  const Tensor& first = weights.at(names[0]);
  if (names.size() == 1) return first;
  int64_t out = 0;
  for (const auto& name : names) {
    const Tensor& t = weights.at(name);
    // Checked per layer here, so a NaN is named by its layer, not its place in the stack.
    if (is_floating(t.dtype()))
      for (int64_t i = 0; i < t.num_elements(); ++i)
        if (!std::isfinite(t.value_as_double(i))) fail("'{}' holds {} at element {}: the training diverged", name, t.value_as_double(i), i);
    if (t.shape().rank() != 4 || t.dtype() != first.dtype() || t.shape()[0] != first.shape()[0] ||
        !std::equal(t.shape().dims().begin() + 1, t.shape().dims().end(), first.shape().dims().begin() + 1))
      fail("'{}' {} {} cannot be drawn beside '{}' {} {}: layers drawn together need the same kernel shape", name,
           dtype_name(t.dtype()), t.shape().str(), names[0], dtype_name(first.dtype()), first.shape().str());
    out += t.shape()[0];
  }
  std::vector<int64_t> dims = first.shape().dims();
  dims[0] = out;
  Tensor stacked(first.dtype(), Shape(dims));
  size_t offset = 0;
  for (const auto& name : names) {
    const Tensor& t = weights.at(name);
    std::memcpy(static_cast<char*>(stacked.raw()) + offset, t.raw(), t.bytes());
    offset += t.bytes();
  }
  return stacked;
}

void add_filters_cmd(CLI::App& app) {
  struct Args {
    std::string weights, output;
    std::vector<std::string> layers, variables;
    FilterGridOptions grid;
    bool global_range = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* sub = app.add_subcommand("filters", "Draw a convolution layer's learned kernels as a PNG (the AlexNet paper's Figure 3)");
  sub->add_option("weights", a->weights, "weights: train's weights.npz or a checkpoint")->required();
  sub->add_option("-o,--output", a->output, "the PNG to write (default: LAYER_filters.png)");
  sub->add_option("--layer", a->layers,
                  "the convolution layer (default: the first that reads an image); repeated, each layer is a block "
                  "(--layer conv1a --layer conv1b: the two towers)");
  sub->add_option("--variable", a->variables, "a kernel variable's name, if it is not LAYER/weight; repeatable");
  sub->add_option("--groups", a->grid.groups, "draw the output channels as this many blocks (2: the paper's two GPUs)")
      ->capture_default_str();
  sub->add_option("--scale", a->grid.scale, "pixels per weight (0: tiles of about 40 pixels)")->capture_default_str();
  sub->add_option("--columns", a->grid.columns, "kernels per row (0: 16)")->capture_default_str();
  sub->add_flag("--global-range", a->global_range, "one grey scale for all kernels (default: each kernel its own)");
  sub->callback([a] {
    std::map<std::string, Tensor> weights = read_weights(a->weights);
    std::vector<std::string> wanted = a->variables;
    for (const auto& layer : a->layers) wanted.push_back(layer + "/weight");
    if (wanted.empty()) wanted.emplace_back();
    std::vector<std::string> names;
    for (const auto& w : wanted) names.push_back(pick_variable(weights, a->weights, w));
    if (names.size() > 1 && a->grid.groups == 1) a->grid.groups = static_cast<int64_t>(names.size());
    Tensor kernel = stack_kernels(weights, names);
    a->grid.per_filter = !a->global_range;
    std::string what = fmt::format("'{}'", fmt::join(names, "', '"));
    RgbImage image;
    try {
      image = render_filter_grid(kernel, a->grid);
    } catch (const Error& e) {
      fail("{} of '{}': {}", what, a->weights, e.what());
    }
    std::string output = a->output;
    if (output.empty()) output = names[0].substr(0, names[0].find('/')) + "_filters.png";
    std::vector<uint8_t> png = encode_png(image.pixels.data(), image.height, image.width, 3);
    write_file_atomically(output, std::string(png.begin(), png.end()));
    const Shape& s = kernel.shape();
    fmt::print("{}: {} kernels {}x{}x{} of {}{}, {}x{} pixels\n", output, s[0], s[2], s[3], s[1], what,
               a->grid.groups > 1 ? fmt::format(" in {} blocks", a->grid.groups) : "", image.width, image.height);
  });
}

void add_plot_cmd(CLI::App& app) {
  auto metrics = std::make_shared<std::vector<std::string>>();
  auto output = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand(
      "plot", "Draw the loss, accuracy and throughput curves of a train --metrics file (or several runs side by side) as an SVG");
  sub->add_option("metrics", *metrics, "metrics files (train --metrics); several are drawn side by side")->required();
  sub->add_option("-o,--output", *output,
                  "the SVG to write (default: the metrics file's name with .svg; compare.svg for several)");
  sub->callback([metrics, output] {
    std::vector<Chart> charts = training_curves(*metrics);
    std::string path = *output;
    if (path.empty() && metrics->size() > 1) path = "compare.svg";
    if (path.empty()) {
      const std::string& m = metrics->front();
      auto dot = m.rfind('.');
      path = (dot == std::string::npos || m.find('/', dot) != std::string::npos ? m : m.substr(0, dot)) + ".svg";
    }
    write_file_atomically(path, render_charts_svg(charts));
    fmt::print("{}: {} charts of {} run{}\n", path, charts.size(), metrics->size(), metrics->size() > 1 ? "s" : "");
  });
}

}  // namespace

void add_pictures(CLI::App& app) {
  add_filters_cmd(app);
  add_plot_cmd(app);
}

}  // namespace graphrun::cli
