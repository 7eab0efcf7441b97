// Loading plugin shared libraries: finding the file where the user said plugins are, checking
// it before dlopen (core/plugin_file_check.h), checking it is built for an ABI this graphrun
// speaks, then registering what it declares (core/plugin_api.cc). A graph file only names the
// plugins it needs: dlopen runs a library's constructors, so code that came with a model must
// never be loaded because the model names it (docs/security.md).
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <fmt/ranges.h>

#include "core/error.h"
#include "core/plugin_file_check.h"
#include "core/plugin_host.h"

// Where an installed graphrun's plugin folder is, from the install prefix (cmake/plugin_sdk.cmake).
#ifndef GRAPHRUN_INSTALL_BINDIR
#define GRAPHRUN_INSTALL_BINDIR "bin"
#endif
#ifndef GRAPHRUN_INSTALL_PLUGINDIR
#define GRAPHRUN_INSTALL_PLUGINDIR "lib/graphrun/plugins"
#endif

namespace graphrun {
namespace {

namespace fs = std::filesystem;

std::mutex& loader_mutex() {
  static std::mutex mutex;
  return mutex;
}
// Plugins stay loaded for the life of the process: the registries hold their functions.
std::vector<LoadedPlugin>& plugins() {
  static std::vector<LoadedPlugin> loaded;
  return loaded;
}

bool& trust_beside_graph() {
  static bool trust = false;
  return trust;
}

std::vector<std::string> plugin_path_dirs() {
  std::vector<std::string> dirs;
  const char* env = std::getenv("GRAPHRUN_PLUGIN_PATH");
  if (env == nullptr) return dirs;
  std::string value = env;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find(':', start);
    if (end == std::string::npos) end = value.size();
    if (end > start) dirs.push_back(value.substr(start, end - start));
    start = end + 1;
  }
  return dirs;
}

const LoadedPlugin* find_loaded(const std::string& path) {
  for (const auto& p : plugins())
    if (p.path == path) return &p;
  return nullptr;
}

const LoadedPlugin& load_locked(const std::string& given) {
  std::error_code ec;
  if (!fs::is_regular_file(given, ec)) fail("plugin '{}' not found (no such file)", given);
  std::string path = fs::weakly_canonical(fs::absolute(given), ec).string();
  if (ec) path = fs::absolute(given).string();
  if (const LoadedPlugin* p = find_loaded(path)) return *p;
  // dlopen runs the library's constructors: whatever can be checked without running it is
  // checked first.
  if (std::string problem = plugin_file_problem(path); !problem.empty()) throw Error(problem);

  // RTLD_LOCAL: one plugin's symbols never resolve another's. RTLD_NOW: a missing symbol is an
  // error here, not a crash in the middle of a training run.
  dlerror();
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    fail("cannot load plugin '{}': {}", path, why != nullptr ? why : "dlopen failed");
  }
  using AbiFn = uint32_t (*)();
  auto abi = reinterpret_cast<AbiFn>(dlsym(handle, "graphrun_plugin_abi_version"));
  auto init = reinterpret_cast<PluginInitFn>(dlsym(handle, "graphrun_plugin_init"));
  if (abi == nullptr || init == nullptr) {
    dlclose(handle);
    fail("'{}' is not a graphrun plugin: it does not export {} (write GRAPHRUN_PLUGIN(...) from "
         "<graphrun/plugin.hpp>, or define both entry points of <graphrun/plugin.h>)",
         path, abi == nullptr ? "graphrun_plugin_abi_version" : "graphrun_plugin_init");
  }
  uint32_t version = abi();
  if (version == 0 || version > GRAPHRUN_PLUGIN_ABI_VERSION) {
    dlclose(handle);
    if (version == 0) fail("plugin '{}' declares plugin ABI version 0, which does not exist", path);
    fail("plugin '{}' was built for plugin ABI version {}, newer than this graphrun's ({}, graphrun {}): "
         "rebuild it against this graphrun's SDK, or use a newer graphrun",
         path, version, GRAPHRUN_PLUGIN_ABI_VERSION, GRAPHRUN_VERSION);
  }
  // From here on the library stays loaded even on error: init may have handed the host
  // pointers into it.
  LoadedPlugin loaded;
  try {
    loaded = register_through_abi(init, path);
  } catch (const Error& e) {
    std::string what = e.what();
    std::string prefix = fmt::format("plugin {}: ", path);
    if (what.rfind(prefix, 0) == 0) what = what.substr(prefix.size());
    fail("plugin '{}': {}", path, what);
  }
  loaded.abi_version = version;
  plugins().push_back(std::move(loaded));
  return plugins().back();
}

}  // namespace

const LoadedPlugin& load_plugin(const std::string& path) {
  std::lock_guard lock(loader_mutex());
  return load_locked(path);
}

