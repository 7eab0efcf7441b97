#include "core/graph_io.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.h"
#include "core/graph_text_errors.h"
#include "core/onnx/onnx_import.h"
#include "core/plugin_host.h"

namespace graphrun {

namespace {

// Keeps the first parse error and its position instead of protobuf's log output.
class FirstErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (!error_) error_ = Position{line, column, message};
  }
  void AddWarning(int, int, const std::string&) override {}
  struct Position {
    int line, column;
    std::string message;
  };
  const std::optional<Position>& error() const { return error_; }

 private:
  std::optional<Position> error_;
};

// Text files may nest messages only as deep as the schema does; a bound stops hostile input
// from exhausting the stack.
constexpr int kTextRecursionLimit = 32;

bool has_unknown_fields(const proto::Graph& graph) {
  if (!graph.GetReflection()->GetUnknownFields(graph).empty()) return true;
  for (const auto& node : graph.node())
    if (!node.GetReflection()->GetUnknownFields(node).empty()) return true;
  return false;
}

std::string parse_binary(const std::string& bytes, proto::Graph& graph) {
  if (!graph.ParseFromString(bytes)) return "not a valid binary graph (protobuf parse failed)";
  if (has_unknown_fields(graph)) return "not a graphrun graph (fields the schema does not know)";
  return "";
}

// "" or `origin:line:column: what was wrong` (core/graph_text_errors.h).
std::string parse_text(const std::string& text, proto::Graph& graph, const std::string& origin) {
  google::protobuf::TextFormat::Parser parser;
  FirstErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  parser.SetRecursionLimit(kTextRecursionLimit);
  if (parser.ParseFromString(text, &graph)) return "";
  if (!errors.error()) return fmt::format("{}: not a valid text graph", origin);
  const auto& [line, column, raw] = *errors.error();
  TextParseError e = explain_text_error(text, line, column, raw);
  return fmt::format("{}:{}:{}: {}", origin, e.line, e.column, e.message);
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail("'{}' is a directory, not a file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open '{}': {}", path, std::strerror(errno));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) fail("cannot read '{}': {}", path, std::strerror(errno));
  return bytes.str();
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) fail("cannot write '{}': {}", tmp, std::strerror(errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("cannot write '{}': {}", tmp, std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot write '{}': {}", tmp, std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename '{}' to '{}': {}", tmp, path, std::strerror(err));
  }
}

GraphFormat format_for_path(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".pb" || ext == ".bin") return GraphFormat::kBinary;
  return GraphFormat::kText;
}

proto::Graph parse_graph_text(const std::string& text, const std::string& origin) {
  proto::Graph graph;
  std::string error = parse_text(text, graph, origin);
  if (!error.empty()) throw Error(error);
  return graph;
}

proto::Graph read_graph_file(const std::string& path) {
  if (is_onnx_path(path)) return import_onnx(path);
  std::string bytes = read_file_bytes(path);
  if (bytes.empty()) fail("graph file '{}' is empty", path);
  proto::Graph graph;
  bool binary_first = format_for_path(path) == GraphFormat::kBinary;
  std::string first_error = binary_first ? parse_binary(bytes, graph) : parse_text(bytes, graph, path);
  if (first_error.empty()) return graph;
  graph.Clear();
  if ((binary_first ? parse_text(bytes, graph, path) : parse_binary(bytes, graph)).empty()) return graph;
  if (!binary_first) throw Error(first_error);  // it names the file, line and column
  fail("cannot read graph file '{}' as binary: {}", path, first_error);
}

void write_graph_file(const proto::Graph& graph, const std::string& path) {
  std::string bytes;
  if (format_for_path(path) == GraphFormat::kBinary) {
    // Deterministic: map entries (training options) in key order, so conversions round-trip
    // byte for byte.
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!graph.SerializeToCodedStream(&coded)) fail("cannot serialize graph '{}'", graph.name());
  } else {
    google::protobuf::TextFormat::Printer printer;
    printer.SetUseShortRepeatedPrimitives(true);
    if (!printer.PrintToString(graph, &bytes)) fail("cannot print graph '{}'", graph.name());
  }
  write_file_atomically(path, bytes);
}

Graph load_graph(const std::string& path, const BuildOptions& options) {
  proto::Graph def = read_graph_file(path);
  if (def.node_size() == 0) fail("graph file '{}' has no nodes", path);
  load_graph_plugins(def, path);  // the ops the graph needs from plugins
  try {
    return build_graph(def, options);
  } catch (const Error& e) {
    fail("{}: {}", path, e.what());
  }
}

}  // namespace graphrun
