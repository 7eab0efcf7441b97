/* A plugin whose constructor runs the moment it is loaded, before graphrun calls anything in it:
 * it writes the file GRAPHRUN_TEST_MARKER names. A library shipped beside a model could do
 * anything there; the tests check that opening a graph that names it never writes the marker
 * (only --plugin, GRAPHRUN_PLUGIN_PATH or --trust-plugins-beside-graph load it). It registers
 * no ops. */
#include <graphrun/plugin.h>

#include "write_marker.h"

__attribute__((constructor)) static void booby_trap_runs_on_load(void) { write_marker("booby_trap"); }

GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void) { return 1; }

GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi_version,
                                                     GrRegistrar* registrar, char* error, size_t size) {
  (void)host, (void)host_abi_version, (void)registrar, (void)error, (void)size;
  return GR_OK;
}
