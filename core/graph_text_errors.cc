#include "core/graph_text_errors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cctype>
#include <regex>
#include <vector>

#include "core/op_registry.h"
#include "core/proto/graph.pb.h"

namespace graphrun {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
namespace io = google::protobuf::io;

// A message the text had opened (`node {`) and not yet closed where the error is.
struct OpenMessage {
  std::string field;             // "node"; "" for the file itself
  const Descriptor* type;        // null where the field is not a message the schema knows
  int line = 0, column = 0;      // 0-based, of the field name
};

class IgnoreErrors : public io::ErrorCollector {
 public:
  void AddError(int, int, const std::string&) override {}
};

// Where the error is: the messages open there, outermost first, and the last field name read.
struct Context {
  std::vector<OpenMessage> open;
  std::string last_field;
  int last_line = 0, last_column = 0;  // of the last token before the error
};

// The messages open at (line, column), outermost first. Only the tokens are read (protobuf's
// tokenizer), the nesting is what the braces say: enough to name where we are, which is all
// the parser's own message lacks.
Context context_at(const std::string& text, int line, int column) {
  std::vector<OpenMessage> open{{"", proto::Graph::descriptor(), 0, 0}};
  io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  IgnoreErrors ignore;
  io::Tokenizer tokens(&input, &ignore);
  tokens.set_comment_style(io::Tokenizer::SH_COMMENT_STYLE);
  std::string field;
  int field_line = 0, field_column = 0, last_line = line, last_column = column;
  while (tokens.Next()) {
    const auto& t = tokens.current();
    if (t.line > line || (t.line == line && t.column >= column)) break;
    last_line = t.line;
    last_column = t.column;
    if (t.type == io::Tokenizer::TYPE_IDENTIFIER) {
      field = t.text;
      field_line = t.line;
      field_column = t.column;
    } else if (t.text == "{" || t.text == "<") {
      const Descriptor* parent = open.back().type;
      const FieldDescriptor* f = parent ? parent->FindFieldByName(field) : nullptr;
      open.push_back({field, f ? f->message_type() : nullptr, field_line, field_column});
    } else if ((t.text == "}" || t.text == ">") && open.size() > 1) {
      open.pop_back();
    }
  }
  return {open, field, last_line, last_column};
}

std::vector<std::string> field_names(const Descriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.field_count(); ++i) names.push_back(type.field(i)->name());
  return names;
}

std::vector<std::string> value_names(const EnumDescriptor& type) {
  std::vector<std::string> names;
  for (int i = 0; i < type.value_count(); ++i)
    if (type.value(i)->number() != 0) names.push_back(type.value(i)->name());  // 0 is "unset"
  return names;
}

std::string where(const OpenMessage& m) { return fmt::format("{}:{}", m.line + 1, m.column + 1); }

// What protobuf reports as "Message type M has no field named X".
std::string unknown_field(const std::vector<OpenMessage>& open, int line, const std::string& type_name,
                          const std::string& name) {
  // A field of an enclosing message on a later line: the message before it was never closed.
  for (size_t i = open.size() - 1; i-- > 0;) {
    if (open[i].type == nullptr || open[i].type->FindFieldByName(name) == nullptr) continue;
    if (open[i + 1].line == line) break;  // on its own line: a misplaced field, not a lost brace
    const OpenMessage& unclosed = open[i + 1];
    return fmt::format("'{}' belongs in {}, not in {}: the '{} {{' that begins at {} is missing its '}}'",
                       name, open[i].type->name(), type_name, unclosed.field, where(unclosed));
  }
  const Descriptor* type = open.back().type;
  if (type == nullptr || type->name() != type_name)
    type = proto::Graph::descriptor()->file()->FindMessageTypeByName(type_name);
  if (type == nullptr) return fmt::format("{} has no field '{}'", type_name, name);
  std::vector<std::string> names = field_names(*type);
  std::string hint = closest_name(name, names);
  std::string message = fmt::format("{} has no field '{}'{}; its fields are: {}", type_name, name,
                                    hint.empty() ? "" : fmt::format(" (did you mean '{}'?)", hint),
                                    fmt::join(names, ", "));
  if (names == std::vector<std::string>{"v"})
    message += fmt::format(" (the values go in v: `ints {{ v: [2, 2] }}`)");
  return message;
}

