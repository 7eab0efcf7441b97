// The test binary's entry point; the registries must be populated before any test runs.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

#include <cstring>

#include "core/op_registry.h"
#include "runtime/devices/cuda_info.h"

int main(int argc, char** argv) {
  if (graphrun::OpRegistry::global().all().empty()) {
    std::fprintf(stderr, "error: no ops are registered: the op objects were not linked\n");
    return 2;
  }
  // `--gpu-tests`: the GPU test run; with no GPU here it is skipped, visibly (exit 77).
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--gpu-tests") != 0) continue;
    if (graphrun::cuda_device_count() == 0) {
      std::printf("SKIPPED: GPU tests not run: %s\n",
                  graphrun::cuda_built() ? "no CUDA device is visible" : "this build has no CUDA support");
      return 77;
    }
    argv[i] = const_cast<char*>("--no-intro");
  }
  doctest::Context context(argc, argv);
  return context.run();
}
