// Pictures: the learned-kernel grid (graphrun filters), the SVG charts and the training curves
// read from a metrics file (graphrun plot).
#include <doctest/doctest.h>

#include <boost/archive/iterators/binary_from_base64.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include <unistd.h>

#include "core/error.h"
#include "runtime/train/training_curves.h"
#include "runtime/viz/chart_svg.h"
#include "runtime/viz/filter_grid.h"
#include "runtime/viz/prediction_cards.h"

using namespace graphrun;

namespace {

const uint8_t* pixel(const RgbImage& image, int64_t y, int64_t x) {
  return &image.pixels[static_cast<size_t>((y * image.width + x) * 3)];
}

// Kernel [out, in, kh, kw] whose value is a distinct function of every index.
Tensor kernel(int64_t out, int64_t in, int64_t kh, int64_t kw) {
  Tensor t(DType::kFloat32, Shape{out, in, kh, kw});
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(std::sin(0.7 * i) * (1 + i % 5));
  return t;
}

// In a folder of this process's own: parallel test runs (two build trees) do not collide.
std::string write_temp(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("graphrun_pictures_{}", getpid());
  std::filesystem::create_directories(dir);
  auto path = dir / name;
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
  return path.string();
}

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The (x, y) pairs of the polyline drawn for the series labelled `label`.
std::vector<std::pair<double, double>> polyline(const std::string& svg, const std::string& label) {
  std::smatch m;
  std::regex re("data-label=\"" + label + "\"[^>]*points=\"([^\"]*)\"");
  REQUIRE(std::regex_search(svg, m, re));
  std::vector<std::pair<double, double>> points;
  std::istringstream in(m[1].str());
  std::string pair;
  while (in >> pair) {
    auto comma = pair.find(',');
    points.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
  }
  return points;
}

}  // namespace

TEST_CASE("filters: a colour kernel per tile, each stretched over its own range, in grid order") {
  Tensor w = kernel(5, 3, 2, 3);
  RgbImage image = render_filter_grid(w, {.scale = 2, .columns = 2});
  // Tiles 3x2 weights at 2 pixels each, 2 pixels apart; 2 columns, 3 rows.
  CHECK(image.width == 2 + 2 * (3 * 2 + 2));
  CHECK(image.height == 2 + 3 * (2 * 2 + 2));
  const float* v = w.data<float>();
  for (int64_t o = 0; o < 5; ++o) {
    float lo = *std::min_element(v + o * 18, v + o * 18 + 18), hi = *std::max_element(v + o * 18, v + o * 18 + 18);
    int64_t top = 2 + o / 2 * 6, left = 2 + o % 2 * 8;
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t y = 0; y < 2; ++y)
        for (int64_t x = 0; x < 3; ++x) {
          double want = 255.0 * (v[o * 18 + c * 6 + y * 3 + x] - lo) / (hi - lo);
          // Each weight covers a 2x2 block of pixels.
          CHECK(std::abs(pixel(image, top + 2 * y + 1, left + 2 * x + 1)[c] - want) <= 0.5 + 1e-9);
          CHECK(pixel(image, top + 2 * y, left + 2 * x)[c] == pixel(image, top + 2 * y + 1, left + 2 * x + 1)[c]);
        }
  }
  // Gaps and the sixth, empty cell are white.
  for (int64_t y = 0; y < image.height; ++y) CHECK(pixel(image, y, 0)[1] == 255);
  CHECK(pixel(image, 2 + 2 * 6 + 1, 2 + 8 + 1)[0] == 255);
}

TEST_CASE("filters: one range for all, grey kernels, constant kernels and groups") {
  Tensor w = kernel(4, 1, 3, 3);
  RgbImage global = render_filter_grid(w, {.scale = 1, .per_filter = false});
  const float* v = w.data<float>();
  float lo = *std::min_element(v, v + 36), hi = *std::max_element(v, v + 36);
  for (int64_t o = 0; o < 4; ++o) {
    const uint8_t* p = pixel(global, 2, 2 + o * 5);  // weight (0, 0) of kernel o: 4 tiles in a row
    CHECK(p[0] == p[1]);
    CHECK(p[1] == p[2]);
    CHECK(std::abs(p[0] - 255.0 * (v[o * 9] - lo) / (hi - lo)) <= 0.5 + 1e-9);
  }
  // Two groups: the second block starts a group gap (8 pixels at scale 1) below the first.
  RgbImage grouped = render_filter_grid(w, {.groups = 2, .scale = 1});
  CHECK(grouped.width == 2 + 2 * 5);
  CHECK(grouped.height == 2 + 2 * 5 + 8);
  CHECK(pixel(grouped, 2 + 5 + 8, 2)[0] == render_filter_grid(w, {.scale = 1}).pixels[(2 * 22 + 2 + 2 * 5) * 3]);
  // A constant kernel has no range: mid-grey.
  Tensor flat(DType::kFloat64, Shape{1, 1, 2, 2});
  for (double& x : flat.values<double>()) x = 0.25;
  CHECK(pixel(render_filter_grid(flat, {.scale = 1}), 2, 2)[0] == 128);
  // Kernels of other input counts: a row of grey tiles per output channel.
  RgbImage wide = render_filter_grid(kernel(3, 4, 2, 2), {.scale = 1});
  CHECK(wide.width == 2 + 4 * 4);
  CHECK(wide.height == 2 + 3 * 4);
}