namespace {

// The file found for `entry` in base_dir, then along GRAPHRUN_PLUGIN_PATH; "" if none. `tried`
// gets every place looked at.
std::string search_plugin(const fs::path& entry, const std::string& base_dir, std::vector<std::string>& tried) {
  std::error_code ec;
  auto candidate = [&](const fs::path& dir) {
    fs::path full = dir.empty() ? entry : dir / entry;
    tried.push_back(full.string());
    return fs::is_regular_file(full, ec) ? full.string() : std::string();
  };
  if (std::string found = candidate(base_dir); !found.empty()) return found;
  for (const auto& dir : plugin_path_dirs())
    if (std::string found = candidate(dir); !found.empty()) return found;
  return "";
}

// The folders a graph's plugin entry is looked up in by its file name: the ones the user
// chose (GRAPHRUN_PLUGIN_PATH), then the installed plugin folder.
std::vector<std::string> trusted_dirs() {
  std::vector<std::string> dirs = plugin_path_dirs();
  if (std::string installed = installed_plugin_dir(); !installed.empty()) dirs.push_back(installed);
  return dirs;
}

// The file named `name` in a trusted folder; "" if none. `tried` gets every place looked at.
std::string search_trusted(const fs::path& name, std::vector<std::string>& tried) {
  std::error_code ec;
  for (const auto& dir : trusted_dirs()) {
    fs::path full = fs::path(dir) / name;
    tried.push_back(full.string());
    if (fs::is_regular_file(full, ec)) return full.string();
  }
  return "";
}

// Where the graph file's entry points, as written (relative to the graph's folder); "" if no
// file is there.
std::string beside_graph(const fs::path& entry, const std::string& graph_dir) {
  std::error_code ec;
  fs::path full = entry.is_absolute() || graph_dir.empty() ? entry : fs::path(graph_dir) / entry;
  return fs::is_regular_file(full, ec) ? full.string() : "";
}

// The path of a loaded plugin with this file name ("" if none).
std::string loaded_with_file_name(const fs::path& entry) {
  std::lock_guard lock(loader_mutex());
  for (const auto& loaded : plugins())
    if (fs::path(loaded.path).filename() == entry.filename()) return loaded.path;
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::equivalent(a, b, ec);
}

}  // namespace

std::string installed_plugin_dir() {
  // <prefix>/bin/graphrun has <prefix>/lib/graphrun/plugins; a graphrun elsewhere (the build
  // tree, the test binary) has none, so a build folder's stray libraries are never picked up.
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec || exe.parent_path().filename() != GRAPHRUN_INSTALL_BINDIR) return "";
  return (exe.parent_path().parent_path() / GRAPHRUN_INSTALL_PLUGINDIR).string();
}

void set_trust_plugins_beside_graph(bool trust) {
  std::lock_guard lock(loader_mutex());
  trust_beside_graph() = trust;
}

std::string resolve_plugin(const std::string& entry, const std::string& base_dir) {
  if (entry.empty()) fail("empty plugin name");
  fs::path p(entry);
  if (p.is_absolute()) return entry;
  std::vector<std::string> tried;
  if (std::string found = search_plugin(p, base_dir, tried); !found.empty()) return found;
  if (std::string loaded = loaded_with_file_name(p); !loaded.empty()) return loaded;
  fail("plugin '{}' not found (tried {}; load it with --plugin PATH or add its folder to GRAPHRUN_PLUGIN_PATH)",
       entry, fmt::join(tried, ", "));
}

const LoadedPlugin& load_plugin_arg(const std::string& path) { return load_plugin(resolve_plugin(path, "")); }

std::string resolve_graph_plugin(const std::string& entry, const std::string& graph_dir, std::string* note) {
  if (entry.empty()) fail("empty plugin name");
  fs::path p(entry);
  fs::path name = p.filename();
  if (name.empty()) fail("plugin entry '{}' names no file", entry);
  bool trust = [] {
    std::lock_guard lock(loader_mutex());
    return trust_beside_graph();
  }();
  std::vector<std::string> tried;
  std::string beside = beside_graph(p, graph_dir);
  // A plugin of this file name loaded already (with --plugin) provides the graph's ops: loading
  // a second copy found beside the graph or along the path would register every op twice.
  if (std::string loaded = loaded_with_file_name(name); !loaded.empty()) {
    std::string other = trust && !beside.empty() ? beside : search_trusted(name, tried);
    if (note != nullptr && !other.empty() && !same_file(other, loaded))
      *note = fmt::format("plugin '{}': using {} (loaded with --plugin), not {}", entry, loaded, other);
    return loaded;
  }
  // The entry as written (beside the graph, or the path in it) only when the user said so for
  // this run; else only its file name, in the folders the user chose.
  if (trust && !beside.empty()) return beside;
  if (std::string found = search_trusted(name, tried); !found.empty()) return found;
  std::string where = tried.empty() ? "GRAPHRUN_PLUGIN_PATH is not set and this graphrun has no installed plugin folder"
                                    : fmt::format("tried {}", fmt::join(tried, ", "));
  std::string shipped = beside.empty() || trust ? ""
                                                : fmt::format("; {} was not loaded: graphrun never loads a library "
                                                              "because a graph file names it",
                                                              beside);
  fail("plugin '{}' not found ({}{}): load it with --plugin PATH, add its folder to GRAPHRUN_PLUGIN_PATH, or pass "
       "--trust-plugins-beside-graph to load the file the graph names from its folder",
       entry, where, shipped);
}

void load_graph_plugins(const proto::Graph& graph, const std::string& graph_path) {
  std::string dir = fs::path(graph_path).parent_path().string();
  try {
    // Every entry is found before any is loaded: a graph missing one of its plugins loads none.
    std::vector<std::string> paths;
    for (const auto& entry : graph.plugin()) {
      std::string note;
      paths.push_back(resolve_graph_plugin(entry, dir, &note));
      if (!note.empty()) fmt::print(stderr, "note: {}: {}\n", graph_path, note);
    }
    for (const auto& path : paths) load_plugin(path);
  } catch (const Error& e) {
    fail("{}: {}", graph_path, e.what());
  }
}

std::vector<LoadedPlugin> loaded_plugins() {
  std::lock_guard lock(loader_mutex());
  return plugins();
}

}  // namespace graphrun
