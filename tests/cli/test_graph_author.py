"""The graph author's path (issue 30): the mistakes a new user makes in a first hour of writing
graph files and running them, each with the message it must give; docs/graph-format.md's
snippets, each a file of graphs/examples/ that loads and trains; a graph with its own loss on one
device and on parallel layouts, and run, classify and export of it.
usage: test_graph_author.py GRAPHRUN"""
import os
import pathlib
import re
import sys
import tempfile

from cli_util import expect_error, fail, run

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
EXAMPLES = ROOT / "graphs" / "examples"
DOC = ROOT / "docs" / "graph-format.md"

IMAGE = 'node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 1, 28, 28] } } }\n'
CLASSIFIER = IMAGE + ('node { name: "f" op: "Flatten" input: "x" }\n'
                      'node { name: "d" op: "Dense" input: "f" attr { name: "units" i: 10 } }\n')

# (file name, graph text, the message the load must give). Positions are line:column, 1-based.
GRAPH_MISTAKES = [
    ("enum_without_prefix.pbtxt",
     'node { name: "l" op: "Placeholder" attr { name: "shape" shape { dim: [-1] } } attr { name: "dtype" dtype: INT64 } }',
     "enum_without_prefix.pbtxt:1:107: unknown dtype 'INT64' (did you mean DT_INT64?); valid values: DT_FLOAT, "
     "DT_DOUBLE, DT_INT32, DT_INT64"),
    ("int_list_as_i.pbtxt",
     IMAGE + 'node { name: "p" op: "MaxPool" input: "x" attr { name: "kernel" i: [2, 2] } }',
     "int_list_as_i.pbtxt:2:68: 'i' holds one value, not a list: lists are `ints { v: [2, 2] }`"),
    ("int_list_field.pbtxt",
     IMAGE + 'node { name: "p" op: "MaxPool" input: "x" attr { name: "kernel" ints { i: [2, 2] } } }',
     "int_list_field.pbtxt:2:72: IntList has no field 'i' (did you mean 'v'?); its fields are: v"),
    ("missing_brace.pbtxt",
     'node {\n  name: "x" op: "Placeholder"\n  attr { name: "shape" shape { dim: [-1, 4] } }\n\n'
     'node { name: "r" op: "Relu" input: "x" }\n',
     "missing_brace.pbtxt:5:1: 'node' belongs in Graph, not in Node: the 'node {' that begins at 1:1 is missing its '}'"),
    ("missing_brace_at_end.pbtxt",
     'node { name: "x" op: "Placeholder"\n  attr { name: "shape" shape { dim: [-1, 4] } }\n',
     "the file ends inside the 'node {' that begins at 1:1: a '}' is missing"),
    ("unquoted_string.pbtxt", IMAGE + 'node { name: "r" op: Relu input: "x" }',
     "unquoted_string.pbtxt:2:22: expected a quoted string, got Relu: write \"Relu\""),
    ("two_values.pbtxt",
     'node { name: "x" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } i: 3 } }',
     "an attr holds one value, and 'i' and 'shape' are both given (one `attr { }` per name)"),
    ("field_typo.pbtxt", 'node { name: "x" opp: "Placeholder" }',
     "Node has no field 'opp' (did you mean 'op'?); its fields are: name, op, input, device, attr, doc"),
    ("init_constant_scalar.pbtxt",
     IMAGE + 'node { name: "f" op: "Flatten" input: "x" }\n'
     'node { name: "d" op: "Dense" input: "f" attr { name: "units" i: 10 } attr { name: "bias_init" init { constant: 0.5 } } }',
     "'constant' is a message, written `constant { ... }` with the fields value, e.g. `constant { value: 0.5 }`"),
    ("dtype_as_string.pbtxt",
     'node { name: "l" op: "Placeholder" attr { name: "shape" shape { dim: [-1] } } attr { name: "dtype" s: "int64" } }',
     "attr 'dtype' expects dtype"),
    ("unknown_attr.pbtxt", IMAGE + 'node { name: "c" op: "Conv2D" input: "x" attr { name: "filter" i: 4 } attr { name: "kernel" i: 3 } }',
     "unknown attr 'filter' (did you mean 'filters'?)"),
    ("training_typo.pbtxt", CLASSIFIER + 'training { options { key: "momentun" value: "0.9" } }',
     "training option 'momentun' is not one graphrun knows (did you mean 'momentum'?); the options are: lr, schedule"),
    ("training_optimizer.pbtxt", CLASSIFIER + 'training { options { key: "optimizer" value: "adam" } }',
     "training option 'optimizer' is not one graphrun knows; the options are: lr"),
    ("training_momentum.pbtxt", CLASSIFIER + 'training { options { key: "momentum" value: "1.5" } }',
     "training option 'momentum' = 1.5: want [0, 1)"),
    ("training_lr_word.pbtxt", CLASSIFIER + 'training { options { key: "lr" value: "fast" } }',
     "training option 'lr' = 'fast' is not a number (a rate above 0)"),
    ("training_schedule.pbtxt", CLASSIFIER + 'training { options { key: "schedule" value: "cosine" } }',
     "training option 'schedule' = 'cosine': want one of fixed, step, multistep, plateau"),
    ("training_batch_zero.pbtxt", CLASSIFIER + 'training { batch_size: 0 }', "training batch_size 0: want at least 1"),
    ("training_epochs_zero.pbtxt", CLASSIFIER + 'training { epochs: 0 }', "training epochs 0: want at least 1"),
]