TEST_CASE("filters: what is not a kernel is refused, naming why") {
  CHECK_THROWS_WITH_AS(render_filter_grid(Tensor(DType::kFloat32, Shape{4, 9}), {}), doctest::Contains("4-D"), Error);
  CHECK_THROWS_WITH_AS(render_filter_grid(Tensor(DType::kInt32, Shape{1, 1, 1, 1}), {}), doctest::Contains("int32"),
                       Error);
  CHECK_THROWS_WITH_AS(render_filter_grid(kernel(6, 3, 2, 2), {.groups = 4}), doctest::Contains("do not divide"), Error);
  CHECK_THROWS_WITH_AS(render_filter_grid(kernel(96, 3, 11, 11), {.scale = 1'000}), doctest::Contains("smaller --scale"),
                       Error);
  CHECK_THROWS_WITH_AS(render_filter_grid(kernel(96, 3, 11, 11), {.scale = 40'000'000'000'000}),
                       doctest::Contains("larger than a picture may be"), Error);
  Tensor diverged = kernel(2, 3, 2, 2);
  diverged.data<float>()[13] = NAN;
  CHECK_THROWS_WITH_AS(render_filter_grid(diverged, {}), doctest::Contains("holds nan at element 13 (kernel 1)"), Error);
}

TEST_CASE("charts: round ticks cover the range") {
  CHECK(nice_ticks(0, 7.8, 5) == std::vector<double>{0, 2, 4, 6, 8});
  std::vector<double> t = nice_ticks(0.4883, 1.0, 5);
  CHECK(t.front() <= 0.4883);
  CHECK(t.back() >= 1.0);
  CHECK(t == std::vector<double>{0.4, 0.6, 0.8, 1.0});
  for (auto [lo, hi] : {std::pair{-3e-5, 2e-4}, std::pair{1.0, 937.0}, std::pair{12.5, 12.6}}) {
    std::vector<double> ticks = nice_ticks(lo, hi, 6);
    CHECK(ticks.front() <= lo);
    CHECK(ticks.back() >= hi);
    CHECK(ticks.size() >= 4);
    CHECK(ticks.size() <= 14);
  }
}

TEST_CASE("charts: ranges no round step divides end; a constant loss is drawn") {
  for (auto [lo, hi] : {std::pair{1e300, 1.0000001e300}, std::pair{0.0, 1e-310}, std::pair{-1e308, 1e308},
                        std::pair{0.6918, 0.6918 + 1e-16}}) {
    std::vector<double> ticks = nice_ticks(lo, hi, 5);
    CHECK(ticks.size() >= 2);
    CHECK(ticks.size() <= 30);
    CHECK(ticks.front() <= lo);
    CHECK(ticks.back() >= hi);
  }
  // A stuck run: the loss constant, its smoothing an ulp away from it.
  Chart flat{"loss", "step", {{"loss", "#000", {}, false, 1.0}, {"smoothed", "#111", {}, false, 1.0}}};
  double ema = NAN;
  for (int i = 1; i <= 50; ++i) {
    flat.series[0].points.emplace_back(i, 0.6918);
    ema = std::isnan(ema) ? 0.6918 : 0.9 * ema + 0.1 * 0.6918;
    flat.series[1].points.emplace_back(i, ema);
  }
  std::string svg = render_charts_svg({flat});
  auto line = polyline(svg, "loss");
  CHECK(line.size() == 50);
  for (const auto& [x, y] : line) CHECK(std::isfinite(y));
  // One point: a flat x range too.
  CHECK(polyline(render_charts_svg({Chart{"one", "step", {{"p", "#000", {{3, 1}}, true, 1.0}}}}), "p").size() == 1);
}

TEST_CASE("charts: each series is a polyline in the plot, larger values higher; long series are thinned") {
  Chart chart{"loss", "step", {{"falling", "#000", {}, false, 1.0}, {"markers", "#f00", {{1, 5}, {50, 1}}, true, 1.0}}};
  for (int i = 1; i <= 100000; ++i) chart.series[0].points.emplace_back(i, 10.0 / i);
  std::string svg = render_charts_svg({chart}, 900, 320);
  CHECK(svg.starts_with("<svg "));
  CHECK(svg.ends_with("</svg>\n"));
  auto falling = polyline(svg, "falling");
  CHECK(falling.size() <= 900);
  CHECK(falling.size() > 500);
  CHECK(falling.front().second < falling.back().second);  // SVG y grows downwards
  for (size_t i = 1; i < falling.size(); ++i) CHECK(falling[i].first > falling[i - 1].first);
  CHECK(count(svg, "<circle") == 2);
  CHECK_THROWS_WITH_AS(render_charts_svg({Chart{"empty", "step", {{"none", "#000", {{1, NAN}}, false, 1.0}}}}),
                       doctest::Contains("'empty' has no finite point"), Error);
}

TEST_CASE("training curves: steps and epochs of the last run; a resumed run replaces the steps it replays") {
  std::string text;
  // A first run of 6 steps, a second from scratch of 4 steps with one epoch, then a resume of
  // the second from step 3 to 8 with another epoch.
  for (int s = 1; s <= 6; ++s) text += fmt::format(R"({{"type":"step","step":{},"loss":{},"img_s":100}})" "\n", s, 9.0);
  for (int s = 1; s <= 4; ++s) text += fmt::format(R"({{"type":"step","step":{},"loss":{},"img_s":100}})" "\n", s, 4.0 - s * 0.1);
  text += R"({"type":"epoch","step":4,"train_loss":3.8,"val_loss":3.5,"val_top1":0.3,"val_top5":0.7})" "\n\n";
  for (int s = 3; s <= 8; ++s) text += fmt::format(R"({{"type":"step","step":{},"loss":{},"img_s":120}})" "\n", s, 1.0);
  text += R"({"type":"epoch","step":8,"train_loss":1.0,"val_loss":0.9,"val_top1":0.8,"val_top5":0.95})" "\n";
  std::vector<Chart> charts = training_curves({write_temp("graphrun_curves.jsonl", text)});
  REQUIRE(charts.size() == 3);
  const auto& raw = charts[0].series[0].points;
  REQUIRE(raw.size() == 8);
  CHECK(raw[1] == std::pair{2.0, 3.8});
  CHECK(raw[2] == std::pair{3.0, 1.0});
  // The smoothing of the progress line: 0.9 of the last plus 0.1 of the new loss.
  CHECK(charts[0].series[1].points[1].second == doctest::Approx(0.9 * 3.9 + 0.1 * 3.8));
  // The epoch line at step 4 was replayed by the resume: only the epoch at step 8 remains.
  REQUIRE(charts[0].series.size() == 3);
  CHECK(charts[0].series[2].points == std::vector<std::pair<double, double>>{{8, 0.9}});
  CHECK(charts[1].series[0].points == std::vector<std::pair<double, double>>{{8, 0.8}});
  CHECK(charts[1].series[1].points == std::vector<std::pair<double, double>>{{8, 0.95}});
  CHECK(charts[2].series[0].points.back() == std::pair{8.0, 120.0});
}

TEST_CASE("training curves: a bad metrics file is refused naming the file and line") {
  std::string good = R"({"type":"step","step":1,"loss":2.0,"img_s":5})" "\n";
  CHECK_THROWS_WITH_AS(training_curves({write_temp("graphrun_bad1.jsonl", good + "{\"type\":\"step\",\"step\n")}),
                       doctest::Contains("graphrun_bad1.jsonl:2: not a JSON object"), Error);
  // A run in progress may have written half its last line: that line is left out.
  CHECK(training_curves({write_temp("graphrun_partial.jsonl", good + "{\"type\":\"st")})[0].series[0].points.size() == 1);
  CHECK_THROWS_WITH_AS(training_curves({write_temp("graphrun_bad2.jsonl", good + R"({"type":"step","step":2})" "\n")}),
                       doctest::Contains("graphrun_bad2.jsonl:2: the line has no number 'loss'"), Error);
  CHECK_THROWS_WITH_AS(training_curves({write_temp("graphrun_bad5.jsonl", R"({"type":5,"step":1})" "\n")}),
                       doctest::Contains("graphrun_bad5.jsonl:1: the line has no string 'type'"), Error);
  CHECK_THROWS_WITH_AS(training_curves({write_temp("graphrun_bad3.jsonl", R"({"type":"weird"})" "\n")}),
                       doctest::Contains(":1: type 'weird'"), Error);
  CHECK_THROWS_WITH_AS(training_curves({write_temp("graphrun_bad4.jsonl", "")}), doctest::Contains("has no step lines"),
                       Error);
  CHECK_THROWS_WITH_AS(training_curves({"/nonexistent/m.jsonl"}), doctest::Contains("cannot read metrics file"), Error);
}

TEST_CASE("training curves: several runs side by side, one colour and label per run") {
  std::string a, b;
  for (int s = 1; s <= 10; ++s) {
    a += fmt::format(R"({{"type":"step","step":{},"loss":{},"img_s":100}})" "\n", s, 3.0 - 0.1 * s);
    b += fmt::format(R"({{"type":"step","step":{},"loss":{},"img_s":180}})" "\n", s, 3.0 - 0.2 * s);
  }
  a += R"({"type":"epoch","step":10,"train_loss":2.5,"val_loss":2.4,"val_top1":0.4})" "\n";
  std::string one = write_temp("graphrun_one_gpu.jsonl", a), two = write_temp("graphrun_two_gpus.jsonl", b);
  std::vector<Chart> charts = training_curves({one, two});
  REQUIRE(charts.size() == 3);
  REQUIRE(charts[0].series.size() == 2);
  CHECK(charts[0].series[0].label == one);
  CHECK(charts[0].series[1].label == two);
  CHECK(charts[0].series[0].color != charts[0].series[1].color);
  CHECK(charts[0].series[1].points.size() == 10);
  // Only the first run reached an epoch's end.
  REQUIRE(charts[1].series.size() == 1);
  CHECK(charts[1].series[0].points == std::vector<std::pair<double, double>>{{10, 0.4}});
  CHECK(charts[2].series[1].points.back() == std::pair{10.0, 180.0});
  CHECK(charts[2].series[1].color == charts[0].series[1].color);
}

TEST_CASE("prediction cards: base64 as RFC 4648 writes it") {
  auto b64 = [](const std::string& text) { return base64(std::vector<uint8_t>(text.begin(), text.end())); };
  CHECK(b64("") == "");
  CHECK(b64("f") == "Zg==");
  CHECK(b64("fo") == "Zm8=");
  CHECK(b64("foo") == "Zm9v");
  CHECK(b64("foobar") == "Zm9vYmFy");
}

TEST_CASE("prediction cards: each image embedded losslessly, its classes as bars of their probability") {
  std::vector<PredictionCard> cards(4);
  for (int i = 0; i < 4; ++i) {
    cards[i].image = {.height = 6, .width = 5, .pixels = std::vector<uint8_t>(6 * 5 * 3)};
    for (size_t k = 0; k < cards[i].image.pixels.size(); ++k) cards[i].image.pixels[k] = static_cast<uint8_t>(k * 7 + i);
    cards[i].title = fmt::format("image_{}.jpg", i);
    cards[i].top = {{"cat & dog", 0.75}, {"<other>", 0.25}};
  }
  std::string svg = render_prediction_cards_svg(cards, 3);
  CHECK(svg.find("width=\"990\" height=\"300\"") != std::string::npos);  // 3 columns, 2 rows
  CHECK(count(svg, "<image ") == 4);
  CHECK(svg.find("cat &amp; dog 75.0%") != std::string::npos);
  CHECK(svg.find("&lt;other&gt; 25.0%") != std::string::npos);
  // Bars: 170 pixels is probability 1.
  CHECK(svg.find("width=\"127.5\" height=\"16\"") != std::string::npos);
  CHECK(svg.find("width=\"42.5\" height=\"16\"") != std::string::npos);
  // The third image decodes to the pixels it was given.
  size_t at = 0;
  for (int i = 0; i < 3; ++i) at = svg.find("base64,", at) + 7;
  std::string encoded = svg.substr(at, svg.find('"', at) - at);
  using namespace boost::archive::iterators;
  using Decoder = transform_width<binary_from_base64<std::string::const_iterator>, 8, 6>;
  std::string trimmed = encoded.substr(0, encoded.find('='));
  std::vector<uint8_t> png(Decoder(trimmed.begin()), Decoder(trimmed.end()));
  RgbImage decoded = decode_image(png.data(), png.size(), "card 2");
  CHECK(decoded.width == 5);
  CHECK(decoded.height == 6);
  CHECK(decoded.pixels == cards[2].image.pixels);
}
