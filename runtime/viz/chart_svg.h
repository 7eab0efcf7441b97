// Line charts as SVG text (a loss curve, accuracy per epoch): any browser shows them, so
// graphrun needs no plotting library at run time. Charts stack one under another, each with its
// own y axis, round-numbered ticks, grid lines and a legend; they share the x axis.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace graphrun {

struct ChartSeries {
  std::string label;
  std::string color;                              // an SVG colour, "#1f77b4"
  std::vector<std::pair<double, double>> points;  // (x, y); x need not be sorted
  bool markers = false;                           // a dot at each point: few points (per epoch)
  double opacity = 1;                             // a faint raw curve under its smoothed one
};

struct Chart {
  std::string title, x_label;
  std::vector<ChartSeries> series;
};

// Every chart is `width` x `chart_height` pixels; all share one x range. A series of more points than the plot is
// pixels wide is drawn from per-pixel-column means, so a run of a million steps stays small.
// Throws Error when a chart has no finite point.
std::string render_charts_svg(const std::vector<Chart>& charts, int width = 900, int chart_height = 320);

// Round tick values covering [lo, hi] with about `count` intervals, 1, 2 or 5 times a power of
// ten apart; the first is <= lo and the last >= hi.
std::vector<double> nice_ticks(double lo, double hi, int count);

}  // namespace graphrun
