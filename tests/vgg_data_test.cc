// The VGG paper's data and evaluation pieces below the CLI: the training scale drawn per
// (seed, epoch, sample), the 5x5 grid of test crops, an image data set at a training or test
// scale composed exactly of resize, crop and mean RGB, the dense graph transform, and sample
// probabilities averaged over views.
#include <doctest/doctest.h>

#include <set>

#include "core/error.h"
#include "core/graph_io.h"
#include "runtime/data/image_folder.h"
#include "runtime/train/dense_eval.h"
#include "runtime/train/evaluate.h"

namespace graphrun {

namespace {

// Square records with deterministic pixels, one per label.
class SquareRecords final : public ImageRecords {
 public:
  explicit SquareRecords(int64_t side) : side_(side) { classes_ = {"a", "b", "c"}; }
  int64_t size() const override { return 3; }
  int64_t label(int64_t i) const override { return i; }
  std::string name(int64_t i) const override { return fmt::format("r{}", i); }
  void load(int64_t i, uint8_t* hwc) const override {
    for (int64_t k = 0; k < side_ * side_ * 3; ++k) hwc[k] = static_cast<uint8_t>((k * 7 + i * 31 + k / 97) % 256);
  }
  std::string description() const override { return "squares"; }
  int64_t side() const override { return side_; }

 private:
  int64_t side_;
};

std::shared_ptr<const ImageStats> flat_stats(int64_t side) {
  auto s = std::make_shared<ImageStats>();
  s->side = side;
  s->mean.assign(3 * side * side, 0.0f);
  for (int c = 0; c < 3; ++c) std::fill_n(s->mean.begin() + c * side * side, side * side, 0.25f * (c + 1));
  s->eigval = {0.2, 0.02, 0.002};
  s->eigvec = {{{0.58, 0.58, 0.58}, {-0.7, 0.0, 0.7}, {0.4, -0.8, 0.4}}};
  return s;
}

// The expected sample: the record resized to s x s, the crop, the mean RGB subtracted.
std::vector<float> expected(const SquareRecords& records, const ImageStats& stats, int64_t index, int64_t s,
                            const CropParams& crop, int64_t h, int64_t w) {
  RgbImage record{stats.side, stats.side, std::vector<uint8_t>(stats.side * stats.side * 3)};
  records.load(index, record.pixels.data());
  std::vector<uint8_t> scaled(s * s * 3);
  resize_center_crop(record, s, scaled.data());
  ImageStats at_s = stats;
  at_s.side = s;
  at_s.mean.assign(3 * s * s, 0.0f);
  for (int c = 0; c < 3; ++c) std::fill_n(at_s.mean.begin() + c * s * s, s * s, 0.25f * (c + 1));
  std::vector<float> out(3 * h * w);
  apply_crop(scaled.data(), at_s, crop, h, w, out.data());
  return out;
}

}  // namespace

TEST_CASE("training_scale: uniform over [SMIN, SMAX], a function of (seed, epoch, sample)") {
  std::set<int64_t> seen;
  for (int64_t i = 0; i < 4000; ++i) {
    int64_t s = training_scale(7, 2, i, 256, 512);
    CHECK(s >= 256);
    CHECK(s <= 512);
    CHECK(s == training_scale(7, 2, i, 256, 512));
    seen.insert(s);
  }
  CHECK(seen.count(256) == 1);
  CHECK(seen.count(512) == 1);
  CHECK(seen.size() > 240);  // nearly all 257 sizes in 4000 draws
  int differ = 0;
  for (int64_t i = 0; i < 100; ++i) differ += training_scale(7, 2, i, 256, 512) != training_scale(7, 3, i, 256, 512);
  CHECK(differ > 90);
  CHECK(training_scale(1, 0, 5, 384, 384) == 384);
}

TEST_CASE("grid_crop: a 5x5 grid from corner to corner, then the same flipped") {
  CropParams first = grid_crop(0, 384, 224, 224), centre = grid_crop(12, 384, 224, 224), last = grid_crop(24, 384, 224, 224);
  CHECK(first.top == 0);
  CHECK(first.left == 0);
  CHECK(last.top == 160);
  CHECK(last.left == 160);
  CHECK(centre.top == eval_crop(0, 384, 224, 224).top);
  CHECK(centre.left == eval_crop(0, 384, 224, 224).left);
  CHECK(grid_crop(1, 384, 224, 224).left == 40);
  CHECK(grid_crop(5, 384, 224, 224).top == 40);
  CHECK(!grid_crop(24, 384, 224, 224).flip);
  CHECK(grid_crop(37, 384, 224, 224).flip);
  CHECK(grid_crop(37, 384, 224, 224).top == centre.top);
}

TEST_CASE("image data at a training scale: resize to S, crop, flip, colour shift, mean RGB") {
  auto records = std::make_shared<SquareRecords>(96);
  auto stats = flat_stats(96);
  const Shape image{3, 32, 32};
  auto data = image_dataset(records, stats, image, 11, {.scale_min = 40, .scale_max = 80}, "train");
  std::vector<float> got(3 * 32 * 32);
  for (int64_t index = 0; index < 3; ++index) {
    int64_t s = training_scale(11, 4, index, 40, 80);
    CHECK(data->get_train(index, 4, got.data(), image) == index);
    CHECK(got == expected(*records, *stats, index, s, train_crop(11, 4, index, s, 32, 32, *stats), 32, 32));
  }
  // Evaluation at Q = (SMIN + SMAX) / 2, and at an explicit test scale on the grid.
  CHECK(data->get(1, got.data(), image) == 1);
  CHECK(got == expected(*records, *stats, 1, 60, eval_crop(0, 60, 32, 32), 32, 32));
  auto grid = image_dataset(records, stats, image, 11, {.eval_scale = 48, .grid_crops = true}, "val");
  CHECK(grid->views() == 50);
  grid->get_view(2, 31, got.data(), image);
  CHECK(got == expected(*records, *stats, 2, 48, grid_crop(31, 48, 32, 32), 32, 32));
}

TEST_CASE("image data: a scale the records or the input do not allow is an error naming both sizes") {
  auto records = std::make_shared<SquareRecords>(64);
  auto stats = flat_stats(64);
  CHECK_THROWS_WITH_AS(image_dataset(records, stats, Shape{3, 32, 32}, 1, {.scale_min = 40, .scale_max = 80}, "train"),
                       doctest::Contains("holds 64x64 images, too small for training scale 80"), Error);
  CHECK_THROWS_WITH_AS(image_dataset(records, stats, Shape{3, 32, 32}, 1, {.scale_min = 24, .scale_max = 24}, "train"),
                       doctest::Contains("training scale 24 is smaller than the graph's 32x32 input"), Error);
  CHECK_THROWS_WITH_AS(image_dataset(records, stats, Shape{3, 32, 32}, 1, {.eval_scale = 100}, "val"),
                       doctest::Contains("too small for test scale 100"), Error);
}

TEST_CASE("dense_evaluation_graph: FC layers as convolutions over the trained weights") {
  Graph model = build_graph(parse_graph_text(R"(
    name: "small"
    node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2, 8, 8] } } }
    node { name: "conv" op: "Conv2D" input: "data" attr { name: "filters" i: 3 } attr { name: "kernel" i: 3 } attr { name: "pad" i: 1 } }
    node { name: "pool" op: "MaxPool" input: "conv" attr { name: "kernel" i: 2 } attr { name: "stride" i: 2 } }
    node { name: "flatten" op: "Flatten" input: "pool" }
    node { name: "fc6" op: "Dense" input: "flatten" attr { name: "units" i: 5 } }
    node { name: "relu6" op: "Relu" input: "fc6" }
    node { name: "fc8" op: "Dense" input: "relu6" attr { name: "units" i: 4 } }
    node { name: "prob" op: "Softmax" input: "fc8" })"));
  DenseGraph dense = dense_evaluation_graph(model, 14, 12);
  Graph g = build_graph(dense.graph);
  CHECK(dense.score_map == "fc8");
  CHECK(g.node("fc6").op == "Conv2D");
  CHECK(g.node("fc6").attrs.ints("kernel") == std::vector<int64_t>{4, 4});
  CHECK(g.info(g.resolve("fc6/kernel")).shape == Shape{5, 3, 4, 4});
  CHECK(g.info(g.resolve("fc6/weight")).shape == Shape{5, 48});  // the trained variable, unchanged
  CHECK(g.info(g.resolve("fc8/kernel")).shape == Shape{4, 5, 1, 1});
  CHECK(g.info(g.resolve("fc8")).shape == Shape{1, 4, 4, 3});  // 14x12 -> pool 7x6 -> 4x3 score map
  CHECK(g.info(g.resolve(kDenseLogits)).shape == Shape{1, 4});
  CHECK(g.find("prob") < 0);
  CHECK(g.find("flatten") < 0);
  CHECK_THROWS_WITH_AS(dense_evaluation_graph(model, 4, 4), doctest::Contains("--dense at 4x4"), Error);
}

