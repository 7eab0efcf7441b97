"""The plugin author's path (issue 20): every code snippet of the docs is a file the build
builds; the docs' build commands, run as they are on the installed SDK, build the Square example
outside the tree, optimised, and `graphrun check-op` passes it; check-op fails a gradient that
drops its attr, passes the example plugins, and refuses bad input with one error line; a
plugin given with --plugin satisfies a graph's entry though another copy sits on the path;
a kernel that throws mid-training leaves the state of the steps before it saved.
usage: test_plugin_author.py GRAPHRUN"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
GRAPHRUN = pathlib.Path(sys.argv[1]).resolve()
BUILD = GRAPHRUN.parent
EXAMPLES = BUILD / "example_plugins" / "lib"
FIXTURES = BUILD / "test_plugins" / "lib"
SWISH_GRAPH = ROOT / "graphs" / "alexnet_mini_swish.pb"


def code_blocks(markdown):
    """(language, text) of every fenced block."""
    return re.findall(r"^```(\w*)\n(.*?)^```", markdown, flags=re.S | re.M)


def check_docs_snippets_are_files():
    sources = {}
    for folder in (ROOT / "plugins", ROOT / "tests" / "plugin_fixtures"):
        for f in folder.rglob("*"):
            if f.is_file():
                sources[f.read_text()] = f
    checked = 0
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for language, text in code_blocks(doc.read_text()):
            if language not in ("cpp", "c", "cmake"):
                continue
            if text not in sources:
                fail(f"a {language} block of {doc.name} is no file of plugins/ or tests/plugin_fixtures/ "
                     f"(docs and code must not drift):\n{text[:600]}")
            checked += 1
    if checked < 2:
        fail(f"only {checked} code blocks of the docs were checked against files")


def docs_build_commands():
    """The sh block of docs/plugins.md's '## 2. Build it'."""
    text = (ROOT / "docs" / "plugins.md").read_text()
    section = text[text.index("## 2. Build it"):text.index("## 3.")]
    blocks = [body for language, body in code_blocks(section) if language == "sh"]
    if len(blocks) != 1:
        fail(f"'## 2. Build it' has {len(blocks)} sh blocks, want 1")
    return [line.split("  #")[0].strip() for line in blocks[0].splitlines() if line.strip()]


