"""graphrun place, dot --placement and --devices / --parallel on train/eval/run/bench, end to end.
usage: test_placement.py GRAPHRUN"""
import json
import pathlib
import sys
import tempfile

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
ALEXNET = ROOT / "graphs" / "alexnet.pb"
TOWERS = ROOT / "graphs" / "alexnet_towers.pb"
MINI = ROOT / "graphs" / "alexnet_mini.pb"


def check_place_json():
    out = json.loads(run(GRAPHRUN, "place", ALEXNET, "--devices", "cpu:0,cpu:1", "--json").stdout)
    names = [d["name"] for d in out["devices"]]
    if names != ["cpu:0", "cpu:1"] or out["batch"] != 128:
        fail(f"place --json devices {names}, batch {out['batch']}")
    if out["devices"][0]["parameters"] != out["devices"][1]["parameters"] or \
            sum(d["parameters"] for d in out["devices"]) != 60965224:
        fail(f"parameters per device: {[d['parameters'] for d in out['devices']]}")
    if not all(d["flops"] > 1e11 for d in out["devices"]):
        fail(f"flops per device: {[d['flops'] for d in out['devices']]}")
    # Memory: each device holds its half of the weights and momentum (4 bytes each); the step's
    # planned peak adds the activations kept for backward, about half the one-device plan's.
    one = json.loads(run(GRAPHRUN, "place", ALEXNET, "--devices", "cpu:0", "--json").stdout)["devices"][0]
    for d in out["devices"]:
        if d["variable_bytes"] != 2 * 4 * 30482612 or not d["peak_bytes"] > d["variable_bytes"]:
            fail(f"place --json memory of {d['name']}: {d}")
        if not 0.45 * one["peak_bytes"] < d["peak_bytes"] < 0.65 * one["peak_bytes"]:
            fail(f"planned peak {d['peak_bytes'] / 2**20:.0f} MiB on {d['name']} vs {one['peak_bytes'] / 2**20:.0f} on one device")
    forward = [t for t in out["transfers"] if t["pass"] == "forward"]
    backward = [t for t in out["transfers"] if t["pass"] == "backward"]
    for t in out["transfers"]:
        for key in ("tensor", "from", "to", "bytes", "consumer"):
            if key not in t:
                fail(f"transfer lacks {key}: {t}")
    if sorted({t["consumer"] for t in forward}) != ["conv3", "fc6", "fc7", "fc8", "loss"]:
        fail(f"forward transfers feed {sorted({t['consumer'] for t in forward})}")
    if sorted((t["tensor"], t["to"], t["from"], t["bytes"]) for t in forward) != \
            sorted((t["gradient_of"], t["from"], t["to"], t["bytes"]) for t in backward):
        fail("the backward transfers do not mirror the forward ones")
    each_way = sum(t["bytes"] for t in forward if t["from"] == "cpu:0") / 1e6
    if abs(each_way - 15.53) > 0.05:
        fail(f"forward cpu:0 -> cpu:1 is {each_way:.2f} MB per step at batch 128, want about 15.5 (the paper's ~15.6)")
    # The hand-placed towers give the same exchange.
    towers = json.loads(run(GRAPHRUN, "place", TOWERS, "--devices", "cpu:0,cpu:1", "--json").stdout)
    if sorted(t["bytes"] for t in towers["transfers"]) != sorted(t["bytes"] for t in out["transfers"]):
        fail("alexnet_towers transfers differ from alexnet split in two")
    text = run(GRAPHRUN, "place", ALEXNET, "--devices", "cpu:0,cpu:1").stdout
    if "conv3" not in text or "forward   cpu:0 -> cpu:1: 15.53 MB" not in text:
        fail(f"place text output:\n{text}")


def check_dot_placement():
    dot = run(GRAPHRUN, "dot", MINI, "--placement", "--devices", "cpu:0,cpu:1").stdout
    if "cluster_0" not in dot or "cluster_1" not in dot or "penwidth=3" not in dot:
        fail("dot --placement lacks device clusters or bold cross-device edges")
    if dot.count("penwidth=3") != 9:  # conv3, fc6, fc7, fc8 both ways, and the softmax's logits
        fail(f"dot --placement draws {dot.count('penwidth=3')} cross-device edges, want 9")


