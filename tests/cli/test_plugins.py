"""Operator plugins through the command line: --plugin on subcommands, a graph's plugin list,
`graphrun ops` naming libraries, training a graph that uses a plugin op, every loader refusal
as one `error:` line, and the SDK: `cmake --install` then a plugin built outside the tree with
find_package(graphrun), loaded by the installed graphrun.
usage: test_plugins.py GRAPHRUN"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
GRAPHRUN = pathlib.Path(sys.argv[1]).resolve()
BUILD = GRAPHRUN.parent
SWISH = BUILD / "example_plugins" / "lib" / "libswish.so"
TANH = BUILD / "example_plugins" / "lib" / "libscaled_tanh.so"
FIXTURES = BUILD / "test_plugins" / "lib"
SWISH_GRAPH = ROOT / "graphs" / "alexnet_mini_swish.pb"


def check_ops_names_libraries():
    out = run(GRAPHRUN, "ops", "--plugin", SWISH, "--plugin", TANH).stdout
    for op, lib in (("Swish", SWISH), ("SwishGrad", SWISH), ("ScaledTanh", TANH), ("Relu", "builtin")):
        if f"{op} [{lib}]" not in out:
            fail(f"`graphrun ops` does not show {op} from {lib}:\n{out[:2000]}")
    detail = run(GRAPHRUN, "ops", "ScaledTanh", "--plugin", TANH).stdout
    for part in ("attr   scale (float, default 1.7159)", "attr   slope (float, default", "cpu/float64/reference"):
        if part not in detail:
            fail(f"`graphrun ops ScaledTanh` lacks {part!r}:\n{detail}")


def check_graph_plugin_list(tmp):
    # Found along GRAPHRUN_PLUGIN_PATH, with no --plugin.
    env = dict(os.environ, GRAPHRUN_PLUGIN_PATH=str(SWISH.parent))
    p = subprocess.run([GRAPHRUN, "inspect", SWISH_GRAPH, "--json"], capture_output=True, text=True, env=env)
    if p.returncode != 0:
        fail(f"inspect with GRAPHRUN_PLUGIN_PATH failed: {p.stderr}")
    ops = {n["op"] for n in json.loads(p.stdout)["nodes"]}
    if "Swish" not in ops:
        fail(f"alexnet_mini_swish has no Swish node: {ops}")
    # Found next to the graph file.
    shutil.copy(SWISH, tmp / "libswish.so")
    shutil.copy(SWISH_GRAPH, tmp / "g.pb")
    run(GRAPHRUN, "inspect", tmp / "g.pb")
    # Not found: the error names the graph, the entry and where it looked.
    clean = dict(os.environ)
    clean.pop("GRAPHRUN_PLUGIN_PATH", None)
    p = subprocess.run([GRAPHRUN, "inspect", SWISH_GRAPH], capture_output=True, text=True, env=clean)
    line = p.stderr.strip()
    if p.returncode != 2 or "plugin 'libswish.so' not found (tried" not in line or "alexnet_mini_swish.pb" not in line:
        fail(f"a graph whose plugin is missing: exit {p.returncode}, {line!r}")


def check_train_with_plugin(tmp):
    metrics = tmp / "m.jsonl"
    run(GRAPHRUN, "train", SWISH_GRAPH, "--plugin", SWISH, "--data", "synthetic", "--steps", "5", "--batch-size", "16",
        "--quiet", "--metrics", metrics, timeout=600)
    steps = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [m for m in steps if m["type"] == "step"]
    if len(steps) != 5 or not all(np.isfinite(m["loss"]) for m in steps):
        fail(f"training alexnet_mini_swish: {steps}")


def check_refusals(tmp):
    problems = []
    problems += expect_error(GRAPHRUN, ["ops", "--plugin", tmp / "nope.so"], "nope.so' not found")
    problems += expect_error(GRAPHRUN, ["ops", "--plugin", FIXTURES / "libnot_a_plugin.so"], "is not a graphrun plugin")
    problems += expect_error(GRAPHRUN, ["ops", "--plugin", FIXTURES / "libnewer_abi.so"],
                             "was built for plugin ABI version 4, newer than this graphrun's (3")
    problems += expect_error(GRAPHRUN, ["ops", "--plugin", SWISH, "--plugin", FIXTURES / "libdup_swish.so"],
                             f"op 'Swish' is registered twice: by {SWISH} and by {FIXTURES / 'libdup_swish.so'}")
    graph = tmp / "explode.pbtxt"
    graph.write_text('plugin: "libthrowing.so"\n'
                     'node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } }\n'
                     'node { name: "boom" op: "Explode" input: "x" }\n')
    shutil.copy(FIXTURES / "libthrowing.so", tmp / "libthrowing.so")
    problems += expect_error(GRAPHRUN, ["run", graph],
                             f"Explode 'boom': kernel 'reference' of plugin {tmp / 'libthrowing.so'} failed: "
                             "Explode kernel blew up on purpose")
    if problems:
        fail("\n".join(map(str, problems)))


def check_sdk_install(tmp):
    """The user's path: install graphrun, build a plugin outside the tree with find_package."""
    prefix = tmp / "prefix"
    subprocess.run(["cmake", "--install", BUILD, "--prefix", prefix], check=True, capture_output=True)
    for f in ("include/graphrun/plugin.h", "include/graphrun/plugin.hpp", "lib/cmake/graphrun/graphrunConfig.cmake",
              "bin/graphrun"):
        if not (prefix / f).exists():
            fail(f"cmake --install did not install {f}")
    src = tmp / "my_plugin"
    shutil.copytree(ROOT / "plugins" / "scaled_tanh", src)  # outside graphrun's tree
    build = tmp / "my_plugin_build"
    for cmd in (["cmake", "-S", src, "-B", build, "-G", "Ninja", f"-DCMAKE_PREFIX_PATH={prefix}",
                 "-DCMAKE_BUILD_TYPE=Release"],
                ["cmake", "--build", build]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            fail(f"{' '.join(map(str, cmd))}:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    out = run(prefix / "bin" / "graphrun", "ops", "ScaledTanh", "--plugin", build / "libscaled_tanh.so").stdout
    if f"ScaledTanh [{build / 'libscaled_tanh.so'}]" not in out:
        fail(f"installed graphrun did not load the out-of-tree plugin:\n{out}")


def main():
    if not SWISH.exists() or not (FIXTURES / "libthrowing.so").exists():
        print(f"SKIPPED: the plugins are not built next to {GRAPHRUN} (build the 'all' target)")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_ops_names_libraries()
        check_graph_plugin_list(tmp)
        check_refusals(tmp)
        check_train_with_plugin(tmp)
        check_sdk_install(tmp)
    print("ok")


if __name__ == "__main__":
    main()
