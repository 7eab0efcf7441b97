#include "runtime/viz/prediction_cards.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>

#include "core/error.h"
#include "runtime/viz/xml_escape.h"

namespace graphrun {

namespace {

constexpr int kCardWidth = 330, kCardHeight = 150, kThumb = 128, kBarLeft = 148, kBarWidth = 170;

// The end of a long file name, which tells images apart better than its start.
std::string shortened(const std::string& text, size_t width) {
  return text.size() <= width ? text : "..." + text.substr(text.size() - (width - 3));
}

}  // namespace

std::string base64(const std::vector<uint8_t>& bytes) {
  using namespace boost::archive::iterators;
  using Encoder = base64_from_binary<transform_width<std::vector<uint8_t>::const_iterator, 6, 8>>;
  std::string out(Encoder(bytes.begin()), Encoder(bytes.end()));
  out.append((3 - bytes.size() % 3) % 3, '=');  // the iterator leaves the padding to the caller
  return out;
}

std::string render_prediction_cards_svg(const std::vector<PredictionCard>& cards, int columns) {
  GR_CHECK(columns > 0, "{} columns", columns);
  const int n = static_cast<int>(cards.size());
  const int cols = std::max(1, std::min(columns, n)), rows = (n + cols - 1) / cols;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
      cols * kCardWidth, std::max(1, rows) * kCardHeight);
  for (int i = 0; i < n; ++i) {
    const PredictionCard& card = cards[i];
    const int x = i % cols * kCardWidth, y = i / cols * kCardHeight;
    std::vector<uint8_t> png = encode_png(card.image.pixels.data(), card.image.height, card.image.width, 3);
    svg += fmt::format("<g class=\"card\">\n<image x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" href=\"data:image/png;base64,{}\"/>\n",
                       x + 8, y + 11, kThumb, kThumb, base64(png));
    svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\">{}</text>\n", x + kBarLeft, y + 22,
                       xml_escape(shortened(card.title, 26)));
    for (size_t k = 0; k < card.top.size() && k < 5; ++k) {
      const auto& [label, p] = card.top[k];
      const int row_y = y + 32 + static_cast<int>(k) * 22;
      svg += fmt::format("<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"16\" fill=\"{}\"/>\n", x + kBarLeft,
                         row_y, std::clamp(p, 0.0, 1.0) * kBarWidth, k == 0 ? "#9ecae1" : "#deebf7");
      svg += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"12\">{} {:.1f}%</text>\n", x + kBarLeft + 4, row_y + 12,
                         xml_escape(shortened(label, 20)), 100 * p);
    }
    svg += "</g>\n";
  }
  return svg + "</svg>\n";
}

}  // namespace graphrun
