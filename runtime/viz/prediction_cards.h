// Classifications as a picture, as the AlexNet paper's Figure 4 shows them: per image a card
// with the image and its most likely classes as bars of their probability. SVG with each image
// embedded as a PNG (base64 data URI), so the one file opens in any browser.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/data/image_codec.h"

namespace graphrun {

struct PredictionCard {
  RgbImage image;                                   // shown at its size (a thumbnail)
  std::string title;                                // the file name
  std::vector<std::pair<std::string, double>> top;  // (class name, probability), most likely first
};

// Cards in rows of `columns`.
std::string render_prediction_cards_svg(const std::vector<PredictionCard>& cards, int columns = 3);

// RFC 4648 base64 of `bytes` (the data URI of an embedded PNG).
std::string base64(const std::vector<uint8_t>& bytes);

}  // namespace graphrun
