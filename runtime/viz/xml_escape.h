// Text for SVG (XML) attributes and elements: markup characters escaped, and the control
// characters XML 1.0 does not allow (a file name may hold one) replaced by '?'.
#pragma once

#include <string>

namespace graphrun {

inline std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') ? '?' : c;
    }
  }
  return out;
}

}  // namespace graphrun
