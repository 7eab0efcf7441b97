#include "runtime/devices/cpu_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <thread>
#include <vector>

#include "core/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace graphrun {

namespace {

// Each loop keeps more independent accumulators than FMA latency x FMA ports (4 x 2 on recent
// cores), so the ports never wait for a result: the loop runs at the issue rate.
constexpr int kAccumulators = 16;

#if defined(__x86_64__)
// Stores and adds, as _mm512_reduce_add_ps would (GCC 12's version of it warns of an
// uninitialized variable in its own header).
__attribute__((target("avx512f"))) float sum_lanes(__m512 v) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  float sum = 0;
  for (float lane : lanes) sum += lane;
  return sum;
}

// The loops are compiled for their instruction set only (target attributes), so the rest of
// graphrun keeps the distribution's baseline flags; cpu_supports() guards every call.
__attribute__((target("avx512f"))) float fma_avx512(long iterations, float seed) {
  __m512 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_set1_ps(seed + 0.01f * k);
  // acc = acc * 0.999 + 0.001 converges to 1: no overflow and no denormals however long it runs.
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(0.001f);
  for (long i = 0; i < iterations; ++i)
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_fmadd_ps(acc[k], a, b);
  for (int k = 1; k < kAccumulators; ++k) acc[0] = _mm512_add_ps(acc[0], acc[k]);
  return sum_lanes(acc[0]);
}
constexpr double kFmaAvx512Flops = kAccumulators * 16 * 2;

// vdpbf16ps: per fp32 lane, two bf16 products added to the accumulator (4 FLOPs a lane).
__attribute__((target("avx512f,avx512bf16"))) float dot_bf16(long iterations, float seed) {
  __m512 acc[kAccumulators];
  for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_set1_ps(seed + 0.01f * k);
  const __m512 one = _mm512_set1_ps(1.0f), small = _mm512_set1_ps(0.001f);
  const __m512bh a = _mm512_cvtne2ps_pbh(one, one), b = _mm512_cvtne2ps_pbh(small, small);
  for (long i = 0; i < iterations; ++i)
    for (int k = 0; k < kAccumulators; ++k) acc[k] = _mm512_dpbf16_ps(acc[k], a, b);
  for (int k = 1; k < kAccumulators; ++k) acc[0] = _mm512_add_ps(acc[0], acc[k]);
  return sum_lanes(acc[0]);
}
constexpr double kDotBf16Flops = kAccumulators * 16 * 4;
#endif

struct Loop {
  float (*run)(long iterations, float seed) = nullptr;
  double flops_per_iteration = 0;
  std::string isa;
};

Loop loop_for(PeakKind kind) {
#if defined(__x86_64__)
  if (kind == PeakKind::kFloat32Fma) {
    if (__builtin_cpu_supports("avx512f")) return {fma_avx512, kFmaAvx512Flops, "avx512f"};
    fail("the fp32 peak loop needs the AVX-512F instruction set, which this CPU lacks");
  }
  if (__builtin_cpu_supports("avx512bf16")) return {dot_bf16, kDotBf16Flops, "avx512_bf16"};
  fail("the bf16 peak loop needs the AVX512_BF16 instruction set (vdpbf16ps), which this CPU lacks");
#else
  fail("the peak loops are written for x86-64 (AVX-512); this CPU is another architecture");
#endif
}

}  // namespace

bool cpu_supports(PeakKind kind) {
  try {
    loop_for(kind);
    return true;
  } catch (const Error&) {
    return false;
  }
}

PeakMeasurement measure_peak(PeakKind kind, int threads, double seconds) {
  if (threads < 1) fail("peak measurement: {} threads (need at least 1)", threads);
  const Loop loop = loop_for(kind);
  // A chunk of about 10 us, so a thread notices the deadline promptly.
  constexpr long kChunk = 2048;
  std::vector<double> rates(threads);
  std::atomic<float> sink{0};  // the loops' results go somewhere, so they are not optimized away
  std::latch start(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      start.arrive_and_wait();
      const auto begin = std::chrono::steady_clock::now();
      double elapsed = 0;
      long chunks = 0;
      float result = 0;
      do {
        result += loop.run(kChunk, static_cast<float>(t));
        ++chunks;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      } while (elapsed < seconds);
      rates[t] = static_cast<double>(chunks) * kChunk * loop.flops_per_iteration / elapsed;
      sink.store(result, std::memory_order_relaxed);
    });
  for (std::thread& worker : workers) worker.join();
  double total = 0;
  for (double rate : rates) total += rate;
  return {total / 1e9, threads, loop.isa};
}

double measure_read_bandwidth(int threads, double seconds) {
  if (threads < 1) fail("bandwidth measurement: {} threads (need at least 1)", threads);
  constexpr size_t kWords = (size_t{256} << 20) / sizeof(uint64_t);
  std::vector<double> rates(threads);
  std::atomic<uint64_t> sink{0};
  std::latch filled(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      // Written by the thread that reads it, so the pages are its NUMA node's.
      std::vector<uint64_t> buffer(kWords);
      for (size_t i = 0; i < kWords; ++i) buffer[i] = i ^ static_cast<uint64_t>(t);
      filled.arrive_and_wait();
      const auto begin = std::chrono::steady_clock::now();
      double elapsed = 0;
      long passes = 0;
      // Four independent sums: plain 8-byte loads already outrun DRAM, no vector code needed.
      uint64_t a = 0, b = 0, c = 0, d = 0;
      do {
        for (size_t i = 0; i < kWords; i += 4) {
          a += buffer[i];
          b += buffer[i + 1];
          c += buffer[i + 2];
          d += buffer[i + 3];
        }
        ++passes;
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
      } while (elapsed < seconds);
      rates[t] = static_cast<double>(passes) * kWords * sizeof(uint64_t) / elapsed;
      sink.fetch_add(a + b + c + d, std::memory_order_relaxed);
    });
  for (std::thread& worker : workers) worker.join();
  double total = 0;
  for (double rate : rates) total += rate;
  return total / 1e9;
}

PeakMeasurement measure_fp32_peak_quickly() {
  return measure_peak(PeakKind::kFloat32Fma, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())), 0.1);
}

}  // namespace graphrun
