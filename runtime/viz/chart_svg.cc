#include "runtime/viz/chart_svg.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "runtime/viz/xml_escape.h"

namespace graphrun {

namespace {

// Plot area inside a chart: room for the title above, tick labels left and below.
constexpr int kLeft = 70, kRight = 20, kTop = 34, kBottom = 46;

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) { lo = std::min(lo, v), hi = std::max(hi, v); }
  bool empty() const { return !(hi >= lo); }
};

// Points averaged per pixel column when there are more points than columns.
std::vector<std::pair<double, double>> thin(std::vector<std::pair<double, double>> points, const Range& x, int columns) {
  std::erase_if(points, [](const auto& p) { return !std::isfinite(p.first) || !std::isfinite(p.second); });
  std::sort(points.begin(), points.end());
  if (static_cast<int>(points.size()) <= columns || !(x.hi > x.lo)) return points;
  std::map<int, std::pair<double, double>> sums;  // column -> (sum of x, sum of y)
  std::map<int, int> counts;
  for (const auto& [px, py] : points) {
    int column = static_cast<int>((px - x.lo) / (x.hi - x.lo) * (columns - 1));
    sums[column].first += px, sums[column].second += py, ++counts[column];
  }
  std::vector<std::pair<double, double>> out;
  for (const auto& [column, sum] : sums) out.emplace_back(sum.first / counts[column], sum.second / counts[column]);
  return out;
}

// A tick that rounding left a hair off zero reads 0: "relative to the tick spacing", so an
// axis of values around 1e-13 keeps its labels.
std::string tick_label(double v, const std::vector<double>& ticks) {
  double spacing = ticks.size() > 1 ? std::abs(ticks[1] - ticks[0]) : std::abs(v);
  return fmt::format("{:.6g}", std::abs(v) < spacing * 1e-9 ? 0.0 : v);
}

// Widens a range too narrow to divide into ticks (a constant loss, or one whose smoothing
// differs from it by an ulp) to +-10% of its value (at least +-1e-3).
void widen_if_flat(Range& r) {
  double scale = std::max(std::abs(r.lo), std::abs(r.hi));
  if (r.hi - r.lo > scale * 1e-9 && r.hi - r.lo > 1e-300) return;
  double centre = r.lo / 2 + r.hi / 2, pad = std::max(std::abs(centre) * 0.1, 1e-3);
  r.lo = centre - pad, r.hi = centre + pad;
}

Range x_range(const Chart& chart) {
  Range xr;
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) xr.add(x);
  return xr;
}

