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
            helper.make_node("Sub", ["c", "two"], ["m"], name="shift"),
            helper.make_node("MaxPool", ["m"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2],
                             auto_pad="SAME_LOWER"),
            helper.make_node("Elu", ["p"], ["l"], name="elu"),
            helper.make_node("Foo", ["l"], ["y"], name="custom", domain="com.example"),
        ], [tensor("x", ["N", 3, 8, 8])], [tensor("y", None)], [w, two])
        path = tmp / "bad_ops.onnx"
        onnx.save(m, path)
        # The MaxPool downstream of the refused Sub is checked for its op only (its attrs are
        # tested alone below), so three causes are named.
        for expected in ["3 nodes graphrun cannot import",
                         "node 1 'shift' (Sub, domain ai.onnx, model opset 14 resolves to Sub-14): graphrun has no equivalent",
                         "node 3 'elu' (Elu",
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

        # Supported ops with what graphrun does not take: named with the node and the value.
        bounds = helper.make_tensor_value_info("lo", TensorProto.FLOAT, [])
        cases = [
            ("pad_reflect", [helper.make_node("Pad", ["x"], ["y"], name="pad", mode="reflect", pads=[0, 0, 1, 1])],
             [tensor("x", ["N", 3])], 10, "node 0 'pad' (Pad, domain ai.onnx, model opset 10 resolves to Pad-2): "
             "attr 'mode' = reflect: graphrun pads with a constant only"),
            ("pad_negative", [helper.make_node("Pad", ["x"], ["y"], name="crop", pads=[0, -1, 0, 0])],
             [tensor("x", ["N", 3])], 10, "negative pads [0, -1, 0, 0] (cropping) are not supported"),
            ("clip_runtime_bound", [helper.make_node("Clip", ["x", "lo"], ["y"], name="clip")],
             [tensor("x", ["N", 3]), bounds], 13,
             "node 0 'clip' (Clip, domain ai.onnx, model opset 13 resolves to Clip-13): input 1 'lo' (min) is "
             "computed at run time"),
            ("mul_broadcast", [helper.make_node("Mul", ["x", "x1"], ["y"], name="mul")],
             [tensor("x", ["N", 3]), tensor("x1", ["N", 1])], 14, "graphrun's Mul does not broadcast"),
            ("bn_training", [helper.make_node("BatchNormalization", ["x", "s", "s", "s", "s"], ["y"], name="bn",
                                              training_mode=1)],
             [tensor("x", ["N", 3, 4, 4])], 15, "node 0 'bn' (BatchNormalization, domain ai.onnx, model opset 15 "
             "resolves to BatchNormalization-15): attr 'training_mode' = 1"),
        ]
        ones = numpy_helper.from_array(np.ones(3, np.float32), "s")
        for name, nodes, inputs, opset, expected in cases:
            m = model(nodes, inputs, [tensor("y", None)], [ones] if name == "bn_training" else [], opset=opset)
            onnx.save(m, tmp / f"{name}.onnx")
            problems += expect_error(graphrun, ["inspect", tmp / f"{name}.onnx"], expected)

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