def check_train_eval_across_device_sets(tmp):
    """A checkpoint trained on two devices evaluates the same on one, and back."""
    common = ["--data", "synthetic", "--batch-size", "16", "--steps", "4", "--quiet", "--seed", "3"]
    run(GRAPHRUN, "train", MINI, *common, "--devices", "cpu:0,cpu:1", "--checkpoint-dir", tmp / "two", timeout=300)
    run(GRAPHRUN, "train", MINI, *common, "--devices", "cpu:0", "--checkpoint-dir", tmp / "one", timeout=300)
    for trained in ("two", "one"):
        results = []
        for devices in ("cpu:0", "cpu:0,cpu:1"):
            out = run(GRAPHRUN, "eval", MINI, "--weights", tmp / trained / "latest.ckpt", "--data", "synthetic",
                      "--devices", devices, timeout=300).stdout
            results.append([float(out.split(key)[1].split()[0]) for key in ("top-1", "loss")])
        (top1_a, loss_a), (top1_b, loss_b) = results
        if top1_a != top1_b or abs(loss_a - loss_b) > 1e-5 * abs(loss_a):
            fail(f"checkpoint trained on {trained} device(s): eval on one {results[0]}, on two {results[1]}")
    # run and bench take --devices too.
    out = run(GRAPHRUN, "run", MINI, "--devices", "cpu:0,cpu:1", "--batch-size", "2").stdout
    if "prob: float32 [2,10]" not in out:
        fail(f"run --devices output: {out}")
    bench = json.loads(run(GRAPHRUN, "bench", MINI, "--devices", "cpu:0,cpu:1", "--train", "--batch-size", "8",
                           "--steps", "2", "--warmup", "1", "--json", timeout=300).stdout)
    if bench["devices"] != "cpu:0,cpu:1" or bench["img_s"] <= 0:
        fail(f"bench --devices: {bench}")


