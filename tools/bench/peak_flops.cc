// The machine's arithmetic limit, the denominator of every "share of the peak" graphrun prints:
// fp32 FMA and the AVX512_BF16 dot product, on one core and on all of them at once, in GFLOP/s;
// and the memory side of the roofline, the read bandwidth from DRAM in GB/s.
// usage: build/peak_flops [SECONDS per measurement, default 1] [--json]
#include <fmt/format.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>
#include <thread>

#include "core/error.h"
#include "runtime/devices/cpu_peak.h"

int main(int argc, char** argv) {
  using namespace graphrun;
  double seconds = 1.0;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--json")
      json = true;
    else
      seconds = std::atof(argv[i]);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  nlohmann::ordered_json out = {{"cores", cores}};
  for (auto [kind, name] : {std::pair{PeakKind::kFloat32Fma, "fp32"}, std::pair{PeakKind::kBFloat16Dot, "bf16"}}) {
    if (!cpu_supports(kind)) {
      try {
        measure_peak(kind, 1, 0);
      } catch (const Error& e) {
        if (!json) fmt::print("{} unavailable: {}\n", name, e.what());
      }
      continue;
    }
    PeakMeasurement one = measure_peak(kind, 1, seconds), all = measure_peak(kind, cores, seconds);
    out[fmt::format("{}_gflops_1core", name)] = std::round(one.gflops * 10) / 10;
    out[fmt::format("{}_gflops", name)] = std::round(all.gflops * 10) / 10;
    if (!json)
      fmt::print("{} ({}): {:8.1f} GFLOP/s on 1 core, {:8.1f} GFLOP/s on {} cores ({:.2f}x)\n", name, one.isa,
                 one.gflops, all.gflops, all.threads, all.gflops / one.gflops);
  }
  const double read_one = measure_read_bandwidth(1, seconds), read_all = measure_read_bandwidth(cores, seconds);
  out["read_gbs_1core"] = std::round(read_one * 10) / 10;
  out["read_gbs"] = std::round(read_all * 10) / 10;
  if (!json)
    fmt::print("memory read:  {:8.1f} GB/s on 1 core, {:8.1f} GB/s on {} cores ({:.2f}x)\n", read_one, read_all, cores,
               read_all / read_one);
  if (json) fmt::print("{}\n", out.dump());
}
