// graphrun: the command line. Every user error prints one line `error: ...` and exits 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/op_registry.h"
#include "core/plugin_host.h"
#include "runtime/distributed/communicator.h"
#include "tools/graphrun/cli_common.h"

int main(int argc, char** argv) {
  if (graphrun::OpRegistry::global().all().empty()) {
    std::fprintf(stderr, "error: no ops are registered: the op objects were not linked into graphrun\n");
    return 2;
  }
  CLI::App app{"graphrun: a dataflow-graph deep-learning runtime (graphrun " GRAPHRUN_VERSION ")"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "graphrun " GRAPHRUN_VERSION);
  graphrun::cli::add_inspect(app);
  graphrun::cli::add_convert(app);
  graphrun::cli::add_run(app);
  graphrun::cli::add_classify(app);
  graphrun::cli::add_ops(app);
  graphrun::cli::add_bench(app);
  graphrun::cli::add_dot(app);
  graphrun::cli::add_place(app);
  graphrun::cli::add_train(app);
  graphrun::cli::add_data(app);
  graphrun::cli::add_pictures(app);
  graphrun::cli::add_check_op(app);
  graphrun::cli::add_onnx_export(app);
  // Every subcommand loads plugins, in the order given, before it runs. A graph file's plugin
  // entries are loaded only from where the user said plugins are (docs/security.md).
  auto plugins = std::make_shared<std::vector<std::string>>();
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
    sub->add_option("--plugin", *plugins, "load an operator plugin (shared library); repeatable")
        ->each([](const std::string& path) { graphrun::load_plugin_arg(path); });
    sub->add_flag_callback(
        "--trust-plugins-beside-graph", [] { graphrun::set_trust_plugins_beside_graph(true); },
        "load the plugins a graph file names from the graph's folder (or the path it gives): runs code that "
        "came with the graph; by default only --plugin, GRAPHRUN_PLUGIN_PATH and the installed plugin folder");
  }
  // Under mpirun every rank prints its own errors: each says whose it is.
  auto report = [](const char* what) {
    std::fprintf(stderr, "%serror: %s\n", graphrun::rank_prefix().c_str(), what);
    graphrun::shutdown_ranks(/*finalize=*/false);
    return 2;
  };
  try {
    app.parse(argc, argv);
  } catch (const graphrun::cli::ExitCode& e) {
    graphrun::shutdown_ranks();
    return e.code;
  } catch (const CLI::ParseError& e) {
    return e.get_exit_code() == 0 ? app.exit(e) : (app.exit(e), 2);
  } catch (const graphrun::Error& e) {
    return report(e.what());
  } catch (const std::bad_alloc&) {
    return report("out of memory");
  } catch (const std::exception& e) {
    return report(e.what());
  }
  graphrun::shutdown_ranks();
  return 0;
}
