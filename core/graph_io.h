// Reading and writing graph files. Text (.pbtxt) and binary (.pb) load everywhere: the format is
// chosen by the extension and, failing that, by trying the other one.
#pragma once

#include <string>

#include "core/graph.h"
#include "core/proto/graph.pb.h"

namespace graphrun {

enum class GraphFormat { kText, kBinary };

// Parses a graph file; errors name the file and, for text, the line and column.
proto::Graph read_graph_file(const std::string& path);
proto::Graph parse_graph_text(const std::string& text, const std::string& origin = "<text>");
// Writes atomically (temporary file + rename) in the format the extension names.
void write_graph_file(const proto::Graph& graph, const std::string& path);
GraphFormat format_for_path(const std::string& path);

// read_graph_file + build_graph.
Graph load_graph(const std::string& path, const BuildOptions& options = {});

// Whole-file helpers shared by the graph, weight and checkpoint readers and writers.
std::string read_file_bytes(const std::string& path);
// Temporary file in the same folder, fsync, rename: the old file survives a crash mid-write.
void write_file_atomically(const std::string& path, const std::string& bytes);

}  // namespace graphrun
