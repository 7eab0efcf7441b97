// Tensors in device memory, tested on the CPU with an allocator that pretends its memory is a
// device's: host-only operations must refuse it by name, and clone/copy_from/fill_zero must go
// through the allocator (which a GPU allocator implements with cudaMemcpy / cudaMemset).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "core/block_cache.h"
#include "core/device.h"
#include "core/tensor.h"
#include "runtime/devices/cuda_info.h"

using namespace graphrun;

namespace {

class FakeDeviceAllocator final : public Allocator {
 public:
  FakeDeviceAllocator() : Allocator(/*on_host=*/false) {}
  void* allocate(size_t bytes) override {
    count_allocate(bytes);
    return std::malloc(bytes == 0 ? 1 : bytes);
  }
  void deallocate(void* ptr, size_t bytes) override {
    count_deallocate(bytes);
    std::free(ptr);
  }
  void copy(void* dst, bool dst_on_host, const void* src, bool src_on_host, size_t bytes) override {
    ++copies;
    last_dst_on_host = dst_on_host;
    last_src_on_host = src_on_host;
    std::memcpy(dst, src, bytes);
  }
  void zero(void* ptr, size_t bytes) override {
    ++zeros;
    std::memset(ptr, 0, bytes);
  }
  const char* location() const override { return "gpu:7"; }
  int copies = 0, zeros = 0;
  bool last_dst_on_host = false, last_src_on_host = false;
};

}  // namespace

TEST_CASE("tensor memory: device tensors go through their allocator; host-only reads refuse them") {
  FakeDeviceAllocator device;
  Tensor host(DType::kFloat32, Shape{2, 3});
  for (int i = 0; i < 6; ++i) host.data<float>()[i] = 1.5f * static_cast<float>(i);
  CHECK(host.on_host());
  CHECK(std::string(host.location()) == "host");

  Tensor on_device(DType::kFloat32, Shape{2, 3}, device);
  CHECK_FALSE(on_device.on_host());
  CHECK(std::string(on_device.location()) == "gpu:7");
  on_device.copy_from(host);  // host -> device, by the device
  CHECK(device.copies == 1);
  CHECK_FALSE(device.last_dst_on_host);
  CHECK(device.last_src_on_host);

  CHECK_THROWS_WITH(on_device.value_as_double(0), doctest::Contains("tensor in gpu:7 memory"));
  CHECK_THROWS_WITH(on_device.values<float>(), doctest::Contains("copy it to the host first"));

  Tensor back = on_device.clone();  // device -> host
  CHECK(device.copies == 2);
  CHECK(device.last_dst_on_host);
  CHECK_FALSE(device.last_src_on_host);
  CHECK(back.on_host());
  CHECK(back.value_as_double(5) == 7.5);
  CHECK(on_device.to_host().value_as_double(4) == 6.0);
  CHECK(device.copies == 3);
  CHECK(host.to_host().raw() == host.raw());  // a host tensor is not copied

  Tensor other(DType::kFloat32, Shape{6}, device);
  other.copy_from(on_device);  // device -> device
  CHECK(device.copies == 4);
  CHECK_FALSE(device.last_dst_on_host);
  CHECK_FALSE(device.last_src_on_host);
  other.fill_zero();
  CHECK(device.zeros == 1);
  CHECK(other.clone().value_as_double(3) == 0.0);
  host.fill_zero();  // host memory never reaches the device allocator
  CHECK(device.zeros == 1);
  CHECK(host.value_as_double(5) == 0.0);
}

TEST_CASE("tensor memory: a host allocator refuses device copies as an internal error") {
  Tensor t(DType::kFloat32, Shape{2});
  CHECK_THROWS_WITH(host_allocator().copy(t.raw(), true, t.raw(), true, 8),
                    doctest::Contains("copy through the host allocator"));
}

TEST_CASE("tensor memory: gpu:N without a GPU is a clear error, not a crash") {
  if (cuda_device_count() > 0) return;  // the GPU tests (cuda_test.cc) cover a machine with one
  CHECK_THROWS_WITH(get_device("gpu:0"), doctest::Contains("device gpu:0 is not available"));
  CHECK_THROWS_WITH(get_device("gpu:1"), doctest::Contains(cuda_built() ? "no CUDA device is visible"
                                                                         : "this build has no CUDA support"));
}

TEST_CASE("host allocator: large blocks come back from the size-class cache, small ones from malloc") {
  for (size_t bytes : {size_t{1}, size_t{512}, size_t{513}, size_t{70000}, size_t{1} << 20, (size_t{1} << 20) + 1,
                       size_t{123456789}}) {
    size_t cls = BlockCache::size_class(bytes);
    CHECK(cls >= bytes);
    CHECK(cls <= std::max<size_t>(BlockCache::kMinClass, bytes + bytes / 4));  // at most 25% waste
  }
  Allocator& host = host_allocator();
  size_t big = 3 * 1000 * 1000 + 7;
  void* first = host.allocate(big);
  REQUIRE(reinterpret_cast<uintptr_t>(first) % 64 == 0);
  host.deallocate(first, big);
  void* again = host.allocate(big - 5);  // same size class: the cached block
  CHECK(again == first);
  size_t before = host.bytes_in_use();
  host.deallocate(again, big - 5);
  CHECK(host.bytes_in_use() == before - (big - 5));
  // A tensor of that size reuses it too: what a released intermediate does every step.
  { Tensor t(DType::kFloat32, Shape{static_cast<int64_t>(big / 4)}); CHECK(t.raw() == first); }
}
