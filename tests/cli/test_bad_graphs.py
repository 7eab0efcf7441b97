"""The bad-input corpus: every malformed graph file gives one line `error: ...` that names the
node and the problem, and exit code 2; never a crash, an abort or a hang. CI also runs this
under AddressSanitizer and UBSan (tools/dev.sh test).
usage: test_bad_graphs.py GRAPHRUN"""
import os
import pathlib
import random
import sys
import tempfile
import time

from cli_util import expect_error, fail, run

HERE = pathlib.Path(__file__).resolve().parent
CORPUS = HERE.parent / "bad_graphs"
ROOT = HERE.parent.parent


def corpus_cases():
    for path in sorted(CORPUS.glob("*.pbtxt")):
        first = path.read_text().splitlines()[0]
        assert first.startswith("# expect: "), f"{path} must start with '# expect: '"
        yield path, first[len("# expect: "):]


def generated_cases(tmp):
    """Files that are easier to make than to commit."""
    cases = []
    empty = tmp / "empty.pbtxt"
    empty.write_text("")
    cases.append((empty, "is empty"))

    rng = random.Random(7)
    garbage = tmp / "garbage.pb"
    garbage.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    cases.append((garbage, "cannot read graph file"))

    good = tmp / "alexnet.pb"
    run(GRAPHRUN, "convert", ROOT / "graphs" / "alexnet.pbtxt", good)
    truncated = tmp / "truncated.pb"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2 + 3])
    cases.append((truncated, "cannot read graph file"))

    deep = tmp / "deep_nesting.pbtxt"
    deep.write_text('node { name: "x" op: "Relu" ' + "attr { init { gaussian { " * 20000 + "} " * 60000 + "}")
    cases.append((deep, "Gaussian has no field 'attr'; its fields are: mean, std"))

    cycle = tmp / "chain_cycle_100k.pbtxt"
    lines = ['node { name: "n0" op: "Relu" input: "n99999" }']
    lines += [f'node {{ name: "n{i}" op: "Relu" input: "n{i - 1}" }}' for i in range(1, 100000)]
    cycle.write_text("\n".join(lines))
    cases.append((cycle, "has a cycle: n0 -> n1 -> n2"))

    not_graph = tmp / "other_schema.pb"
    not_graph.write_bytes(b"\xf8\x07\x01" * 10)  # field 127, a number the schema does not have
    cases.append((not_graph, "not a graphrun graph"))

    missing = tmp / "does_not_exist.pbtxt"
    cases.append((missing, "cannot open"))
    return cases


def check_long_chain(tmp):
    """A valid 100,000-node chain loads without deep recursion and in bounded time."""
    chain = tmp / "chain_100k.pbtxt"
    lines = ['node { name: "n0" op: "Placeholder" attr { name: "shape" shape { dim: [-1, 4] } } }']
    lines += [f'node {{ name: "n{i}" op: "Relu" input: "n{i - 1}" }}' for i in range(1, 100000)]
    chain.write_text("\n".join(lines))
    start = time.time()
    p = run(GRAPHRUN, "inspect", chain, "--json", timeout=300)
    if '"name": "n99999"' not in p.stdout:
        fail("100k chain: last node missing from inspect --json")
    p = run(GRAPHRUN, "run", chain, "--batch-size", "2", timeout=300)
    if "n99999" not in p.stdout:
        fail(f"100k chain: run did not print the output: {p.stdout[-500:]}")
    return time.time() - start


if __name__ == "__main__":
    GRAPHRUN = os.path.abspath(sys.argv[1])
    problems = []
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        cases = list(corpus_cases()) + generated_cases(tmp)
        for path, expected in cases:
            for p in expect_error(GRAPHRUN, ["inspect", path], expected):
                problems.append(f"{path.name}: {p}")
        seconds = check_long_chain(tmp)
    for p in problems:
        print("FAIL:", p)
    print(f"{len(cases)} bad graph files, {len(problems)} problems; 100k-node chain in {seconds:.1f} s")
    sys.exit(1 if problems else 0)
