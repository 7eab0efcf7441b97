// Evaluation through the batch sources: ten-crop averages the softmax over a sample's views,
// padding rows of the last batch do not count, and bad samples are skipped.
#include <doctest/doctest.h>

#include <cmath>

#include "core/graph_io.h"
#include "runtime/data/image_codec.h"
#include "runtime/train/evaluate.h"

namespace graphrun {

namespace {

// The "image" is the logits themselves (the graph is an identity). Sample i has label 2;
// view 0 (the centre crop) votes for class 0, the nine other views for class 2.
class VotingData final : public Dataset {
 public:
  VotingData(int views, bool expensive) : views_(views), expensive_(expensive) {}
  std::string name() const override { return "voting"; }
  int64_t size() const override { return 5; }
  int64_t num_classes() const override { return 3; }
  int views() const override { return views_; }
  bool expensive() const override { return expensive_; }
  int64_t get(int64_t index, float* out, const Shape& image) const override { return get_view(index, 0, out, image); }
  int64_t get_view(int64_t index, int view, float* out, const Shape&) const override {
    if (index == 3) throw BadImage("sample 3 is bad");
    out[0] = view == 0 ? 5.0f : 0.0f, out[1] = 0.0f, out[2] = view == 0 ? 0.0f : 5.0f;
    return 2;
  }

 private:
  int views_;
  bool expensive_;
};

}  // namespace

TEST_CASE("evaluate: ten-crop averages the softmax of the views; bad samples are skipped") {
  for (bool expensive : {false, true}) {  // the synchronous source and the pipeline
    Graph g = build_graph(parse_graph_text(R"(
      node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
      node { name: "logits" op: "Identity" input: "x" })"),
                          {.batch_size = 4});
    VariableStore vars;
    Executor ex(std::move(g), vars);
    EvalResult centre = evaluate(ex, "x", "logits", VotingData(1, expensive));
    CHECK(centre.samples == 4);
    CHECK(centre.top1 == 0.0);
    EvalResult ten = evaluate(ex, "x", "logits", VotingData(10, expensive));
    CHECK(ten.samples == 4);
    CHECK(ten.top1 == 1.0);
    double e5 = std::exp(5.0);
    double mean_p = (1.0 / (e5 + 2) + 9 * e5 / (e5 + 2)) / 10;
    CHECK(ten.loss == doctest::Approx(-std::log(mean_p)).epsilon(1e-5));
  }
}

}  // namespace graphrun
