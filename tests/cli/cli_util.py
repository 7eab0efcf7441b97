"""Helpers for the command-line tests: run graphrun, check one-line errors, compare a graph's
forward pass with a PyTorch build of it (the oracle tests; torch is imported only there)."""
import subprocess
import sys

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")


def run(graphrun, *args, timeout=120, check=True):
    """Runs graphrun; with check, a non-zero exit fails the test with its stderr."""
    p = subprocess.run([graphrun, *map(str, args)], capture_output=True, text=True, timeout=timeout)
    for mark in SANITIZER_MARKS:
        if mark in p.stderr:
            fail(f"graphrun {' '.join(map(str, args))}: sanitizer report:\n{p.stderr[-3000:]}")
    if check and p.returncode != 0:
        fail(f"graphrun {' '.join(map(str, args))} exited {p.returncode}:\n{p.stderr[-3000:]}")
    return p


def expect_error(graphrun, args, expected, timeout=120):
    """graphrun must exit 2 with exactly one line `error: ...` containing `expected`."""
    try:
        p = run(graphrun, *args, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        fail(f"graphrun {' '.join(map(str, args))} hung (> {timeout} s)")
    lines = p.stderr.strip().splitlines()
    problems = []
    if p.returncode != 2:
        problems.append(f"exit code {p.returncode}, want 2")
    if len(lines) != 1 or not lines[0].startswith("error: "):
        problems.append(f"stderr is not one 'error: ' line: {p.stderr[-2000:]!r}")
    elif expected not in lines[0]:
        problems.append(f"error does not contain {expected!r}: {lines[0]!r}")
    return problems


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def randomize(modules, seed):
    """He-scaled random weights (so activations keep their size through deep stacks) and small
    random biases, drawn in order for each of {graphrun name: torch module} that has weights; the
    same values by graphrun variable name ("conv1/weight"), for an .npz."""
    import torch
    g = torch.Generator().manual_seed(seed)
    weights = {}
    for name, module in modules.items():
        if hasattr(module, "weight"):
            fan_in = module.weight[0].numel()
            module.weight.data = torch.randn(module.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5
            module.bias.data = torch.rand(module.bias.shape, generator=g) * 0.2 - 0.1
            weights[f"{name}/weight"] = module.weight.data.numpy()
            weights[f"{name}/bias"] = module.bias.data.numpy()
    return weights


def oracle_check(graphrun, name, about, graph, weights, x, torch_forward, tolerance, tmp):
    """`graph`'s fc8 from graphrun with `weights` (randomize) on input `x` must equal
    torch_forward(x), with the same weights, within `tolerance` relative error
    (max |graphrun - pytorch| / max |pytorch|); prints it after `name: about`."""
    import numpy as np
    import torch
    np.savez(tmp / "weights.npz", **weights)
    np.save(tmp / "x.npy", x)
    run(graphrun, "run", graph, "--weights", tmp / "weights.npz", "--input", f"data={tmp / 'x.npy'}", "--fetch", "fc8",
        "--output", tmp / "fc8.npy", timeout=600)
    got = np.load(tmp / "fc8.npy")
    with torch.no_grad():
        want = torch_forward(torch.from_numpy(x)).numpy()
    err = np.abs(got - want).max() / np.abs(want).max()
    print(f"{name}: {about}; max |graphrun - pytorch| / max |pytorch| = {err:.2e}")
    if got.shape != want.shape or not err < tolerance:
        fail(f"{name}: output {got.shape} vs {want.shape}, relative error {err:.3g} >= {tolerance:g}")
