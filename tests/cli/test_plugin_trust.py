"""Opening a model never runs code that came with it (issue 34): a graph that lists a plugin,
with a booby-trapped library beside it (its constructor writes a marker file the moment it is
loaded), is opened by every subcommand that takes a graph, also through a .pb, an absolute and
a `../` entry, an ONNX model and the working directory: each fails with one error line saying
how to load a plugin deliberately, and the marker is never written. --plugin,
GRAPHRUN_PLUGIN_PATH and --trust-plugins-beside-graph load it; the checks before dlopen refuse
a library that is no plugin or that others can write, before its constructor runs.
usage: test_plugin_trust.py GRAPHRUN"""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import numpy as np

from cli_util import fail, run

GRAPHRUN = pathlib.Path(sys.argv[1]).resolve()
FIXTURES = GRAPHRUN.parent / "test_plugins" / "lib"
TRAP = "libbooby_trap.so"

GRAPH = """
node { name: "data" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 4, 4] } } }
node { name: "flat" op: "Flatten" input: "data" }
node { name: "fc" op: "Dense" input: "flat" attr { name: "units" i: 3 } }
node { name: "prob" op: "Softmax" input: "fc" }
"""


def graphrun(*args, env_extra=None):
    env = dict(os.environ)
    env.pop("GRAPHRUN_PLUGIN_PATH", None)
    env.update(env_extra or {})
    return subprocess.run([GRAPHRUN, *map(str, args)], capture_output=True, text=True, env=env, timeout=300)


class Trap:
    def __init__(self, tmp):
        self.marker = tmp / "marker"
        os.environ["GRAPHRUN_TEST_MARKER"] = str(self.marker)

    def check_not_run(self, what, p, expected):
        lines = p.stderr.strip().splitlines()
        if self.marker.exists():
            fail(f"{what}: the booby-trapped library ran (the marker was written)")
        if p.returncode != 2 or not lines or not lines[-1].startswith("error: ") or expected not in lines[-1]:
            fail(f"{what}: exit {p.returncode}, want 2 and an error with {expected!r}:\n{p.stderr[-2000:]}")
        return lines[-1]

    def check_ran(self, what, p):
        if p.returncode != 0 or not self.marker.exists():
            fail(f"{what}: exit {p.returncode}, marker written: {self.marker.exists()}\n{p.stderr[-2000:]}")
        self.marker.unlink()


def make_model(tmp):
    """model/g.pbtxt, g.pb, abs.pbtxt (absolute entry) beside the trap; other/rel.pbtxt (../ entry)."""
    model, other = tmp / "model", tmp / "other"
    model.mkdir()
    other.mkdir()
    shutil.copy(FIXTURES / TRAP, model / TRAP)
    (model / "g.pbtxt").write_text(f'plugin: "{TRAP}"\n' + GRAPH)
    (model / "abs.pbtxt").write_text(f'plugin: "{model / TRAP}"\n' + GRAPH)
    (other / "rel.pbtxt").write_text(f'plugin: "../model/{TRAP}"\n' + GRAPH)
    run(GRAPHRUN, "convert", model / "g.pbtxt", model / "g.pb", "--no-check")  # reads, loads nothing
    np.save(model / "x.npy", np.zeros((2, 1, 4, 4), np.float32))
    np.save(model / "y.npy", np.zeros((2,), np.int64))
    np.savez(model / "w.npz", dummy=np.zeros(1, np.float32))
    return model, other


def subcommands(model, graph):
    """Every subcommand that opens a graph file, with arguments it accepts."""
    out = model.parent / "out"
    return [
        ["inspect", graph], ["dot", graph], ["run", graph], ["place", graph, "--devices", "cpu:0,cpu:1"],
        ["bench", graph, "--steps", "1"], ["train", graph, "--data", "synthetic", "--steps", "1"],
        ["eval", graph, "--weights", model / "w.npz", "--data", "synthetic"],
        ["gradients", graph, "--input", model / "x.npy", "--labels", model / "y.npy", "--output", out / "g.npz"],
        ["export", graph, "-o", out / "m.onnx"], ["classify", graph, model / "none.png", "--weights", model / "w.npz"],
        ["convert", graph, out / "c.pb"], ["convert", graph, out / "c.pbtxt", "--dense", "8"],
    ]


