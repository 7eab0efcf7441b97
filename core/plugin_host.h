// graphrun's side of the plugin ABI (core/include/graphrun/plugin.h): loading plugin shared
// libraries, and the adapter that turns what a plugin registers through the C ABI into OpDefs
// and KernelDefs. The adapter builds them with OpDefBuilder and KernelBuilder and adds them
// with OpRegistry::add and KernelRegistry::add, the path the built-in ops take, so validation
// and the duplicate-name check (naming both libraries) are shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/proto/graph.pb.h"
#include "graphrun/plugin.h"

namespace graphrun {

class Device;

struct LoadedPlugin {
  std::string path;  // as loaded (absolute)
  uint32_t abi_version = 0;
  std::vector<std::string> ops;  // ops it defined
  int kernels = 0;               // kernels it registered
};

// Loads a plugin and registers what it declares, all or nothing. Loading the same file again
// returns the first load. Before dlopen (which runs the library's constructors) the file is
// checked without running it (core/plugin_file_check.h). Throws Error, naming the file, when
// the file is missing, fails those checks, is no graphrun plugin (no graphrun_plugin_abi_version
// / graphrun_plugin_init), was built for a newer ABI than this graphrun's, fails its init, or
// defines an op that exists already.
const LoadedPlugin& load_plugin(const std::string& path);

// A path the user gave (`--plugin`): an absolute path as is; else relative to `base_dir`, then
// along the folders of GRAPHRUN_PLUGIN_PATH (colon-separated); then an already loaded plugin
// with that file name. Throws Error listing the places tried.
std::string resolve_plugin(const std::string& entry, const std::string& base_dir);

// `--plugin PATH`: relative to the working directory, then along GRAPHRUN_PLUGIN_PATH.
const LoadedPlugin& load_plugin_arg(const std::string& path);

// The installed plugin folder: <prefix>/lib/graphrun/plugins for <prefix>/bin/graphrun; "" for
// a graphrun that is not installed so (the build tree).
std::string installed_plugin_dir();

// `--trust-plugins-beside-graph`: for this run, a graph file's plugin entry may also be loaded
// as written (relative to the graph file's folder, or the path in it).
void set_trust_plugins_beside_graph(bool trust);

// A graph file's entry names a plugin the graph needs; it never makes graphrun load code that
// came with the graph. A loaded plugin (given with --plugin) of the same file name satisfies
// it; else the entry's file name is looked up along GRAPHRUN_PLUGIN_PATH, then in the installed
// plugin folder. Only with set_trust_plugins_beside_graph is the entry taken as written,
// relative to `graph_dir`, first. When another copy was found and passed over, `note` says
// which copy was used. Throws Error naming the entry, where it looked, and how to load it.
std::string resolve_graph_plugin(const std::string& entry, const std::string& graph_dir, std::string* note);
// A graph file's plugin list, each entry as resolve_graph_plugin finds it.
void load_graph_plugins(const proto::Graph& graph, const std::string& graph_path);

std::vector<LoadedPlugin> loaded_plugins();

// Runs a plugin-style init function inside graphrun (ops compiled into graphrun but written
// against the plugin ABI register this way); `library` names them in `graphrun ops`.
using PluginInitFn = GrStatus (*)(const GrHostApi*, uint32_t, GrRegistrar*, char*, size_t);
LoadedPlugin register_through_abi(PluginInitFn init, const std::string& library);

// The stream a plugin kernel gets (GrHostApi::kernel_stream): null on the CPU. The CUDA
// device installs a provider returning its cudaStream_t.
using NativeStreamProvider = void* (*)(Device& device);
void set_native_stream_provider(NativeStreamProvider provider);

const GrHostApi& host_api();

}  // namespace graphrun
