/* A shared library that is no graphrun plugin (no entry points), with a constructor that writes
 * the file GRAPHRUN_TEST_MARKER names: graphrun must refuse it before dlopen would run it. */
#include <stdio.h>
#include <stdlib.h>

__attribute__((constructor)) static void not_a_plugin_runs_on_load(void) {
  const char* marker = getenv("GRAPHRUN_TEST_MARKER");
  if (marker == NULL) return;
  FILE* f = fopen(marker, "w");
  if (f != NULL) {
    fputs("not_a_plugin's constructor ran\n", f);
    fclose(f);
  }
}

int not_a_plugin_answer(void) { return 42; }