# Names that are two edits from an op but no misspelling of it: no suggestion.
NO_SUGGESTION = [("Adam", "unknown op 'Adam' (", "Add"), ("Const", "unknown op 'Const' (", "Cast")]

# (command-line arguments after `train GRAPH`, the message).
TRAIN_OPTION_MISTAKES = [
    (["--batch-size", "0"], "--batch-size 0: want at least 1"),
    (["--batch-size", "-5"], "--batch-size -5: want at least 1"),
    (["--lr", "0"], "--lr 0: want a number above 0"),
    (["--lr", "-1"], "--lr -1: want a number above 0"),
    (["--epochs", "0"], "--epochs 0: want at least 1"),
    (["--steps", "0"], "--steps 0: want at least 1"),
    (["--momentum", "1"], "--momentum 1: want 0 <= momentum < 1"),
    (["--weight-decay", "-0.1"], "--weight-decay -0.1: want 0 or more"),
    (["--data-threads", "0"], "--data-threads 0: want at least 1"),
    (["--keep-checkpoints", "0"], "--keep-checkpoints 0: want at least 1"),
    (["--gamma", "0"], "--gamma 0: want a number above 0"),
    (["--data", "/no/such/dir"], "data '/no/such/dir': no such file or folder"),
    (["--data", "npz:missing.npz"], "data 'missing.npz': no such file or folder"),
    (["--data", "fashion_mnist"], "unknown data 'fashion_mnist' (did you mean fashion-mnist?)"),
]


def check_graph_mistakes(tmp):
    problems = []
    for name, text, message in GRAPH_MISTAKES:
        path = tmp / name
        path.write_text(text)
        command = "train" if name.startswith("training_") else "inspect"
        problems += expect_error(GRAPHRUN, [command, path, "--steps", "1"] if command == "train" else [command, path],
                                 message)
    for op, message, wrong in NO_SUGGESTION:
        path = tmp / f"op_{op}.pbtxt"
        path.write_text(IMAGE + f'node {{ name: "r" op: "{op}" input: "x" }}')
        problems += expect_error(GRAPHRUN, ["inspect", path], message)
        p = run(GRAPHRUN, "inspect", path, check=False)
        if f"did you mean {wrong}" in p.stderr:
            problems.append(f"{op}: suggests {wrong}: {p.stderr.strip()}")
    return problems


def check_option_mistakes():
    problems = []
    graph = EXAMPLES / "first_cnn.pbtxt"
    for args, message in TRAIN_OPTION_MISTAKES:
        data = [] if "--data" in args else ["--data", "synthetic"]
        problems += expect_error(GRAPHRUN, ["train", graph, *data, "--quiet", *args], message)
    problems += expect_error(GRAPHRUN, ["eval", graph, "--weights", "w.npz", "--batch-size", "0"],
                             "--batch-size 0: want at least 1")
    problems += expect_error(GRAPHRUN, ["bench", graph, "--steps", "0"], "--steps 0: want at least 1")
    problems += expect_error(GRAPHRUN, ["bench", graph, "--peak-gflops", "0"], "--peak-gflops 0: want a number above 0")
    problems += expect_error(GRAPHRUN, ["run", graph, "--top", "0"], "--top 0: want at least 1")
    problems += expect_error(GRAPHRUN, ["run", graph, "--batch-size", "0"], "--batch-size must be at least 1, got 0")
    return problems


def last_loss(output):
    return re.search(r"last loss ([0-9.]+)", output).group(1)


