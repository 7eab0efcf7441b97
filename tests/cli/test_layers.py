"""The layers hold: core < runtime < ops < tools, and no #include runs back up.

  core/      may include core/ only (its public SDK headers in core/include and the generated
             core/proto headers are core/ too)
  runtime/   core/ and runtime/; runtime/passes/ not runtime/train/ (training builds on the
             passes, not the other way round)
  ops/       core/, runtime/ (a kernel may use its device's stream) and ops/
  tools/     anything
  plugins/   the installed SDK (<graphrun/plugin.h>, <graphrun/plugin.hpp>) and their own files
  tests/     anything, and so may an op folder's tests (*_test.cc, *_test_*.h: not built into
             the library)

Every #include in core/, runtime/, ops/ and plugins/ is resolved (beside the including file,
then from the source root, then core/include) and checked; a violation fails the test naming
the file, the line and the rule. A planted tree proves the check catches each rule.
usage: test_layers.py GRAPHRUN (unused: the check reads the sources, not the binary)"""
import pathlib
import re
import sys
import tempfile

from cli_util import fail


ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
SOURCE_SUFFIXES = {".h", ".hpp", ".cc", ".cpp", ".c", ".cu", ".cuh"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')

# What each layer may include, by the top folder of the included file.
MAY_INCLUDE = {
    "core": {"core"},
    "runtime": {"core", "runtime"},
    "ops": {"core", "runtime", "ops"},
}
# Folders inside a layer that must not include one another (prefix of the includer, prefix of the
# included file, why).
FORBIDDEN = [
    ("runtime/passes/", "runtime/train/", "runtime/passes/ must not include runtime/train/ (train builds on passes)"),
    ("runtime/devices/cpu_", "runtime/devices/cuda_",
     "the CPU device must not include the CUDA device (each registers itself in core/device.h)"),
]
SDK = "core/include/"
# An op's tests live in its folder (CMakeLists.txt leaves *_test.cc out of the library).
TEST_FILE = re.compile(r"_test(\.cc|_\w+\.h)$")


def resolve(root, includer, quote, name):
    """The included file relative to root, or None for a system or generated header."""
    candidates = ([includer.parent / name] if quote == '"' else []) + [root / name, root / "core/include" / name]
    for path in candidates:
        if path.is_file():
            return path.resolve().relative_to(root).as_posix()
    # Generated headers (core/proto/*.pb.h) are not in the source tree but belong to its layer.
    if name.split("/")[0] in {"core", "runtime", "ops", "tools"}:
        return name
    return None


def rule_broken(includer, included):
    """The rule an include breaks, or None."""
    layer = includer.split("/")[0]
    target = included.split("/")[0]
    if layer == "plugins":
        plugin = "/".join(includer.split("/")[:2]) + "/"
        if not (included.startswith(SDK) or included.startswith(plugin)):
            return "plugins/ may include only the installed SDK (<graphrun/plugin.hpp>) and their own files"
        return None
    if layer in MAY_INCLUDE and target not in MAY_INCLUDE[layer]:
        allowed = ", ".join(f"{t}/" for t in sorted(MAY_INCLUDE[layer], key=list(MAY_INCLUDE).index))
        return f"{layer}/ may include only {allowed} (layers: core < runtime < ops < tools)"
    for src, dst, why in FORBIDDEN:
        if includer.startswith(src) and included.startswith(dst):
            return why
    return None


def violations(root):
    """(file, line, included, rule) for every include that breaks a rule under root."""
    root = root.resolve()
    found = []
    for layer in ("core", "runtime", "ops", "plugins"):
        for path in sorted((root / layer).rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            includer = path.relative_to(root).as_posix()
            if TEST_FILE.search(includer):
                continue
            for number, text in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE.match(text)
                if not m:
                    continue
                included = resolve(root, path, m.group(1), m.group(2))
                if included is None:
                    continue
                rule = rule_broken(includer, included)
                if rule:
                    found.append((includer, number, included, rule))
    return found


def check_planted():
    """Each rule, broken once in a small tree, is reported with its file, line and rule."""
    plants = {
        "core/graph.cc": '#include "runtime/devices/x.h"\n',
        "runtime/exec/x.cc": '#include <vector>\n\n#include "ops/relu/relu.h"\n',
        "runtime/passes/p.h": '#include "runtime/train/training_graph.h"\n',
        "runtime/devices/cpu_device.cc": '#include "runtime/devices/cuda_device.h"\n',
        "ops/relu/relu.h": '#include "tools/graphrun/cli.h"\n',
        "plugins/swish/swish.cc": '#include "core/graph.h"\n#include <graphrun/plugin.hpp>\n#include "swish.h"\n',
        "plugins/swish/swish.h": "",
        "core/include/graphrun/plugin.hpp": "",
        # allowed: each layer below itself, generated and system headers
        "ops/relu/relu.cc": '#include "core/tensor.h"\n#include "runtime/devices/cuda_device.h"\n#include "relu.h"\n',
        "runtime/train/t.cc": '#include "runtime/passes/p.h"\n#include "core/proto/graph.pb.h"\n',
        "core/tensor.h": "#include <fmt/format.h>\n",
        "ops/relu/relu_test.cc": '#include "tests/harness/op_harness.h"\n',
        "ops/relu/relu_test_case.h": '#include "tests/harness/op_harness.h"\n',
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = pathlib.Path(tmp)
        for name, text in plants.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text)
        for name in ("runtime/devices/x.h", "runtime/train/training_graph.h", "runtime/devices/cuda_device.h",
                     "tools/graphrun/cli.h", "core/graph.h", "tests/harness/op_harness.h"):
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text("")
        got = {(f, line, inc): rule for f, line, inc, rule in violations(root)}
    want = {
        ("core/graph.cc", 1, "runtime/devices/x.h"): "core/ may include only core/",
        ("runtime/exec/x.cc", 3, "ops/relu/relu.h"): "runtime/ may include only core/, runtime/",
        ("runtime/passes/p.h", 1, "runtime/train/training_graph.h"): "runtime/passes/ must not include runtime/train/",
        ("runtime/devices/cpu_device.cc", 1, "runtime/devices/cuda_device.h"): "CPU device must not include",
        ("ops/relu/relu.h", 1, "tools/graphrun/cli.h"): "ops/ may include only core/, runtime/, ops/",
        ("plugins/swish/swish.cc", 1, "core/graph.h"): "plugins/ may include only the installed SDK",
    }
    if set(got) != set(want):
        fail(f"on the planted tree the check found {sorted(got)}, want {sorted(want)}")
    for key, rule in want.items():
        if rule not in got[key]:
            fail(f"{key}: the rule reads {got[key]!r}, want it to say {rule!r}")


def main():
    check_planted()
    found = violations(ROOT)
    if found:
        fail("includes that run back up the layers (core < runtime < ops < tools):\n" +
             "\n".join(f"{f}:{line}: #include \"{inc}\": {rule}" for f, line, inc, rule in found))
    print("ok: every include in core/, runtime/, ops/, plugins/ keeps to its layer")

if __name__ == "__main__":
    main()
