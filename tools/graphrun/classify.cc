// graphrun classify GRAPH IMAGES...: the most likely classes of JPEG/PNG files under trained
// weights, each image prepared as the training data's evaluation samples were (Caffe's
// classify.py, TensorFlow's label_image). The class names (labels.txt) and the mean image
// (mean.npz) are taken from beside the weights, where `graphrun train` writes them.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <nlohmann/json.hpp>

#include "core/graph_io.h"
#include "core/npz.h"
#include "runtime/data/image_codec.h"
#include "runtime/data/image_transform.h"
#include "runtime/data/new_image.h"
#include "runtime/exec/executor.h"
#include "runtime/train/training_graph.h"
#include "runtime/viz/prediction_cards.h"
#include "tools/graphrun/cli_common.h"

namespace graphrun::cli {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kThumbnail = 128;  // pixels a side of an image in --picture

struct ClassifyArgs {
  std::string graph, weights, mean, labels;
  std::vector<std::string> images;
  std::string devices = "cpu:0", parallel = "model";
  int top = 5;
  int64_t batch_size = 32;
  bool json = false;
  bool ten_crop = false;
  std::string picture;  // an SVG of the images and their classes
};

// An option's file, or the file of that name beside the weights when there is one.
std::string beside_weights(const std::string& given, const std::string& weights, const char* name) {
  if (!given.empty()) return given;
  fs::path candidate = fs::path(weights).parent_path() / name;
  return fs::exists(candidate) ? candidate.string() : "";
}

std::vector<std::string> read_labels(const std::string& path) {
  std::vector<std::string> labels;
  if (path.empty()) return labels;
  std::ifstream in(path);
  if (!in) fail("cannot read labels file '{}'", path);
  for (std::string line; std::getline(in, line);) labels.push_back(line);
  return labels;
}

// Softmax of each row of `logits` [rows, classes], averaged over each run of `views` rows (an
// image's evaluation views): [rows / views, classes].
Tensor average_softmax(const Tensor& logits, int views) {
  const int64_t rows = logits.shape()[0], classes = logits.shape()[1];
  Tensor out = Tensor::zeros(DType::kFloat64, Shape{rows / views, classes});
  for (int64_t r = 0; r < rows; ++r) {
    std::vector<double> p = row_probabilities(logits, r, /*already_probabilities=*/false);
    for (int64_t c = 0; c < classes; ++c) out.data<double>()[r / views * classes + c] += p[c] / views;
  }
  return out;
}

void classify(const ClassifyArgs& args) {
  if (args.batch_size < 1) fail("--batch-size must be at least 1");
  const std::string mean_path = beside_weights(args.mean, args.weights, "mean.npz");
  const std::vector<std::string> labels = read_labels(beside_weights(args.labels, args.weights, "labels.txt"));
  Tensor mean;
  if (!mean_path.empty()) {
    auto arrays = read_npz(mean_path);
    if (!arrays.contains("mean")) fail("'{}' has no array 'mean'", mean_path);
    mean = arrays.at("mean");
  } else {
    // On stderr, so it reaches a user of --json too: without the mean the classes are suspect.
    fmt::print(stderr, "warning: no mean.npz beside '{}' (nor --mean): images go in as [0, 1] values, no mean subtracted\n",
               args.weights);
  }

  // Ten-crop (the paper's test-time views): ten rows per image, their softmax averaged.
  const int views = args.ten_crop ? 10 : 1;
  const int64_t batch = std::min<int64_t>(args.batch_size, static_cast<int64_t>(args.images.size()));
  // A graph with its own loss is classified without it: no labels to feed.
  Graph model = without_loss(load_graph_for(args.graph, batch * views));
  const std::string logits = find_logits(model);
  const std::string input = find_image_input(model, logits);
  const TensorInfo& info = model.node(input).outputs[0];
  if (info.dtype != DType::kFloat32 || info.shape.rank() != 4)
    fail("Placeholder '{}' is {} {}: classify feeds float32 [batch, C, H, W] images", input, dtype_name(info.dtype),
         info.shape.str());
  const Shape image(std::vector<int64_t>(info.shape.dims().begin() + 1, info.shape.dims().end()));
  const int64_t classes = model.info(model.resolve(logits)).shape[1];
  if (!labels.empty() && static_cast<int64_t>(labels.size()) != classes)
    fail("the labels file lists {} classes, the graph's logits '{}' have {}", labels.size(), logits, classes);
  // The mean checked against the input once, before any image.
  std::optional<NewImagePreparer> preparer;
  try {
    preparer.emplace(mean, image);
  } catch (const Error& e) {
    fail("the mean image of '{}' for graph '{}': {}", mean_path.empty() ? "(none)" : mean_path, model.name, e.what());
  }
  Graph graph = compile_for_devices(model, args.devices, args.parallel);
  VariableStore variables;
  load_weights(variables, graph, args.weights);
  Executor executor(std::move(graph), variables);

  std::vector<PredictionCard> cards;
  std::vector<RgbImage> thumbnails(static_cast<size_t>(batch));
  for (size_t first = 0; first < args.images.size(); first += static_cast<size_t>(batch)) {
    const size_t count = std::min(args.images.size() - first, static_cast<size_t>(batch));
    std::vector<int64_t> dims = info.shape.dims();
    dims[0] = static_cast<int64_t>(count) * views;
    Tensor images(DType::kFloat32, Shape(dims));
    for (size_t i = 0; i < count; ++i) {
      const std::string& path = args.images[first + i];
      std::vector<uint8_t> bytes = read_image_file(path);
      RgbImage decoded = decode_image(bytes.data(), bytes.size(), path, mean.valid() ? preparer->side() : 0);
      if (!args.picture.empty()) {
        // What the model saw, at the size of the picture's cards.
        thumbnails[i] = RgbImage{.height = kThumbnail, .width = kThumbnail,
                                 .pixels = std::vector<uint8_t>(static_cast<size_t>(kThumbnail * kThumbnail * 3))};
        resize_center_crop(decoded, kThumbnail, thumbnails[i].pixels.data());
      }
      try {
        preparer->prepare(decoded, images.data<float>() + i * views * image.num_elements(), 0, views);
      } catch (const Error& e) {
        fail("'{}' with the mean image of '{}': {}", path, mean_path.empty() ? "(none)" : mean_path, e.what());
      }
    }
    Tensor probabilities = average_softmax(executor.run({{input, images}}, {logits}).at(0), views);
    for (size_t i = 0; i < count; ++i) {
      auto top = top_classes(probabilities, static_cast<int64_t>(i), args.top, /*already_probabilities=*/true);
      auto name = [&](int64_t c) { return labels.empty() ? std::to_string(c) : labels[c]; };
      if (!args.picture.empty()) {
        PredictionCard& card = cards.emplace_back();
        card.title = fs::path(args.images[first + i]).filename().string();
        card.image = std::move(thumbnails[i]);
        for (const auto& [c, p] : top) card.top.emplace_back(name(c), p);
      }
      if (args.json) {
        nlohmann::ordered_json line = {{"image", args.images[first + i]}, {"top", nlohmann::json::array()}};
        for (const auto& [c, p] : top) line["top"].push_back({{"class", c}, {"label", name(c)}, {"p", p}});
        std::cout << line.dump() << "\n";
      } else {
        fmt::print("{}\n", args.images[first + i]);
        for (const auto& [c, p] : top) fmt::print("  {:6.2f}%  {}\n", 100 * p, labels.empty() ? fmt::format("class {}", c) : fmt::format("{} ({})", labels[c], c));
      }
    }
  }
  if (!args.picture.empty()) {
    write_file_atomically(args.picture, render_prediction_cards_svg(cards));
    fmt::print(stderr, "wrote {}: {} images with their classes\n", args.picture, cards.size());
  }
}

}  // namespace

