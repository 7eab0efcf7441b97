// The CPU's arithmetic limit, measured: register-only loops of fused multiply-adds (fp32) and of
// bf16 dot products, on one thread or several at once. A profile divides what a step achieves by
// this, so "77% of the peak" means the same on every machine; the loops keep every operand in
// registers, so memory never limits them and the figure is the cores' issue rate at the clock
// they run at now (turbo, other load), which is what a step measured just after also gets.
#pragma once

#include <string>

namespace graphrun {

enum class PeakKind {
  kFloat32Fma,  // AVX-512 FMA
  kBFloat16Dot  // AVX512_BF16 vdpbf16ps: bf16 pairs multiplied, summed into fp32
};

struct PeakMeasurement {
  double gflops = 0;     // over all threads together
  int threads = 0;
  std::string isa;       // the instruction set the loop used ("avx512f", "avx512_bf16")
};

// Whether this CPU can run `kind` (fp32 needs AVX-512F; bf16 needs AVX512_BF16).
bool cpu_supports(PeakKind kind);
// Runs the loop on `threads` threads started together for about `seconds`. Throws Error naming
// the missing instruction set when the CPU cannot run `kind`.
PeakMeasurement measure_peak(PeakKind kind, int threads, double seconds);
// One thread per hardware thread, about 0.1 s: quick enough to run before a profile.
PeakMeasurement measure_fp32_peak_quickly();

// The memory side of the roofline: GB/s `threads` threads read together, each streaming through
// a buffer of its own eight times the size of a large L3 (256 MiB), for about `seconds`. What a
// kernel that must read more bytes than the caches hold (a fully connected layer's weights at a
// small batch) can reach at best.
double measure_read_bandwidth(int threads, double seconds);

}  // namespace graphrun
