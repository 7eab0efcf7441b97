/* A plugin built against a future SDK: it declares an ABI version newer than graphrun's, so
 * graphrun must refuse it before calling anything else in it. */
#include <graphrun/plugin.h>
#include <stdio.h>

GRAPHRUN_PLUGIN_EXPORT uint32_t graphrun_plugin_abi_version(void) { return GRAPHRUN_PLUGIN_ABI_VERSION + 1; }

GRAPHRUN_PLUGIN_EXPORT GrStatus graphrun_plugin_init(const GrHostApi* host, uint32_t host_abi_version,
                                                     GrRegistrar* registrar, char* error, size_t size) {
  (void)host, (void)host_abi_version, (void)registrar;
  /* never reached: graphrun must not call a plugin it refused (the test checks the message) */
  snprintf(error, size, "graphrun called the init of a plugin built for a newer ABI");
  return GR_ERROR;
}