def check_nothing_shipped_runs(trap, model, other):
    os.chdir(model)  # the working directory holds the library too: it is not trusted either
    expected = f"plugin '{TRAP}' not found"
    for graph in (model / "g.pbtxt", model / "g.pb", pathlib.Path("g.pbtxt")):
        for args in subcommands(model, graph):
            line = trap.check_not_run(" ".join(map(str, args)), graphrun(*args), expected)
            for part in ("--trust-plugins-beside-graph", "--plugin PATH", "GRAPHRUN_PLUGIN_PATH"):
                if part not in line:
                    fail(f"{' '.join(map(str, args))}: the error does not say {part!r}: {line}")
    line = trap.check_not_run("inspect g.pbtxt", graphrun("inspect", model / "g.pbtxt"), expected)
    if f"{model / TRAP} was not loaded" not in line:
        fail(f"the error does not name the library it did not load: {line}")
    for graph, entry in ((model / "abs.pbtxt", str(model / TRAP)), (other / "rel.pbtxt", f"../model/{TRAP}")):
        for args in subcommands(model, graph):
            trap.check_not_run(" ".join(map(str, args)), graphrun(*args), f"plugin '{entry}' not found")
    # A graph needing two plugins, one given and one not, loads neither.
    both = model / "both.pbtxt"
    both.write_text(f'plugin: "{TRAP}"\nplugin: "libmissing.so"\n' + GRAPH)
    trap.check_not_run("a graph missing its second plugin", graphrun("inspect", both, env_extra={
        "GRAPHRUN_PLUGIN_PATH": str(FIXTURES)}), "plugin 'libmissing.so' not found")
    os.chdir(model.parent)


def check_onnx_names_no_plugin(trap, model):
    """An ONNX model cannot name a plugin: a node of another domain is refused, nothing loaded."""
    try:
        import onnx
        from onnx import TensorProto, helper
    except ImportError:
        return
    node = helper.make_node("BoobyTrap", ["x"], ["y"], domain="com.example")
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.example", 1)])
    m.metadata_props.add(key="plugin", value=TRAP)
    onnx.save(m, model / "m.onnx")
    for args in (["inspect", model / "m.onnx"], ["convert", model / "m.onnx", model / "m.pbtxt"]):
        trap.check_not_run(" ".join(map(str, args)), graphrun(*args), "unknown domain")


def check_deliberate_loading(trap, model, other):
    trap.check_ran("--trust-plugins-beside-graph", graphrun("inspect", model / "g.pbtxt", "--trust-plugins-beside-graph"))
    trap.check_ran("--trust-plugins-beside-graph, absolute entry",
                   graphrun("run", model / "abs.pbtxt", "--trust-plugins-beside-graph"))
    trap.check_ran("--trust-plugins-beside-graph, ../ entry",
                   graphrun("dot", other / "rel.pbtxt", "--trust-plugins-beside-graph"))
    trap.check_ran("--plugin", graphrun("inspect", model / "g.pbtxt", "--plugin", model / TRAP))
    # The folders the user named: the entry's file name is looked up there, whatever path it has.
    for graph in (model / "g.pbtxt", model / "abs.pbtxt", other / "rel.pbtxt"):
        trap.check_ran(f"GRAPHRUN_PLUGIN_PATH, {graph.name}",
                       graphrun("inspect", graph, env_extra={"GRAPHRUN_PLUGIN_PATH": str(FIXTURES)}))


def check_before_dlopen(trap, tmp):
    """--plugin is the user's choice, and still the file is checked before its code can run."""
    p = graphrun("ops", "--plugin", FIXTURES / "libnot_a_plugin.so")
    trap.check_not_run("--plugin libnot_a_plugin.so", p, "is not a graphrun plugin: it does not export")
    open_dir = tmp / "open"
    open_dir.mkdir()
    shutil.copy(FIXTURES / TRAP, open_dir / TRAP)
    (open_dir / TRAP).chmod(0o757)
    trap.check_not_run("a world-writable plugin", graphrun("ops", "--plugin", open_dir / TRAP), "others can write it")
    (open_dir / TRAP).chmod(0o755)
    open_dir.chmod(0o777)
    trap.check_not_run("a plugin in a world-writable folder", graphrun("ops", "--plugin", open_dir / TRAP),
                       "others can write its folder")
    open_dir.chmod(0o1777)  # sticky, as /tmp: no one else can replace the file
    trap.check_ran("a plugin in a sticky world-writable folder", graphrun("ops", "--plugin", open_dir / TRAP))
    text = tmp / "libtext.so"
    text.write_text("INPUT(-lc)\n")
    trap.check_not_run("a text file", graphrun("ops", "--plugin", text), "it is not a shared library")


def main():
    if not (FIXTURES / TRAP).exists():
        print(f"SKIPPED: the test plugins are not built next to {GRAPHRUN} (build the 'all' target)")
        sys.exit(77)
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d).resolve()
        trap = Trap(tmp)
        model, other = make_model(tmp)
        (tmp / "out").mkdir()
        check_nothing_shipped_runs(trap, model, other)
        check_onnx_names_no_plugin(trap, model)
        check_deliberate_loading(trap, model, other)
        check_before_dlopen(trap, tmp)
    print("ok")


if __name__ == "__main__":
    main()
