/* What the booby-trapped test libraries do the moment they are loaded: write the file
 * GRAPHRUN_TEST_MARKER names, so a test sees whether their code ran. */
#include <stdio.h>
#include <stdlib.h>

static void write_marker(const char* what) {
  const char* marker = getenv("GRAPHRUN_TEST_MARKER");
  if (marker == NULL) return;
  FILE* f = fopen(marker, "w");
  if (f != NULL) {
    fprintf(f, "%s's constructor ran\n", what);
    fclose(f);
  }
}
