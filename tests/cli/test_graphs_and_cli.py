"""The model graphs and every subcommand, through the built binary.
usage: test_graphs_and_cli.py GRAPHRUN"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
GRAPHS = ROOT / "graphs"

# ../shared/reference/ALEXNET.md
EXPECTED_PARAMETERS = {"alexnet": 60_965_224, "vgg11": 132_863_336, "vgg16": 138_357_544, "vgg19": 143_667_240}
ALEXNET_LAYERS = ["conv1", "relu1", "norm1", "pool1", "conv2", "relu2", "norm2", "pool2", "conv3", "relu3", "conv4",
                  "relu4", "conv5", "relu5", "pool5", "flatten", "fc6", "relu6", "drop6", "fc7", "relu7", "drop7", "fc8"]
ALEXNET_PER_LAYER = {"conv1": 34_944, "conv2": 307_456, "conv3": 885_120, "conv4": 663_936, "conv5": 442_624,
                     "fc6": 37_752_832, "fc7": 16_781_312, "fc8": 4_097_000}


def inspect(path):
    return json.loads(run(GRAPHRUN, "inspect", path, "--json").stdout)


def check_graphs():
    for name, want in EXPECTED_PARAMETERS.items():
        info = inspect(GRAPHS / f"{name}.pb")
        if info["parameters"] != want:
            fail(f"{name}: {info['parameters']} parameters, ALEXNET.md says {want}")
    info = inspect(GRAPHS / "alexnet.pb")
    names = [n["name"] for n in info["nodes"] if not n["implicit"]]
    missing = [layer for layer in ALEXNET_LAYERS if layer not in names]
    if missing:
        fail(f"alexnet: layers {missing} missing")
    by_name = {n["name"]: n for n in info["nodes"]}
    for layer, want in ALEXNET_PER_LAYER.items():
        if by_name[layer]["parameters"] != want:
            fail(f"alexnet {layer}: {by_name[layer]['parameters']} parameters, want {want}")
    shapes = {"conv1": [1, 96, 55, 55], "pool1": [1, 96, 27, 27], "conv2": [1, 256, 27, 27], "pool2": [1, 256, 13, 13],
              "conv5": [1, 256, 13, 13], "pool5": [1, 256, 6, 6], "flatten": [1, 9216], "fc8": [1, 1000]}
    for layer, want in shapes.items():
        if by_name[layer]["output_shapes"][0] != want:
            fail(f"alexnet {layer}: output {by_name[layer]['output_shapes'][0]}, want {want}")
    # About 724 M multiply-adds per image (ALEXNET.md): 1.45 GFLOP, within 5%.
    if not 1.38e9 < info["flops_forward"] < 1.52e9:
        fail(f"alexnet: {info['flops_forward']:.3g} FLOPs per image forward, ALEXNET.md says about 1.45e9")
    variables = {v["name"]: v["shape"] for v in info["variables"]}
    if variables.get("conv2/weight") != [256, 48, 5, 5] or variables.get("fc6/weight") != [4096, 9216]:
        fail(f"alexnet variables not OIHW / [out, in]: {variables}")
    mini = inspect(GRAPHS / "alexnet_mini.pb")
    ops = {n["op"] for n in mini["nodes"]}
    for op in ("Conv2D", "LRN", "MaxPool", "Dropout", "Dense"):
        if op not in ops:
            fail(f"alexnet_mini has no {op}")
    if sum(1 for n in mini["nodes"] if n["op"] == "Dense") != 3:
        fail("alexnet_mini must have three fully connected layers")


def check_convert(tmp):
    for src in sorted(GRAPHS.glob("*.pbtxt")):
        pb, txt, pb2 = tmp / "a.pb", tmp / "b.pbtxt", tmp / "c.pb"
        run(GRAPHRUN, "convert", src, pb)
        run(GRAPHRUN, "convert", pb, txt)
        run(GRAPHRUN, "convert", txt, pb2)
        if pb.read_bytes() != pb2.read_bytes():
            fail(f"{src.name}: text -> binary -> text -> binary does not round-trip exactly")
        built = GRAPHS / (src.stem + ".pb")
        if built.read_bytes() != pb.read_bytes():
            fail(f"{built} is out of date with {src.name}: rebuild (the build converts every .pbtxt)")


def check_run_and_outputs(tmp):
    p = run(GRAPHRUN, "run", GRAPHS / "alexnet.pb", "--batch-size", "2")
    if "prob: float32 [2,1000]" not in p.stdout or "top-5" not in p.stdout:
        fail(f"run alexnet: no top-5 output:\n{p.stdout}")
    out = tmp / "y.npy"
    run(GRAPHRUN, "run", GRAPHS / "alexnet_mini.pb", "--batch-size", "3", "--fetch", "fc8", "--output", out)
    import numpy as np
    y = np.load(out)
    if y.shape != (3, 10) or not np.all(np.isfinite(y)):
        fail(f"run --output wrote {y.shape}")
    # A fetched convolution keeps its own output (the activation fusion leaves it alone), and
    # the ReLU after it is its positive part.
    both = tmp / "conv_relu.npz"
    run(GRAPHRUN, "run", GRAPHS / "alexnet_mini.pb", "--batch-size", "2", "--fetch", "conv1", "--fetch", "relu1",
        "--output", both)
    arrays = np.load(both)
    if arrays["conv1"].min() >= 0 or not np.array_equal(arrays["relu1"], np.maximum(arrays["conv1"], 0)):
        fail("run --fetch conv1 --fetch relu1: relu1 is not max(conv1, 0), or conv1 has no negative value")
    # The same seed gives the same output; a fed input is used as given.
    x = np.random.RandomState(0).randn(2, 1, 28, 28).astype(np.float32)
    np.save(tmp / "x.npy", x)
    a = tmp / "a.npy"
    b = tmp / "b.npy"
    run(GRAPHRUN, "run", GRAPHS / "alexnet_mini.pb", "--input", f"data={tmp / 'x.npy'}", "--output", a)
    run(GRAPHRUN, "run", GRAPHS / "alexnet_mini.pb", "--input", f"data={tmp / 'x.npy'}", "--output", b)
    if not np.array_equal(np.load(a), np.load(b)):
        fail("two runs with the same seed and input differ")
    if not np.allclose(np.load(a).sum(axis=1), 1.0, atol=1e-5):
        fail("prob rows do not sum to 1")


def check_other_commands(tmp):
    p = run(GRAPHRUN, "ops")
    for op in ("Conv2D", "LRN", "MaxPool", "AvgPool", "Dense", "Dropout", "Softmax", "Concat", "Slice", "Split", "Add",
               "AddN", "Identity", "Reshape", "Flatten", "Relu", "Placeholder", "Variable"):
        if f"\n{op} [" not in "\n" + p.stdout:
            fail(f"graphrun ops does not list {op}")
    if "cpu/float32/onednn" not in p.stdout or "cpu/float64/reference" not in p.stdout:
        fail("graphrun ops does not show kernels per device and dtype")
    detail = run(GRAPHRUN, "ops", "Conv2D").stdout
    if "attr   groups (int, default 1)" not in detail:
        fail(f"graphrun ops Conv2D lacks attr defaults:\n{detail}")

    dot = run(GRAPHRUN, "dot", GRAPHS / "alexnet.pb").stdout
    if "[1,96,55,55]" not in dot or not dot.startswith("digraph"):
        fail("dot output lacks shapes on edges")
    # graphviz is a test package (tools/dev.sh): the picture is always rendered.
    png = tmp / "alexnet.png"
    subprocess.run(["dot", "-Tpng", "-o", png], input=dot, text=True, check=True)
    if png.stat().st_size < 1000:
        fail("dot rendered an empty picture")

    bench = json.loads(run(GRAPHRUN, "bench", GRAPHS / "alexnet_mini.pb", "--batch-size", "4", "--steps", "2",
                           "--json").stdout)
    if bench["batch"] != 4 or bench["img_s"] <= 0 or bench["gflop_per_image"] <= 0 or bench["gflop_s"] <= 0:
        fail(f"bench --json: {bench}")
    # --precision bf16: mixed precision where the CPU has AVX512_BF16, else an error naming it.
    bf16_args = ["bench", GRAPHS / "alexnet_mini.pb", "--train", "--batch-size", "4", "--steps", "1", "--json",
                 "--precision", "bf16"]
    if "avx512_bf16" in pathlib.Path("/proc/cpuinfo").read_text():
        bf16 = json.loads(run(GRAPHRUN, *bf16_args).stdout)
        if bf16["precision"] != "bf16" or bf16["img_s"] <= 0:
            fail(f"bench --precision bf16: {bf16}")
        for p in expect_error(GRAPHRUN, bf16_args + ["--devices", "cpu:0,cpu:1"], "runs on one CPU device"):
            fail(f"bench --precision bf16 on two devices: {p}")
    else:
        for p in expect_error(GRAPHRUN, bf16_args, "AVX512_BF16"):
            fail(f"bench --precision bf16 without AVX512_BF16: {p}")
    # --profile: where a training step's time goes by op and node; --trace: a Chrome trace.
    trace = tmp / "trace.json"
    out = run(GRAPHRUN, "bench", GRAPHS / "alexnet_mini.pb", "--train", "--batch-size", "4", "--steps", "2",
              "--warmup", "1", "--devices", "cpu:0,cpu:1", "--profile", "--top", "3", "--trace", trace).stdout
    for want in ("profile of 2 runs", "Conv2DBackpropFilter", "slowest nodes", "GFLOP/s", "of the fp32 peak"):
        if want not in out:
            fail(f"bench --profile lacks {want!r}:\n{out}")
    slowest = out.split("slowest nodes")[1].strip().splitlines()[1:]
    if len(slowest) != 3:
        fail(f"bench --profile --top 3 listed {len(slowest)} nodes")
    events = json.loads(trace.read_text())["traceEvents"]
    devices = {e["args"]["name"] for e in events if e["ph"] == "M"}
    ops = {e["cat"] for e in events if e["ph"] == "X"}
    if devices != {"cpu:0", "cpu:1"} or not {"Conv2DRelu", "Send", "Recv", "FusedApplyMomentum"} <= ops:
        fail(f"bench --trace: devices {devices}, ops {sorted(ops)}")

    for sub in ("inspect", "convert", "run", "ops", "bench", "dot"):
        if "--help" not in run(GRAPHRUN, sub, "--help").stdout:
            fail(f"graphrun {sub} --help prints no help")


def check_bad_run_inputs(tmp):
    problems = []
    truncated = tmp / "trunc.npz"
    run(GRAPHRUN, "run", GRAPHS / "alexnet_mini.pb", "--output", tmp / "unused.npy")
    # A weights file cut short, a weights file of another graph, a bad .npy input, a bad device.
    import numpy as np
    weights = {"conv1/weight": np.zeros((64, 1, 5, 5), np.float32)}
    np.savez(tmp / "partial.npz", **weights)
    np.savez(tmp / "full.npz", **{"conv1/weight": np.zeros((64, 1, 5, 5), np.float32), "x": np.zeros(3)})
    truncated.write_bytes((tmp / "full.npz").read_bytes()[:200])
    (tmp / "bad.npy").write_bytes(b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'")
    mini = GRAPHS / "alexnet_mini.pb"
    cases = [
        (["run", mini, "--weights", truncated], "trunc.npz"),
        (["run", mini, "--weights", tmp / "partial.npz"], "no array for variable(s) conv1/bias"),
        (["run", mini, "--weights", tmp / "nothing.npz"], "nothing.npz"),
        (["run", mini, "--input", f"data={tmp / 'bad.npy'}"], "bad.npy"),
        (["run", mini, "--input", "data"], "expected NAME=FILE.npy"),
        (["run", mini, "--device", "cpu:x"], "bad device ordinal"),
        (["run", mini, "--batch-size", "-3"], "--batch-size must be at least 1"),
        (["run", mini, "--fetch", "nosuch"], "no node 'nosuch'"),
    ]
    np.save(tmp / "wrong.npy", np.zeros((2, 3, 28, 28), np.float32))
    cases.append((["run", mini, "--input", f"data={tmp / 'wrong.npy'}"], "Placeholder 'data' expects float32 [2,1,28,28]"))
    for args, expected in cases:
        problems += [f"{' '.join(map(str, args))}: {p}" for p in expect_error(GRAPHRUN, args, expected)]
    if problems:
        fail("\n".join(problems))


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    # Graphs that use the example plugins (alexnet_mini_swish) find them as the build does.
    os.environ["GRAPHRUN_PLUGIN_PATH"] = os.path.join(os.path.dirname(GRAPHRUN), "example_plugins", "lib")
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_graphs()
        check_convert(tmp)
        check_run_and_outputs(tmp)
        check_other_commands(tmp)
        check_bad_run_inputs(tmp)
    print("graphs and CLI: all checks passed")
