// Graph-file text errors in graphrun's words. protobuf's TextFormat parser finds the error and
// its position; this turns its message into one that names what was expected and the valid
// names (the fields of the message being read, the values of an enum), and, for a field that
// belongs to an enclosing message, the brace that was left open and where it began.
#pragma once

#include <string>

namespace graphrun {

struct TextParseError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
  std::string message;
};

// `raw` is protobuf's message for an error at 0-based (line, column) of `text`.
TextParseError explain_text_error(const std::string& text, int line, int column, const std::string& raw);

}  // namespace graphrun