def check_parallel_modes(tmp):
    """--parallel data and hybrid through place, dot, train and eval."""
    params = 60965224
    data = json.loads(run(GRAPHRUN, "place", ALEXNET, "--devices", "cpu:0,cpu:1", "--parallel", "data", "--json").stdout)
    if data["parallel"] != "data" or [d["parameters"] for d in data["devices"]] != [params, params]:
        fail(f"place --parallel data: every device holds every weight: {[d['parameters'] for d in data['devices']]}")
    backward = sum(t["bytes"] for t in data["transfers"] if t["pass"] == "backward")
    # Each variable's gradient goes to the device that sums it and the sum comes back (8 bytes per
    # parameter), and the logits' gradient returns to the device that computed them.
    if backward != 8 * params + 64 * 1000 * 4:
        fail(f"place --parallel data: backward transfers {backward} bytes, want {8 * params + 64 * 1000 * 4}")
    hybrid = json.loads(run(GRAPHRUN, "place", ALEXNET, "--devices", "cpu:0,cpu:1", "--parallel", "hybrid",
                            "--json").stdout)
    per_device = [d["parameters"] for d in hybrid["devices"]]
    # The convolutions replicated (2,334,080 weights), the fully connected layers halved.
    if per_device != [2334080 + (params - 2334080) // 2] * 2:
        fail(f"place --parallel hybrid: parameters per device {per_device}")
    total = lambda r: sum(t["bytes"] for t in r["transfers"])
    if not total(hybrid) < total(data) / 4:
        fail(f"hybrid should move far less than data parallelism: {total(hybrid)} vs {total(data)} bytes")
    dot = run(GRAPHRUN, "dot", MINI, "--placement", "--devices", "cpu:0,cpu:1", "--parallel", "data", "--params").stdout
    if "conv1/weight/replica_1" not in dot or "cluster_1" not in dot:
        fail("dot --placement --parallel data does not draw the replicas")

    # A model trained data-parallel equals one trained on one device; it evaluates the same on one
    # device and on two in any mode.
    common = ["--data", "synthetic", "--batch-size", "16", "--steps", "4", "--quiet", "--seed", "3"]
    run(GRAPHRUN, "train", MINI, *common, "--devices", "cpu:0", "--checkpoint-dir", tmp / "one", timeout=300)
    run(GRAPHRUN, "train", MINI, *common, "--devices", "cpu:0,cpu:1", "--parallel", "data", "--checkpoint-dir",
        tmp / "data", timeout=300)
    losses = {}
    for trained, devices, mode in (("one", "cpu:0", "model"), ("data", "cpu:0", "model"),
                                   ("data", "cpu:0,cpu:1", "data"), ("data", "cpu:0,cpu:1", "hybrid")):
        out = run(GRAPHRUN, "eval", MINI, "--weights", tmp / trained / "latest.ckpt", "--data", "synthetic",
                  "--devices", devices, "--parallel", mode, timeout=300).stdout
        losses[(trained, devices, mode)] = float(out.split("loss")[1].split()[0])
    first = losses[("one", "cpu:0", "model")]
    if any(abs(loss - first) > 1e-4 * abs(first) for loss in losses.values()):
        fail(f"eval losses of data-parallel training differ from one device's: {losses}")

    problems = []
    problems += expect_error(GRAPHRUN, ["place", MINI, "--devices", "cpu:0,cpu:1,cpu:2", "--parallel", "data",
                                        "--batch-size", "16"],
                             "--parallel data: the batch of 16 samples does not divide among 3 devices")
    problems += expect_error(GRAPHRUN, ["run", MINI, "--devices", "cpu:0,cpu:1,cpu:2,cpu:3", "--parallel", "hybrid",
                                        "--batch-size", "2"], "4 devices but a batch of only 2 samples")
    convs = tmp / "convs.pbtxt"
    convs.write_text('name: "convs"\n'
                     'node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 8, 8] } } }\n'
                     'node { name: "conv" op: "Conv2D" input: "data" attr { name: "filters" i: 4 } '
                     'attr { name: "kernel" i: 3 } }\n')
    problems += expect_error(GRAPHRUN, ["run", convs, "--devices", "cpu:0,cpu:1", "--parallel", "hybrid",
                                        "--batch-size", "2"], "graph 'convs' has no fully connected layer (Dense)")
    problems += expect_error(GRAPHRUN, ["place", TOWERS, "--devices", "cpu:0,cpu:1", "--parallel", "data"],
                             "cannot run on each device's share of the batch: it is placed on")
    if problems:
        fail("; ".join(problems))


def check_errors():
    problems = []
    problems += expect_error(GRAPHRUN, ["place", MINI, "--devices", "cpu:0,cpu:0"], "cpu:0 is listed twice")
    # A batch the machine cannot hold is refused by the memory plan before anything is allocated.
    problems += expect_error(GRAPHRUN, ["bench", ALEXNET, "--train", "--batch-size", "1000000"],
                             "needs about", timeout=30)
    problems += expect_error(GRAPHRUN, ["train", ROOT / "graphs" / "vgg19.pb", "--data", "fashion-mnist", "--batch-size", "50000",
                                        "--devices", "cpu:0,cpu:1"], "GiB on cpu:0+cpu:1", timeout=60)
    problems += expect_error(GRAPHRUN, ["place", MINI, "--devices", "cpu:0,npu:1"], "unknown device 'npu:1'")
    problems += expect_error(GRAPHRUN, ["place", MINI, "--devices", "cpu:0,"], "empty device name")
    problems += expect_error(GRAPHRUN, ["place", TOWERS, "--devices", "cpu:0"], "which is not among the devices (cpu:0)")
    # On a GPU this runs; else one clear error: a build without CUDA has no GPU kernels, a CUDA
    # build on a machine without a GPU says the device is not available.
    gpu = run(GRAPHRUN, "run", MINI, "--devices", "gpu:0", check=False)
    if gpu.returncode != 0:
        for expected in ("no kernel for float32 on gpu:0 (kernels: cpu/", "device gpu:0 is not available"):
            found = expect_error(GRAPHRUN, ["run", MINI, "--devices", "gpu:0"], expected)
            if not found:
                break
        problems += found
    if problems:
        fail("; ".join(problems))


if __name__ == "__main__":
    GRAPHRUN = sys.argv[1]
    check_place_json()
    check_dot_placement()
    check_errors()
    with tempfile.TemporaryDirectory() as tmp:
        check_train_eval_across_device_sets(pathlib.Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        check_parallel_modes(pathlib.Path(tmp))
    print("ok")
