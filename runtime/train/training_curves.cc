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
struct Run {
  std::vector<StepLine> steps;
  std::vector<EpochLine> epochs;
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

Run read_run(const std::string& metrics_path) {
  std::ifstream in(metrics_path);
  if (!in) fail("cannot read metrics file '{}'", metrics_path);
  Run run;
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
    auto type_field = line.find("type");
    if (type_field == line.end() || !type_field->is_string()) fail("{}: the line has no string 'type'", where);
    const std::string type = type_field->get<std::string>();
    if (type == "step") {
      StepLine s{number(line, "step", where), number(line, "loss", where), number(line, "img_s", where, false)};
      truncate_from(run.steps, s.step), truncate_from(run.epochs, s.step);
      run.steps.push_back(s);
    } else if (type == "epoch") {
      EpochLine e{number(line, "step", where), number(line, "val_loss", where), number(line, "val_top1", where),
                  number(line, "val_top5", where, false)};
      truncate_from(run.epochs, e.step);
      run.epochs.push_back(e);
    } else {
      fail("{}: type '{}' is neither 'step' nor 'epoch'", where, type);
    }
  }
  if (run.steps.empty()) fail("'{}' has no step lines (is it a `graphrun train --metrics` file?)", metrics_path);
  return run;
}

// The progress line's smoothing (runtime/train/training_loop.cc): 0.9 of the last plus 0.1 of the new.
std::vector<std::pair<double, double>> smoothed_loss(const Run& run) {
  std::vector<std::pair<double, double>> points;
  double ema = NAN;
  for (const auto& s : run.steps) {
    ema = std::isnan(ema) ? s.loss : 0.9 * ema + 0.1 * s.loss;
    points.emplace_back(s.step, ema);
  }
  return points;
}

template <typename Line>
std::vector<std::pair<double, double>> points(const std::vector<Line>& lines, double Line::*field) {
  std::vector<std::pair<double, double>> out;
  for (const auto& line : lines)
    if (std::isfinite(line.*field)) out.emplace_back(line.step, line.*field);
  return out;
}

// Drops the charts and series with nothing to draw (a run stopped before its first epoch).
std::vector<Chart> nonempty(std::vector<Chart> charts) {
  for (auto& chart : charts) std::erase_if(chart.series, [](const ChartSeries& s) { return s.points.empty(); });
  std::erase_if(charts, [](const Chart& c) { return c.series.empty(); });
  return charts;
}

std::vector<Chart> one_run_charts(const Run& run) {
  return nonempty({
      Chart{"loss",
            "step",
            {{"loss per step", "#1f77b4", points(run.steps, &StepLine::loss), false, 0.3},
             {"smoothed", "#1f77b4", smoothed_loss(run), false, 1.0},
             {"validation loss", "#d62728", points(run.epochs, &EpochLine::val_loss), true, 1.0}}},
      Chart{"validation accuracy",
            "step",
            {{"validation top-1", "#2ca02c", points(run.epochs, &EpochLine::val_top1), true, 1.0},
             {"validation top-5", "#9467bd", points(run.epochs, &EpochLine::val_top5), true, 1.0}}},
      Chart{"throughput (images per second)", "step", {{"img/s", "#ff7f0e", points(run.steps, &StepLine::img_s), false, 1.0}}},
  });
}

}  // namespace

std::vector<Chart> training_curves(const std::vector<std::string>& metrics_paths) {
  GR_CHECK(!metrics_paths.empty(), "training_curves of no file");
  if (metrics_paths.size() == 1) return one_run_charts(read_run(metrics_paths[0]));
  // Several runs: one colour per run, the smoothed loss, validation top-1 and img/s of each.
  static const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                         "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  Chart loss{"smoothed loss", "step", {}}, accuracy{"validation top-1", "step", {}}, speed{"images per second", "step", {}};
  for (size_t i = 0; i < metrics_paths.size(); ++i) {
    Run run = read_run(metrics_paths[i]);
    const std::string& label = metrics_paths[i];
    const char* color = kPalette[i % std::size(kPalette)];
    loss.series.push_back({label, color, smoothed_loss(run), false, 1.0});
    accuracy.series.push_back({label, color, points(run.epochs, &EpochLine::val_top1), true, 1.0});
    speed.series.push_back({label, color, points(run.steps, &StepLine::img_s), false, 1.0});
  }
  return nonempty({loss, accuracy, speed});
}

}  // namespace graphrun