void add_classify(CLI::App& app) {
  auto args = std::make_shared<ClassifyArgs>();
  CLI::App* sub = app.add_subcommand("classify", "The most likely classes of JPEG/PNG images under trained weights");
  sub->add_option("graph", args->graph, "graph file (.pbtxt, .pb or .onnx)")->required();
  sub->add_option("images", args->images, "JPEG or PNG files")->required();
  sub->add_option("--weights", args->weights, "weights: train's weights.npz or a checkpoint")->required();
  sub->add_option("--mean", args->mean, "the training data's mean image (default: mean.npz beside the weights)");
  sub->add_option("--labels", args->labels, "class names, one per line (default: labels.txt beside the weights)");
  sub->add_option("--top", args->top, "classes to show per image")->capture_default_str();
  sub->add_option("--batch-size", args->batch_size, "images per forward pass")->capture_default_str();
  add_devices_option(sub, args->devices, args->parallel);
  add_precision_option(sub);
  sub->add_flag("--json", args->json, "one JSON line per image");
  sub->add_option("--picture", args->picture, "also draw the images and their classes as an SVG (the paper's Figure 4)");
  sub->add_flag("--ten-crop", args->ten_crop,
                "average the softmax of the centre and four corner crops and their flips (the paper's test-time views; "
                "colour models)");
  sub->callback([args] {
    check_at_least("--top", args->top, 1);
    check_at_least("--batch-size", args->batch_size, 1);
    classify(*args);
  });
}

}  // namespace graphrun::cli
