"""ONNX models graphrun cannot take give one `error:` line (exit 2): every unsupported node in
one message, each with its index, name, op, domain, the model's opset and the version it
resolved to, and what is supported; a dynamic dimension other than the batch names the input;
external data outside the model's folder is refused; an opset outside 7..17 names the window.
Models are built with python3-onnx's helper.
usage: test_onnx_errors.py GRAPHRUN"""
import pathlib
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from cli_util import expect_error, fail, run


def model(nodes, inputs, outputs, initializers=(), opset=14):
    graph = helper.make_graph(nodes, "m", inputs, outputs, list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def tensor(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def main():
    graphrun = sys.argv[1]
    problems = []
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
        two = numpy_helper.from_array(np.full((1, 4, 8, 8), 2, np.float32), "two")

        # Several problems in one model: all reported in one line, in node order.
        m = model([
            helper.make_node("Conv", ["x", "w"], ["c"], name="conv", pads=[1, 1, 1, 1]),
            helper.make_node("Mul", ["c", "two"], ["m"], name="scale"),
            helper.make_node("MaxPool", ["m"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2],
                             auto_pad="SAME_LOWER"),
            helper.make_node("LeakyRelu", ["p"], ["l"], name="leaky"),
            helper.make_node("Foo", ["l"], ["y"], name="custom", domain="com.example"),
        ], [tensor("x", ["N", 3, 8, 8])], [tensor("y", None)], [w, two])
        path = tmp / "bad_ops.onnx"
        onnx.save(m, path)
        # The MaxPool downstream of the refused Mul is checked for its op only (its attrs are
        # tested alone below), so three causes are named.
        for expected in ["3 nodes graphrun cannot import",
                         "node 1 'scale' (Mul, domain ai.onnx, model opset 14 resolves to Mul-14): graphrun has no equivalent",
                         "node 3 'leaky' (LeakyRelu",
                         "node 4 'custom' (Foo, domain com.example, model opset 14): unknown domain",
                         "Supported ops (opsets 7-17): ",
                         "Conv-1,11"]:
            problems += expect_error(graphrun, ["inspect", path], expected)
        # MaxPool with SAME_LOWER on an odd total padding: the attr value, named.
        m = model([helper.make_node("MaxPool", ["x"], ["y"], name="pool", kernel_shape=[2, 2], strides=[1, 1],
                                    auto_pad="SAME_LOWER")], [tensor("x", ["N", 3, 8, 8])], [tensor("y", None)])
        onnx.save(m, tmp / "same_lower.onnx")
        problems += expect_error(graphrun, ["run", tmp / "same_lower.onnx"],
                                 "node 0 'pool' (MaxPool, domain ai.onnx, model opset 14 resolves to MaxPool-12): "
                                 "auto_pad SAME_LOWER gives pads [1, 1, 0, 0] are asymmetric")

        # A Reshape whose shape is computed at run time: the op computing it is named (the Reshape
        # downstream is not reported again).
        m = model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
                   helper.make_node("Cast", ["x"], ["s"], name="cast", to=TensorProto.INT64),
                   helper.make_node("Reshape", ["r", "s"], ["y"], name="reshape")],
                  [tensor("x", ["N", 2])], [tensor("y", None)])
        onnx.save(m, tmp / "dynamic_reshape.onnx")
        problems += expect_error(graphrun, ["inspect", tmp / "dynamic_reshape.onnx"], "1 node graphrun cannot import")
        problems += expect_error(graphrun, ["inspect", tmp / "dynamic_reshape.onnx"], "node 1 'cast' (Cast")

        # A dynamic dimension other than the batch names the input.
        m = model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", ["N", 3, "height", 8])], [tensor("y", None)])
        onnx.save(m, tmp / "dynamic.onnx")
        problems += expect_error(graphrun, ["inspect", tmp / "dynamic.onnx"],
                                 "input 'x' has a dynamic dimension 2 ('height')")

        # Opset outside the window.
        m = model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", ["N", 3])], [tensor("y", None)], opset=6)
        onnx.save(m, tmp / "old.onnx")
        problems += expect_error(graphrun, ["inspect", tmp / "old.onnx"], "the model's opset is 6; graphrun reads opsets 7 to 17")

        # External data that leaves the model's folder is refused; beside the model it loads.
        (tmp / "sub").mkdir()
        (tmp / "secret.bin").write_bytes(np.ones(4 * 27, np.float32).tobytes())
        (tmp / "sub" / "w.bin").write_bytes(np.ones(4 * 27, np.float32).tobytes())
        for location, name in [("../secret.bin", "escape"), ("w.bin", "inside")]:
            ext = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[4, 3, 3, 3])
            ext.data_location = TensorProto.EXTERNAL
            ext.external_data.add(key="location", value=location)
            m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")], [tensor("x", ["N", 3, 8, 8])],
                      [tensor("y", None)], [ext])
            onnx.save(m, tmp / "sub" / f"{name}.onnx")
        problems += expect_error(graphrun, ["inspect", tmp / "sub" / "escape.onnx"],
                                 "tensor 'w' has external data at '../secret.bin', outside the model's folder")
        np.save(tmp / "ones.npy", np.ones((1, 3, 8, 8), np.float32))
        out = run(graphrun, "run", tmp / "sub" / "inside.onnx", "--input", f"x={tmp / 'ones.npy'}").stdout
        if "mean 27  min 27  max 27" not in out:  # ones * ones over 3x3x3
            problems.append(f"external data beside the model: expected outputs of 27, got {out!r}")

        # Not an ONNX file at all.
        (tmp / "junk.onnx").write_bytes(b"\xff\xff\xff\xff not a model")
        problems += expect_error(graphrun, ["inspect", tmp / "junk.onnx"], "not an ONNX model")
    if problems:
        fail("\n".join(problems))
    print("onnx errors: ok")


if __name__ == "__main__":
    main()