// What protobuf reports as "Unknown enumeration value of X for field F".
std::string unknown_enum_value(const std::vector<OpenMessage>& open, const std::string& value,
                               const std::string& field) {
  const Descriptor* type = open.back().type;
  const FieldDescriptor* f = type ? type->FindFieldByName(field) : nullptr;
  if (f == nullptr || f->enum_type() == nullptr) return fmt::format("unknown {} '{}'", field, value);
  std::vector<std::string> names = value_names(*f->enum_type());
  std::string upper = value;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  std::string hint;
  for (const auto& n : names)
    if (n.ends_with("_" + upper)) hint = n;  // INT64 -> DT_INT64
  if (hint.empty()) hint = closest_name(value, names);
  return fmt::format("unknown {} '{}'{}; valid values: {}", field, value,
                     hint.empty() ? "" : fmt::format(" (did you mean {}?)", hint), fmt::join(names, ", "));
}

}  // namespace

TextParseError explain_text_error(const std::string& text, int line, int column, const std::string& raw) {
  auto [open, last_field, last_line, last_column] = context_at(text, line, column);
  const Descriptor* type = open.back().type;
  const FieldDescriptor* field = type ? type->FindFieldByName(last_field) : nullptr;
  std::string inside = open.size() > 1 ? fmt::format(" (in the '{} {{' that begins at {})", open.back().field,
                                                      where(open.back()))
                                       : "";
  std::smatch m;
  std::string message;
  if (std::regex_search(raw, m, std::regex(R"re(Message type "(?:\w+\.)*(\w+)" has no field named "(\w+)")re")))
    message = unknown_field(open, line, m[1], m[2]), line = last_line, column = last_column;  // protobuf points past the name
  else if (std::regex_search(raw, m, std::regex(R"re(Unknown enumeration value of "([^"]*)" for field "(\w+)")re")))
    message = unknown_enum_value(open, m[1], m[2]), line = last_line, column = last_column;
  else if (std::regex_search(raw, m, std::regex(R"re(Expected string, got: (.*))re")))
    message = fmt::format("expected a quoted string, got {}: write \"{}\"{}", std::string(m[1]), std::string(m[1]),
                          inside);
  else if (std::regex_search(raw, m, std::regex(R"re(Non-repeated field "(\w+)" is specified multiple times)re")))
    message = fmt::format("'{}' is given twice; it holds one value{}", std::string(m[1]), inside);
  else if (std::regex_search(raw, m, std::regex(R"re(Field "(\w+)" is specified along with field "(\w+)")re")))
    message = open.back().field == "attr"
                  ? fmt::format("an attr holds one value, and '{}' and '{}' are both given (one `attr {{ }}` per name)",
                                std::string(m[1]), std::string(m[2]))
                  : fmt::format("'{}' and '{}' exclude each other{}", std::string(m[1]), std::string(m[2]), inside);
  else if (std::regex_search(raw, m, std::regex(R"re(Expected .*, got: \[)re")) && field != nullptr)
    message = fmt::format("'{}' holds one value, not a list{}", last_field,
                          type == proto::Attr::descriptor()
                              ? ": lists are `ints { v: [2, 2] }`, `floats { v: [0.5, 1] }`, `strings { v: [\"a\"] }`"
                              : inside);
  else if (std::regex_search(raw, m, std::regex(R"re(Expected "\{", found "(.*)")re")) && field != nullptr &&
           field->message_type() != nullptr) {
    std::vector<std::string> names = field_names(*field->message_type());
    message = fmt::format("'{}' is a message, written `{} {{ ... }}`{}", last_field, last_field,
                          names.empty() ? fmt::format(" (empty: `{} {{}}`)", last_field)
                                        : fmt::format(" with the fields {}, e.g. `{} {{ {}: {} }}`",
                                                      fmt::join(names, ", "), last_field, names[0], std::string(m[1])));
  } else if (raw.find("too deep") != std::string::npos)
    message = "messages nested too deeply (no graph file nests more than a few levels)";
  else if (open.size() > 1 && text.find_first_not_of(" \t\r\n", 0) != std::string::npos &&
           line >= std::count(text.begin(), text.end(), '\n'))
    message = fmt::format("the file ends inside the '{} {{' that begins at {}: a '}}' is missing",
                          open.back().field, where(open.back()));
  else
    message = raw + inside;
  return {line + 1, column + 1, message};
}

}  // namespace graphrun