TEST_CASE("sample_probabilities: the softmax averaged over views, then scored") {
  class TwoViews final : public Dataset {
   public:
    std::string name() const override { return "two"; }
    int64_t size() const override { return 3; }
    int64_t num_classes() const override { return 2; }
    int views() const override { return 2; }
    int64_t get(int64_t index, float* out, const Shape& image) const override { return get_view(index, 0, out, image); }
    int64_t get_view(int64_t index, int view, float* out, const Shape&) const override {
      out[0] = view == 0 ? 2.0f : 0.0f, out[1] = 0.0f;
      return index % 2;
    }
  };
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 2] } } }
    node { name: "logits" op: "Identity" input: "x" })"),
                        {.batch_size = 4});
  VariableStore vars;
  Executor ex(std::move(g), vars);
  SampleProbabilities p = sample_probabilities(ex, "x", "logits", TwoViews());
  const double p0 = (std::exp(2.0) / (std::exp(2.0) + 1) + 0.5) / 2;
  CHECK(p.labels == std::vector<int64_t>{0, 1, 0});
  for (int64_t n = 0; n < 3; ++n) CHECK(p.probabilities.data<double>()[2 * n] == doctest::Approx(p0));
  EvalResult r = score_probabilities(p);
  CHECK(r.samples == 3);
  CHECK(r.top1 == doctest::Approx(2.0 / 3));
}

}  // namespace graphrun
