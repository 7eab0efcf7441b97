// The test binary's entry point; the registries must be populated before any test runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include "core/op_registry.h"

int main(int argc, char** argv) {
  if (graphrun::OpRegistry::global().all().empty()) {
    std::fprintf(stderr, "error: no ops are registered: the op objects were not linked\n");
    return 2;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
