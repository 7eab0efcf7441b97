// GPU tests: names contain "cuda" and they run as the ctest test "cuda" (label gpu). Without a
// GPU that test exits with the skip code, so ctest reports it skipped, never passed.
#include <doctest/doctest.h>

#include "runtime/devices/cuda_info.h"

using namespace graphrun;

TEST_CASE("cuda: device memory round trip on every visible GPU") {
  REQUIRE(cuda_built());
  int count = cuda_device_count();
  REQUIRE(count > 0);
  for (int i = 0; i < count; ++i) {
    MESSAGE("gpu:", i, ": ", cuda_device_description(i));
    CHECK(cuda_round_trip(i, 1 << 20));
  }
}
