/* A shared library that is no graphrun plugin (no entry points), with a constructor that writes
 * the file GRAPHRUN_TEST_MARKER names: graphrun must refuse it before dlopen would run it. */
#include "write_marker.h"

__attribute__((constructor)) static void not_a_plugin_runs_on_load(void) { write_marker("not_a_plugin"); }

int not_a_plugin_answer(void) { return 42; }