def check_seed_zero_is_a_seed():
    """--seed 0 is honoured: not the graph's seed (7), and the same run twice."""
    graph = EXAMPLES / "initializers.pbtxt"
    train = lambda *args: last_loss(run(GRAPHRUN, "train", graph, "--data", "synthetic", "--steps", "3", "--quiet",
                                        *args, timeout=300).stdout)
    zero, graphs_seed, seven = train("--seed", "0"), train(), train("--seed", "7")
    if zero == graphs_seed or graphs_seed != seven or train("--seed", "0") != zero:
        fail(f"--seed 0 gave loss {zero}, no --seed {graphs_seed}, --seed 7 {seven}: 0 must be a seed of its own")


def check_doc_snippets():
    """Every snippet of docs/graph-format.md is a file of graphs/examples/, shown as it is."""
    text = DOC.read_text()
    blocks = re.findall(r"```([a-z]*)\n(.*?)```", text, re.S)
    if not blocks:
        fail("docs/graph-format.md has no snippets")
    shown = []
    for lang, body in blocks:
        first = body.splitlines()[0]
        m = re.match(r"# (graphs/examples/[a-z_]+\.pbtxt):", first)
        if lang != "pbtxt" or not m:
            fail(f"docs/graph-format.md: a snippet that is not a graphs/examples file: {first!r}")
        if (ROOT / m.group(1)).read_text() != body:
            fail(f"docs/graph-format.md shows {m.group(1)} other than it is")
        shown.append(ROOT / m.group(1))
    return shown


def check_examples_train(tmp):
    for path in sorted(EXAMPLES.glob("*.pbtxt")):
        run(GRAPHRUN, "inspect", path)
        p = run(GRAPHRUN, "train", path, "--data", "synthetic", "--steps", "3", "--quiet", timeout=300)
        if "done: 3 steps" not in p.stdout:
            fail(f"{path.name}: did not train 3 steps: {p.stdout[-500:]}")


def check_own_loss(tmp):
    """explicit_loss.pbtxt declares its labels first: the same losses on every layout; run,
    classify and export leave the loss out."""
    graph = EXAMPLES / "explicit_loss.pbtxt"
    losses = {}
    for layout in ([], ["--devices", "cpu:0,cpu:1", "--parallel", "data"],
                   ["--devices", "cpu:0,cpu:1", "--parallel", "model"],
                   ["--devices", "cpu:0,cpu:1", "--parallel", "hybrid"]):
        p = run(GRAPHRUN, "train", graph, "--data", "synthetic", "--steps", "3", "--quiet", *layout,
                "--checkpoint-dir", tmp / "own", timeout=300)
        losses[" ".join(layout) or "one device"] = float(last_loss(p.stdout))
    base = losses["one device"]
    for layout, loss in losses.items():
        if abs(loss - base) > 1e-3 * max(1, abs(base)):
            fail(f"explicit_loss: loss {loss} on {layout}, {base} on one device")
    weights = tmp / "own" / "weights.npz"
    p = run(GRAPHRUN, "run", graph, "--weights", weights)
    if "logits:" not in p.stdout or "loss:" in p.stdout:
        fail(f"run of a graph with its own loss must show the logits, not the loss: {p.stdout}")
    p = run(GRAPHRUN, "eval", graph, "--weights", weights, "--data", "synthetic")
    if "top-1" not in p.stdout:
        fail(f"eval of a graph with its own loss: {p.stdout}")
    run(GRAPHRUN, "export", graph, "--weights", weights, "-o", tmp / "own.onnx")
    import onnx
    model = onnx.load(str(tmp / "own.onnx"))
    inputs = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
    if inputs != ["image"]:
        fail(f"the export of explicit_loss takes {inputs}, want only the image")
    try:
        from PIL import Image
        import numpy as np
    except ImportError:
        return
    Image.fromarray((np.arange(28 * 28).reshape(28, 28) % 256).astype("uint8")).save(tmp / "shirt.png")
    p = run(GRAPHRUN, "classify", graph, tmp / "shirt.png", "--weights", weights)
    if "%" not in p.stdout:
        fail(f"classify of a graph with its own loss: {p.stdout}")


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        problems = check_graph_mistakes(tmp) + check_option_mistakes()
        if problems:
            fail("\n".join(problems))
        shown = check_doc_snippets()
        check_examples_train(tmp)
        check_own_loss(tmp)
        check_seed_zero_is_a_seed()
    print(f"{len(GRAPH_MISTAKES) + len(NO_SUGGESTION)} graph mistakes, {len(TRAIN_OPTION_MISTAKES) + 5} option "
          f"mistakes, {len(shown)} doc snippets, examples trained")