void render_chart(const Chart& chart, Range xr, int width, int height, int y0, std::string& svg) {
  Range yr;
  for (const auto& s : chart.series)
    for (const auto& [x, y] : s.points)
      if (std::isfinite(x) && std::isfinite(y)) yr.add(y);
  if (yr.empty()) fail("the chart '{}' has no finite point to draw", chart.title);
  widen_if_flat(xr);
  widen_if_flat(yr);
  std::vector<double> xticks = nice_ticks(xr.lo, xr.hi, 8), yticks = nice_ticks(yr.lo, yr.hi, 5);
  // The x axis spans the data (steps start at 1); the y axis the ticks, so the curve never
  // touches the frame's top or bottom.
  yr.lo = yticks.front(), yr.hi = yticks.back();
  const double plot_w = width - kLeft - kRight, plot_h = height - kTop - kBottom;
  auto sx = [&](double x) { return kLeft + (x - xr.lo) / (xr.hi - xr.lo) * plot_w; };
  auto sy = [&](double y) { return y0 + kTop + (yr.hi - y) / (yr.hi - yr.lo) * plot_h; };

  svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"15\" font-weight=\"bold\">{}</text>\n", kLeft, y0 + 20,
                     xml_escape(chart.title));
  for (double t : yticks) {
    svg += fmt::format("<line x1=\"{}\" x2=\"{:.1f}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/>\n", kLeft,
                       kLeft + plot_w, sy(t), sy(t));
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"end\">{}</text>\n", kLeft - 6,
                       sy(t) + 4, tick_label(t, yticks));
  }
  for (double t : xticks) {
    if (t < xr.lo || t > xr.hi) continue;
    svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{:.1f}\" stroke=\"#eee\"/>\n", sx(t), sx(t),
                       y0 + kTop, y0 + kTop + plot_h);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n", sx(t),
                       y0 + kTop + plot_h + 16, tick_label(t, xticks));
  }
  svg += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" stroke=\"#444\"/>\n",
                     kLeft, y0 + kTop, plot_w, plot_h);
  svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                     kLeft + plot_w / 2, y0 + height - 8, xml_escape(chart.x_label));

  for (const auto& s : chart.series) {
    auto points = thin(s.points, xr, static_cast<int>(plot_w));
    if (points.empty()) continue;
    std::string coords;
    for (const auto& [x, y] : points) coords += fmt::format("{:.1f},{:.1f} ", sx(x), sy(y));
    coords.pop_back();
    svg += fmt::format("<polyline class=\"series\" data-label=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\" "
                       "stroke-opacity=\"{}\" points=\"{}\"/>\n",
                       xml_escape(s.label), s.color, s.opacity, coords);
    if (s.markers)
      for (const auto& [x, y] : points)
        svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", sx(x), sy(y), s.color);
  }
  // The legend fills the title row from the right, clear of the curves, in the series' order.
  double legend_right = kLeft + plot_w;
  for (auto it = chart.series.rbegin(); it != chart.series.rend(); ++it) {
    const ChartSeries& s = *it;
    double text_left = legend_right - 7.0 * static_cast<double>(s.label.size());
    svg += fmt::format("<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"3\" "
                       "stroke-opacity=\"{}\"/>\n",
                       text_left - 30, text_left - 6, y0 + 16, y0 + 16, s.color, s.opacity);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\">{}</text>\n", text_left, y0 + 20,
                       xml_escape(s.label));
    legend_right = text_left - 44;
  }
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int count) {
  GR_CHECK(std::isfinite(lo) && std::isfinite(hi) && hi > lo && count > 0, "nice_ticks({}, {}, {})", lo, hi, count);
  const std::vector<double> ends{lo, hi};  // for ranges no round step divides (huge, denormal)
  double raw = (hi - lo) / count;
  if (!std::isnormal(raw)) return ends;
  int exponent = static_cast<int>(std::floor(std::log10(raw)));
  double power = std::pow(10.0, exponent);
  double m = 10;
  for (double candidate : {1.0, 2.0, 5.0})
    if (candidate * power >= raw) {
      m = candidate;
      break;
    }
  // k * m * 10^exponent, divided by an exact power of ten when it is negative, so 0.6 is the
  // double nearest 0.6 (3 * 0.2 is not) and labels print short.
  auto tick = [&](double k) {
    return exponent >= 0 ? k * m * std::pow(10.0, exponent) : k * m / std::pow(10.0, -exponent);
  };
  const double step = m * power, first = std::floor(lo / step), last = std::ceil(hi / step);
  // Past 2^52 consecutive k are no longer distinct doubles; past a few dozen the range was
  // too narrow for its magnitude (the callers widen those).
  if (!std::isnormal(step) || !std::isfinite(first) || !std::isfinite(last) || std::abs(first) > 0x1p52 ||
      last - first > 4.0 * count + 4)
    return ends;
  std::vector<double> ticks;
  for (double k = first; k <= last; ++k) ticks.push_back(tick(k));
  if (ticks.front() > lo) ticks.insert(ticks.begin(), tick(first - 1));  // rounding in tick()
  if (ticks.back() < hi) ticks.push_back(tick(last + 1));
  return ticks;
}

std::string render_charts_svg(const std::vector<Chart>& charts, int width, int chart_height) {
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      width, chart_height * static_cast<int>(charts.size()));
  // One x range for all: the charts of a run are read down a column, step against step.
  Range xr;
  for (const auto& chart : charts) {
    Range r = x_range(chart);
    if (r.empty()) fail("the chart '{}' has no finite point to draw", chart.title);
    xr.add(r.lo), xr.add(r.hi);
  }
  for (size_t i = 0; i < charts.size(); ++i)
    render_chart(charts[i], xr, width, chart_height, static_cast<int>(i) * chart_height, svg);
  return svg + "</svg>\n";
}

}  // namespace graphrun
