/* A plugin whose constructor runs the moment it is loaded, before graphrun calls anything in it:
 * it writes the file GRAPHRUN_TEST_MARKER names. A library shipped beside a model could do
 * anything there; the tests check that opening a graph that names it never writes the marker
 * (only --plugin or --trust-plugins-beside-graph load it). It registers no ops. */
#include <graphrun/plugin.h>
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void booby_trap_runs_on_load(void) {
  const char* marker = getenv("GRAPHRUN_TEST_MARKER");
  if (marker == NULL) return;
  FILE* f = fopen(marker, "w");
  if (f != NULL) {
    fputs("booby_trap's constructor ran\n", f);
    fclose(f);
  }
}

GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void) { return 1; }

GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi_version,
                                                     GrRegistrar* registrar, char* error, size_t size) {
  (void)host, (void)host_abi_version, (void)registrar, (void)error, (void)size;
  return GR_OK;
}