def check_sdk_as_the_docs_say(tmp):
    """Runs the docs' commands as they are, with this build and a temporary prefix."""
    prefix = tmp / "opt-graphrun"
    work = tmp / "author"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CMAKE_BUILD_TYPE", "CMAKE_GENERATOR")}
    outputs = []
    for line in docs_build_commands():
        line = line.replace("/opt/graphrun", str(prefix)).replace("--install build ", f"--install {BUILD} ")
        p = subprocess.run(["bash", "-c", line], cwd=work, capture_output=True, text=True, env=env, timeout=600)
        if p.returncode != 0:
            fail(f"the docs' command `{line}` failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
        outputs.append(p.stdout)
    for f in ("share/graphrun/examples/square/square.cc", "share/graphrun/examples/swish/CMakeLists.txt",
              "share/graphrun/examples/scaled_tanh/scaled_tanh.cc", "share/graphrun/examples/c/c_negate.c"):
        if not (prefix / f).exists():
            fail(f"cmake --install did not install the example {f}")
    if "Square: all" not in outputs[-1] or "FAILED" in outputs[-1]:
        fail(f"check-op Square on the plugin built as the docs say:\n{outputs[-1]}")
    # No build type given: graphrun_add_plugin compiled it optimised.
    flags = list((work / "square" / "build").rglob("flags.make")) + list((work / "square" / "build").rglob("build.ninja"))
    if not flags or not any("-O3" in f.read_text() for f in flags):
        fail(f"the plugin built without a build type is not compiled with -O3: {[str(f) for f in flags]}")
    return prefix


def check_op_catches_a_dropped_attr():
    lib = FIXTURES / "libleaky_relu_forgot_alpha.so"
    for extra in (["--attr", "alpha=0.1"], []):
        p = run(GRAPHRUN, "check-op", "SlopedRelu", "--plugin", lib, *extra, check=False)
        failed = [line for line in p.stdout.splitlines() if "FAILED" in line]
        if p.returncode != 1 or not any("gradient of input 0" in line for line in failed):
            fail(f"check-op on a gradient that drops alpha ({extra}): exit {p.returncode}\n{p.stdout}{p.stderr}")
        if "got" not in p.stdout or "want" not in p.stdout:
            fail(f"check-op does not print the first mismatches:\n{p.stdout}")
    # The forward kernel and the shape function are right: only the gradient fails.
    p = run(GRAPHRUN, "check-op", "SlopedRelu", "--plugin", lib, "--attr", "alpha=0.1", check=False)
    if "shape function: (float32 [2,3,5,7]) -> (float32 [2,3,5,7]), alpha=0.1" not in p.stdout:
        fail(f"check-op does not show the shape function's result:\n{p.stdout}")


def check_op_passes_the_examples():
    swish, tanh = EXAMPLES / "libswish.so", EXAMPLES / "libscaled_tanh.so"
    for args in (["Swish", "--plugin", swish], ["SwishGrad", "--plugin", swish],
                 ["ScaledTanh", "--plugin", tanh], ["ScaledTanh", "--plugin", tanh, "--attr", "slope=1.5", "--shape", "3,4"],
                 ["ScaledTanhGrad", "--plugin", tanh, "--dtype", "float64"], ["Square", "--plugin", EXAMPLES / "libsquare.so"],
                 ["Relu", "--shape", "4,5"]):
        out = run(GRAPHRUN, "check-op", *args).stdout
        if "checks passed" not in out:
            fail(f"check-op {args}:\n{out}")
    # ScaledTanh's float attrs are checked at a value besides their defaults too.
    out = run(GRAPHRUN, "check-op", "ScaledTanh", "--plugin", tanh).stdout
    if "at scale=" not in out or "at slope=" not in out:
        fail(f"check-op did not check ScaledTanh's gradient at other attr values:\n{out}")


def check_op_refusals():
    tanh = EXAMPLES / "libscaled_tanh.so"
    problems = []
    problems += expect_error(GRAPHRUN, ["check-op", "ScaledTan", "--plugin", tanh], "unknown op 'ScaledTan'")
    problems += expect_error(GRAPHRUN, ["check-op", "ScaledTanh", "--plugin", tanh, "--attr", "slop=1"],
                             "ScaledTanh has no attr 'slop' (its attrs: scale, slope)")
    problems += expect_error(GRAPHRUN, ["check-op", "ScaledTanh", "--plugin", tanh, "--attr", "slope=fast"],
                             "'fast' is not a number")
    problems += expect_error(GRAPHRUN, ["check-op", "ScaledTanh", "--plugin", tanh, "--attr", "slope=-1"],
                             "attr 'slope' must be positive")
    problems += expect_error(GRAPHRUN, ["check-op", "ScaledTanhGrad", "--plugin", tanh, "--shape", "2,3", "--shape", "2,3",
                                        "--shape", "2"], "takes 2 inputs")
    problems += expect_error(GRAPHRUN, ["check-op", "Swish", "--shape", "2,x"], "unknown op 'Swish'")
    problems += expect_error(GRAPHRUN, ["check-op", "Relu", "--shape", "2,x"], "'x' is not an integer")
    if problems:
        fail("\n".join(map(str, problems)))


def check_plugin_flag_beats_another_copy(tmp):
    """The docs' alexnet_mini_swish command while another libswish.so is on GRAPHRUN_PLUGIN_PATH."""
    other = tmp / "other"
    other.mkdir()
    shutil.copy(EXAMPLES / "libswish.so", other / "libswish.so")
    env = dict(os.environ, GRAPHRUN_PLUGIN_PATH=str(other))
    p = subprocess.run([GRAPHRUN, "inspect", SWISH_GRAPH, "--plugin", EXAMPLES / "libswish.so"], capture_output=True,
                       text=True, env=env)
    note = f"plugin 'libswish.so': using {EXAMPLES / 'libswish.so'} (loaded with --plugin), not {other / 'libswish.so'}"
    if p.returncode != 0 or note not in p.stderr:
        fail(f"--plugin with another copy on the path: exit {p.returncode}\n{p.stderr[-2000:]}")
    # A copy beside the graph, too (considered only when the user trusts it: issue 34).
    shutil.copy(SWISH_GRAPH, other / "g.pb")
    p = subprocess.run([GRAPHRUN, "train", other / "g.pb", "--plugin", EXAMPLES / "libswish.so",
                        "--trust-plugins-beside-graph", "--data", "synthetic",
                        "--steps", "2", "--batch-size", "8", "--quiet"], capture_output=True, text=True, timeout=600)
    if p.returncode != 0 or "using" not in p.stderr:
        fail(f"train with --plugin and a copy beside the graph: exit {p.returncode}\n{p.stderr[-2000:]}")


GRAPH = """
node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 28, 28] } } }
node { name: "flat" op: "Flatten" input: "data" }
node { name: "fc1" op: "Dense" input: "flat" attr { name: "units" i: 32 } }
node { name: "boom" op: "Explode" input: "fc1" attr { name: "at_step" i: AT } }
node { name: "fc2" op: "Dense" input: "boom" attr { name: "units" i: 10 } }
node { name: "prob" op: "Softmax" input: "fc2" }
"""


def check_train_keeps_the_steps_before_a_failing_kernel(tmp):
    throwing = FIXTURES / "libthrowing.so"
    common = ["--plugin", throwing, "--data", "synthetic", "--batch-size", "8", "--seed", "3", "--quiet"]
    bad, good = tmp / "bad.pbtxt", tmp / "good.pbtxt"
    bad.write_text(GRAPH.replace("AT", "3"))
    good.write_text(GRAPH.replace("AT", "1000"))
    p = run(GRAPHRUN, "train", bad, "--steps", "10", "--checkpoint-dir", tmp / "bad", *common, check=False)
    last = p.stderr.strip().splitlines()[-1]
    want = ("error: step 4 failed (a kernel's step() is 3): Explode 'boom': kernel 'reference' of plugin "
            f"{throwing} failed: Explode kernel blew up on purpose at step() 3; the state after step 3 is saved in "
            f"{tmp / 'bad' / 'latest.ckpt'}")
    if p.returncode != 2 or not last.startswith(want):
        fail(f"a kernel throwing in step 4: exit {p.returncode}, {last!r}\nwant {want!r}")
    # The saved state is that of 3 good steps: the same weights as 3 steps of the graph whose
    # Explode never throws.
    run(GRAPHRUN, "train", good, "--steps", "3", "--checkpoint-dir", tmp / "good", *common)
    run(GRAPHRUN, "export-weights", tmp / "bad" / "latest.ckpt", tmp / "bad.npz", "--plugin", throwing)
    run(GRAPHRUN, "export-weights", tmp / "good" / "latest.ckpt", tmp / "good.npz", "--plugin", throwing)
    a, b = np.load(tmp / "bad.npz"), np.load(tmp / "good.npz")
    if sorted(a.files) != sorted(b.files) or not all(np.array_equal(a[k], b[k]) for k in a.files):
        fail(f"the checkpoint saved at the failure is not the state after 3 steps: {a.files} / {b.files}")
    # Without --checkpoint-dir the message says nothing was saved, and why.
    p = run(GRAPHRUN, "train", bad, "--steps", "10", *common, check=False)
    if p.returncode != 2 or "nothing was saved (no --checkpoint-dir was given)" not in p.stderr:
        fail(f"a failing step without --checkpoint-dir: {p.stderr[-1000:]}")


def check_ops_shows_training_traits():
    out = run(GRAPHRUN, "ops", "Swish", "--plugin", EXAMPLES / "libswish.so").stdout
    for part in ("gradient: yes", "split rule: elementwise", "cost: declared", "in place: y may reuse x's buffer"):
        if part not in out:
            fail(f"`graphrun ops Swish` lacks {part!r}:\n{out}")
    out = run(GRAPHRUN, "ops", "Explode", "--plugin", FIXTURES / "libthrowing.so").stdout
    if "cost: none" not in out:
        fail(f"`graphrun ops Explode` does not say it has no cost:\n{out}")
    out = run(GRAPHRUN, "ops", "SoftmaxCrossEntropy").stdout
    if "gradient: yes (none for" not in out or "split rule: none" not in out:
        fail(f"`graphrun ops SoftmaxCrossEntropy`:\n{out}")


def main():
    if not (EXAMPLES / "libsquare.so").exists() or not (FIXTURES / "libleaky_relu_forgot_alpha.so").exists():
        print(f"SKIPPED: the plugins are not built next to {GRAPHRUN} (build the 'all' target)")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        check_docs_snippets_are_files()
        check_ops_shows_training_traits()
        check_op_catches_a_dropped_attr()
        check_op_passes_the_examples()
        check_op_refusals()
        check_plugin_flag_beats_another_copy(tmp)
        check_train_keeps_the_steps_before_a_failing_kernel(tmp)
        check_sdk_as_the_docs_say(tmp)
    print("ok")


if __name__ == "__main__":
    main()
