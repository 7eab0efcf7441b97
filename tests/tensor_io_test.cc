// Tensors, .npy/.npz round trips and their errors, initializers.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "core/graph_io.h"
#include "core/npz.h"
#include "core/variable_store.h"

using namespace graphrun;

namespace {
std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("graphrun_test_" + name)).string();
}
}  // namespace

TEST_CASE("shape: element counts are overflow-checked") {
  CHECK(Shape{2, 3, 4}.num_elements() == 24);
  CHECK(Shape{}.num_elements() == 1);
  CHECK_THROWS_WITH(Shape({1LL << 40, 1LL << 40}).num_elements(), doctest::Contains("more than 2^63 elements"));
  CHECK_THROWS_WITH(Shape({2, -1}).num_elements(), doctest::Contains("negative dimension"));
}

TEST_CASE("npz: arrays round-trip by name, with dtype and shape") {
  Tensor a(DType::kFloat32, Shape{2, 3});
  for (int i = 0; i < 6; ++i) a.data<float>()[i] = 0.5f * i;
  Tensor b(DType::kInt64, Shape{4});
  for (int i = 0; i < 4; ++i) b.data<int64_t>()[i] = -i;
  std::string path = temp_path("roundtrip.npz");
  write_npz(path, {{"conv1/weight", a}, {"labels", b}});
  auto arrays = read_npz(path);
  REQUIRE(arrays.size() == 2);
  CHECK(arrays["conv1/weight"].shape() == Shape{2, 3});
  CHECK(arrays["conv1/weight"].data<float>()[5] == 2.5f);
  CHECK(arrays["labels"].data<int64_t>()[3] == -3);
  std::filesystem::remove(path);
}

TEST_CASE("npz: truncated and corrupt files are refused naming the file") {
  Tensor a(DType::kFloat64, Shape{100});
  a.fill_zero();
  std::string good = temp_path("good.npz");
  write_npz(good, {{"w", a}});
  std::string bytes = read_file_bytes(good);
  std::string cut = temp_path("cut.npz");
  write_file_atomically(cut, bytes.substr(0, bytes.size() / 2));
  CHECK_THROWS_WITH(read_npz(cut), doctest::Contains(cut.c_str()));
  CHECK_THROWS_WITH(parse_npy(format_npy(a).substr(0, 200), "w.npy"), doctest::Contains("w.npy: truncated"));
  CHECK_THROWS_WITH(parse_npy("garbage", "g.npy"), "g.npy: not a .npy array (bad magic)");
  std::filesystem::remove(good);
  std::filesystem::remove(cut);
}

TEST_CASE("npy: an object array and a header claiming 4e16 bytes are refused before anything is allocated") {
  // A hostile .npz (docs/security.md): pickled objects are never unpickled, and the data size
  // a header claims is checked against the file before a tensor is allocated.
  auto npy = [](const std::string& header) {
    std::string dict = header;
    while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
    std::string bytes = "\x93NUMPY\x01";
    bytes += '\0';
    bytes += static_cast<char>(dict.size() + 1);
    bytes += static_cast<char>((dict.size() + 1) >> 8);
    return bytes + dict + "\n" + std::string(16, '\0');
  };
  CHECK_THROWS_WITH(parse_npy(npy("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }"), "o.npy"),
                    doctest::Contains("o.npy: unsupported array type '|O'"));
  CHECK_THROWS_WITH(parse_npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000, 100000000), }"), "h.npy"),
                    doctest::Contains("h.npy: truncated: shape"));
}

TEST_CASE("initializers: deterministic by (seed, name), with the requested statistics") {
  Tensor t(DType::kFloat64, Shape{100000});
  proto::Initializer init = attr_init_gaussian(0.01).init();
  fill_initializer(t, init, 42);
  double sum = 0, sq = 0;
  for (double v : t.values<double>()) sum += v, sq += v * v;
  double mean = sum / t.num_elements(), std = std::sqrt(sq / t.num_elements() - mean * mean);
  CHECK(std::abs(mean) < 1e-4);
  CHECK(std::abs(std - 0.01) < 2e-4);
  Tensor again(DType::kFloat64, Shape{100000});
  fill_initializer(again, init, 42);
  CHECK(again.values<double>()[777] == t.values<double>()[777]);

  Tensor u(DType::kFloat32, Shape{64, 32, 3, 3});
  fill_initializer(u, attr_init_xavier().init(), 1);
  double limit = std::sqrt(6.0 / (32 * 9 + 64 * 9));
  float lo = 1, hi = -1;
  for (float v : u.values<float>()) lo = std::min(lo, v), hi = std::max(hi, v);
  CHECK(lo >= -limit);
  CHECK(hi <= limit);
  CHECK(hi > 0.9 * limit);

  Tensor c(DType::kFloat32, Shape{5});
  fill_initializer(c, attr_init_constant(1).init(), 3);
  CHECK(c.values<float>()[4] == 1.0f);
}

TEST_CASE("variables: .npz weights load by name with shape checks") {
  Graph g = build_graph(parse_graph_text(R"(
    node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 3] } } }
    node { name: "w" op: "Variable" attr { name: "shape" shape { dim: [2, 3] } } })"));
  Tensor w(DType::kFloat64, Shape{2, 3});
  for (int i = 0; i < 6; ++i) w.data<double>()[i] = i;
  std::string path = temp_path("w.npz");
  write_npz(path, {{"w", w}});
  VariableStore store;
  store.load_npz(g, path, true);
  CHECK(store.at("w").dtype() == DType::kFloat32);  // converted to the variable's dtype
  CHECK(store.at("w").data<float>()[5] == 5.0f);
  write_npz(path, {{"w", Tensor(DType::kFloat32, Shape{3, 2})}});
  CHECK_THROWS_WITH(store.load_npz(g, path, true), doctest::Contains("array 'w' has shape [3,2], the graph's variable has [2,3]"));
  write_npz(path, {{"v", w}});
  CHECK_THROWS_WITH(store.load_npz(g, path, true), doctest::Contains("no array for variable(s) w"));
  std::filesystem::remove(path);
}
