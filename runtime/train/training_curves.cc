#include "runtime/train/training_curves.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace graphrun {

namespace {

struct StepLine {
  double step, loss, img_s;
};
struct EpochLine {
  double step, val_loss, val_top1, val_top5;
};

double number(const nlohmann::json& line, const char* key, const std::string& where, bool required = true) {
  auto it = line.find(key);
  if (it == line.end() || !it->is_number()) {
    if (!required) return NAN;
    fail("{}: the line has no number '{}' (is this a `graphrun train --metrics` file?)", where, key);
  }
  return it->get<double>();
}

// Drops what was recorded at `step` or later: a later run is replaying those steps.
template <typename Line>
void truncate_from(std::vector<Line>& lines, double step) {
  while (!lines.empty() && lines.back().step >= step) lines.pop_back();
}

}  // namespace

std::vector<Chart> training_curves(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  if (!in) fail("cannot read metrics file '{}'", metrics_path);
  std::vector<StepLine> steps;
  std::vector<EpochLine> epochs;
  std::string text;
  for (int line_no = 1; std::getline(in, text); ++line_no) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = fmt::format("{}:{}", metrics_path, line_no);
    nlohmann::json line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (line.is_discarded() || !line.is_object()) {
      // A run still training may be writing the last line: without its newline it is not done.
      if (in.eof()) break;
      fail("{}: not a JSON object", where);
    }
    const std::string type = line.value("type", "");
    if (type == "step") {
      StepLine s{number(line, "step", where), number(line, "loss", where), number(line, "img_s", where, false)};
      truncate_from(steps, s.step), truncate_from(epochs, s.step);
      steps.push_back(s);
    } else if (type == "epoch") {
      EpochLine e{number(line, "step", where), number(line, "val_loss", where), number(line, "val_top1", where),
                  number(line, "val_top5", where, false)};
      truncate_from(epochs, e.step);
      epochs.push_back(e);
    } else {
      fail("{}: type '{}' is neither 'step' nor 'epoch'", where, type);
    }
  }
  if (steps.empty()) fail("'{}' has no step lines (is it a `graphrun train --metrics` file?)", metrics_path);

  ChartSeries raw{"loss per step", "#1f77b4", {}, false, 0.3};
  ChartSeries smoothed{"smoothed", "#1f77b4", {}, false, 1.0};
  ChartSeries val_loss{"validation loss", "#d62728", {}, true, 1.0};
  ChartSeries top1{"validation top-1", "#2ca02c", {}, true, 1.0};
  ChartSeries top5{"validation top-5", "#9467bd", {}, true, 1.0};
  ChartSeries throughput{"img/s", "#ff7f0e", {}, false, 1.0};
  double ema = NAN;
  for (const auto& s : steps) {
    raw.points.emplace_back(s.step, s.loss);
    // The progress line's smoothing (runtime/train/trainer.cc).
    ema = std::isnan(ema) ? s.loss : 0.9 * ema + 0.1 * s.loss;
    smoothed.points.emplace_back(s.step, ema);
    if (std::isfinite(s.img_s)) throughput.points.emplace_back(s.step, s.img_s);
  }
  for (const auto& e : epochs) {
    val_loss.points.emplace_back(e.step, e.val_loss);
    top1.points.emplace_back(e.step, e.val_top1);
    if (std::isfinite(e.val_top5)) top5.points.emplace_back(e.step, e.val_top5);
  }
  std::vector<Chart> charts;
  Chart loss{"loss", "step", {raw, smoothed}};
  if (!val_loss.points.empty()) loss.series.push_back(val_loss);
  charts.push_back(loss);
  if (!top1.points.empty()) {
    Chart accuracy{"validation accuracy", "step", {top1}};
    if (!top5.points.empty()) accuracy.series.push_back(top5);
    charts.push_back(accuracy);
  }
  if (!throughput.points.empty()) charts.push_back(Chart{"throughput (images per second)", "step", {throughput}});
  return charts;
}

}  // namespace graphrun
