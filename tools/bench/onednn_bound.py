#!/usr/bin/python3
"""How close to the machine's peak oneDNN's own kernels get, and so what a step could reach at best.

Runs `graphrun bench` with oneDNN's verbose mode (DNNL_VERBOSE=1: oneDNN times every primitive
it executes and prints the time and the problem), keeps the timed steps' lines, and sums the time
of each primitive kind (convolution forward, backward data, backward weights, matmul, ...). The
FLOPs of convolutions and matrix products come from the problem descriptors oneDNN prints.

What it tells: the GFLOP/s each kind of oneDNN kernel reaches on this machine at these shapes,
and the bound "FLOPs of the step / wall time during which a convolution or matrix product ran"
(oneDNN's timestamps, DNNL_VERBOSE_TIMESTAMP=1, make overlapping primitives count once): the
share of the peak the step would reach if everything else (graphrun, reorders, pooling, LRN,
the update) took no time at all. A target above that bound needs faster kernels than the
oneDNN this project is built on (Debian's libdnnl 2.6), not a faster runtime around them.

usage: tools/bench/onednn_bound.py GRAPH BATCH [--train] [--steps N] [--precision fp32|bf16] [--peak GFLOPS]
                                   [--graphrun BIN]
(repository root, after a build; the peak defaults to build/peak_flops's figure for the precision;
matrix products also get the bytes of their operands per second against the DRAM read bandwidth
build/peak_flops measures)
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys


def conv_flops(problem):
    """2 * mb * oc * oh * ow * (ic / groups) * kh * kw from e.g. g2mb32_ic96oc256_ih27oh27kh5..."""
    fields = dict(re.findall(r"([a-z]+)(\d+)", problem))
    groups = int(fields.get("g", 1))
    n = int(fields["mb"])
    oh, ow = int(fields.get("oh", 1)), int(fields.get("ow", 1))
    kh, kw = int(fields.get("kh", 1)), int(fields.get("kw", 1))
    return 2 * n * int(fields["oc"]) * oh * ow * int(fields["ic"]) // groups * kh * kw


def matmul_flops(problem):
    """2 * M * K * N from e.g. 32x9216:9216x4096:32x4096."""
    a, b = problem.split(":")[:2]
    m, k = (int(v) for v in a.split("x")[-2:])
    n = int(b.split("x")[-1])
    batch = 1
    for v in a.split("x")[:-2]:
        batch *= int(v)
    return 2 * batch * m * k * n


def matmul_bytes(problem, mds):
    """Bytes of the three operands (A, B, C) of e.g. 32x9216:9216x4096:32x4096, at the element size
    the memory descriptors (src_bf16::... wei_bf16::... dst_f32::...) give each."""
    sizes = {"f32": 4, "bf16": 2, "f16": 2, "s8": 1, "u8": 1, "s32": 4}
    kinds = dict(re.findall(r"(src|wei|dst)_([a-z0-9]+)::", mds))
    total = 0
    for operand, dims in zip(("src", "wei", "dst"), problem.split(":")):
        count = 1
        for v in dims.split("x"):
            count *= int(v)
        total += count * sizes.get(kinds.get(operand, "f32"), 4)
    return total


def machine_limits(root):
    """build/peak_flops's JSON: GFLOP/s per precision and the DRAM read bandwidth, GB/s."""
    out = subprocess.run([os.path.join(root, "build/peak_flops"), "1", "--json"], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("graph")
    p.add_argument("batch", type=int)
    p.add_argument("--train", action="store_true")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32", help="graphrun bench --precision")
    p.add_argument("--peak", type=float, help="the precision's peak, GFLOP/s (default: build/peak_flops)")
    p.add_argument("--graphrun", default="build/graphrun")
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    limits = machine_limits(root)
    peak = a.peak or limits["bf16_gflops" if a.precision == "bf16" else "fp32_gflops"]
    cmd = [a.graphrun, "bench", a.graph, "--batch-size", str(a.batch), "--steps", str(a.steps), "--warmup",
           str(a.warmup), "--json", "--peak-gflops", str(peak), "--precision", a.precision] + (["--train"] if a.train else [])
    run = subprocess.run(cmd, capture_output=True, text=True,
                         env=dict(os.environ, DNNL_VERBOSE="1", DNNL_VERBOSE_TIMESTAMP="1"))
    if run.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{run.stderr}")
    # onednn_verbose,<start ms>,exec,cpu,<primitive>,...: the timestamp moved to the end, so the
    # fields below are at the places they have without it.
    lines = []
    for line in run.stdout.splitlines():
        f = line.split(",")
        if len(f) > 3 and f[0] in ("dnnl_verbose", "onednn_verbose") and f[2] == "exec":
            lines.append([f[0]] + f[2:] + [f[1]])
    bench = json.loads([l for l in run.stdout.splitlines() if l.startswith("{")][-1])
    runs = a.steps + a.warmup
    if len(lines) % runs != 0:
        sys.exit(f"error: {len(lines)} oneDNN executions are not {runs} equal steps: cannot tell the timed ones")
    timed = lines[len(lines) // runs * a.warmup:]

    time_ms, flops, moved = collections.Counter(), collections.Counter(), collections.Counter()
    busy = []  # (start, end) in ms of every convolution and matrix product
    for f in timed:
        primitive, prop, problem, ms = f[3], f[5], f[-3], float(f[-2])
        if primitive in ("convolution", "matmul", "inner_product"):
            busy.append((float(f[-1]), float(f[-1]) + ms))
        kind = f"{primitive} {prop}" if prop != "undef" else primitive
        time_ms[kind] += ms / a.steps
        if primitive == "convolution":
            flops[kind] += conv_flops(problem) / a.steps
        elif primitive in ("matmul", "inner_product"):
            flops[kind] += matmul_flops(problem) / a.steps
            moved[kind] += matmul_bytes(problem, f[6]) / a.steps

    step_ms = 1000.0 * a.batch / bench["img_s"]
    print(f"{a.graph} {'training' if a.train else 'inference'} batch {a.batch}: step {step_ms:.1f} ms "
          f"({bench['img_s']:.1f} img/s), {a.precision} peak {peak:.0f} GFLOP/s; oneDNN's own time per step:")
    for kind, ms in time_ms.most_common():
        rate = f"  {flops[kind] / ms / 1e6:6.1f} GFLOP/s  {flops[kind] / ms / 1e6 / peak:5.1%} of peak" if flops[kind] else ""
        if moved[kind]:
            # A matrix product at a small batch reads more weight bytes than it does FLOPs per
            # byte: its limit is the memory's, which this line sets it against.
            rate += (f"  {moved[kind] / ms / 1e6:5.1f} GB/s of operands, "
                     f"{moved[kind] / ms / 1e6 / limits['read_gbs']:.0%} of the {limits['read_gbs']:.1f} GB/s DRAM read")
        print(f"  {kind:34s} {ms:8.1f} ms{rate}")
    compute_ms = sum(time_ms[k] for k in flops)
    primitive_flops = sum(flops.values())
    # The step's FLOPs as graphrun counts them (its ops' cost functions): the same numerator as
    # `bench` and `--profile`. Dense's backward products go through dnnl_sgemm, which the verbose
    # mode does not list: leaving its time out makes the bound looser, still a bound.
    step_flops = bench["gflop_per_image"] * a.batch * 1e9
    print(f"  all oneDNN primitives {sum(time_ms.values()):.1f} ms of the {step_ms:.1f} ms step "
          f"(they add up to more than the step where the flow graph ran two at once)")
    print(f"convolution and matmul primitives: {primitive_flops / 1e9:.2f} GFLOP in {compute_ms:.1f} ms = "
          f"{primitive_flops / compute_ms / 1e6:.1f} GFLOP/s, {primitive_flops / compute_ms / 1e6 / peak:.1%} of the peak")
    # Two primitives at once (the flow graph runs independent nodes together) each get part of
    # the cores, so their times add up to more than the wall time they took: the bound is the
    # step's FLOPs over the wall time during which at least one of them ran.
    wall_ms, end = 0.0, float("-inf")
    for start, stop in sorted(busy):
        wall_ms += max(0.0, stop - max(start, end))
        end = max(end, stop)
    wall_ms /= a.steps
    print(f"bound: at least one convolution or matmul ran for {wall_ms:.1f} ms of the {step_ms:.1f} ms step; the "
          f"step's {step_flops / 1e9:.2f} GFLOP in that time alone, everything else free, would be "
          f"{step_flops / wall_ms / 1e6 / peak:.1%} of the peak; the step reaches {step_flops / step_ms / 1e6 / peak:.1%}")

if __name__ == "__main__":
    main()
