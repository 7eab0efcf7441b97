// The machine's arithmetic limit, the denominator of every "share of the peak" graphrun prints:
// fp32 FMA and the AVX512_BF16 dot product, on one core and on all of them at once, in GFLOP/s.
// usage: build/peak_flops [SECONDS per measurement, default 1]
#include <fmt/format.h>

#include <cstdlib>
#include <thread>

#include "core/error.h"
#include "runtime/devices/cpu_peak.h"

int main(int argc, char** argv) {
  using namespace graphrun;
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (auto [kind, name] : {std::pair{PeakKind::kFloat32Fma, "fp32 FMA"}, std::pair{PeakKind::kBFloat16Dot, "bf16 dot"}}) {
    if (!cpu_supports(kind)) {
      try {
        measure_peak(kind, 1, 0);
      } catch (const Error& e) {
        fmt::print("{:<9} unavailable: {}\n", name, e.what());
      }
      continue;
    }
    PeakMeasurement one = measure_peak(kind, 1, seconds), all = measure_peak(kind, cores, seconds);
    fmt::print("{:<9} ({}): {:8.1f} GFLOP/s on 1 core, {:8.1f} GFLOP/s on {} cores ({:.2f}x)\n", name, one.isa,
               one.gflops, all.gflops, all.threads, all.gflops / one.gflops);
  }
}
