#!/usr/bin/python3
"""Small ONNX models for the infer and gan-gen tests (infer/testdata/*.onnx).

Run from the repository root with the system Python (python3-onnx):

    /usr/bin/python3 scripts/make_infer_fixtures.py

The models stand in for generators exported by gan-train: the same input
and output names, shapes and metadata_props, but a single Gemm layer so the
tests run in milliseconds. IR 8, opset 17, as the exporter writes.

  gen_gray.onnx   z (N,8) -> Gemm -> Tanh -> Reshape -> image (N,1,8,8)
  gen_cond.onnx   z (N,8), label (N) int64 -> Gather(embedding) -> Concat
                  -> Gemm -> Tanh -> Reshape -> image (N,3,8,8), 3 classes
  gen_fixed.onnx  like gen_gray but with a fixed batch of 4 (padding path)
  classifier.onnx input (N,1,28,28) -> Flatten -> Gemm -> logits (N,10):
                  a valid model that is not a generator
  gen_bench.onnx  a small DCGAN-shaped generator for the benchmarks: z (N,100)
                  -> Gemm -> Relu -> (N,64,7,7) -> ConvTranspose -> BatchNorm
                  -> Relu -> (N,32,14,14) -> ConvTranspose -> Tanh
                  -> image (N,1,28,28); its weights take 16 levels so the
                  file compresses well in git

Weights come from a seeded NumPy generator, so rerunning the script
rewrites byte-identical files.
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join("infer", "testdata")
ZDIM = 8
SIZE = 8


def meta(model, **kv):
    for k, v in kv.items():
        e = model.metadata_props.add()
        e.key, e.value = k, str(v)


def save(model, name):
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))
    print("wrote", os.path.join(OUT, name))


def generator(rng, channels, batch="N", conditional=False, classes=()):
    """Gemm generator: the weights are scaled so tanh spreads over (-1,1)."""
    feat = ZDIM + (4 if conditional else 0)
    out = channels * SIZE * SIZE
    w = (rng.standard_normal((feat, out)) * 0.6).astype(np.float32)
    b = (rng.standard_normal(out) * 0.1).astype(np.float32)
    inits = [
        numpy_helper.from_array(w, "fc.weight"),
        numpy_helper.from_array(b, "fc.bias"),
        numpy_helper.from_array(np.array([-1, channels, SIZE, SIZE], np.int64), "shape"),
    ]
    inputs = [helper.make_tensor_value_info("z", TensorProto.FLOAT, [batch, ZDIM])]
    nodes = []
    x = "z"
    if conditional:
        emb = (rng.standard_normal((len(classes), 4)) * 2).astype(np.float32)
        inits.append(numpy_helper.from_array(emb, "label_emb.weight"))
        inputs.append(helper.make_tensor_value_info("label", TensorProto.INT64, [batch]))
        nodes += [
            helper.make_node("Gather", ["label_emb.weight", "label"], ["emb"], axis=0),
            helper.make_node("Concat", ["z", "emb"], ["zc"], axis=1),
        ]
        x = "zc"
    nodes += [
        helper.make_node("Gemm", [x, "fc.weight", "fc.bias"], ["h"]),
        helper.make_node("Tanh", ["h"], ["t"]),
        helper.make_node("Reshape", ["t", "shape"], ["image"]),
    ]
    outputs = [helper.make_tensor_value_info("image", TensorProto.FLOAT, [batch, channels, SIZE, SIZE])]
    graph = helper.make_graph(nodes, "generator", inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="gogan-fixtures")
    kind = "conditional-mlp" if conditional else "mlp"
    props = dict(kind=kind, z_dim=ZDIM, image_size=SIZE, channels=channels, value_range="[-1,1]",
                 dataset="fixture", steps=1234, gogan_version="0.0.0-test")
    if conditional:
        props["class_names"] = json.dumps(list(classes))
    meta(model, **props)
    return model


def classifier(rng):
    w = (rng.standard_normal((28 * 28, 10)) * 0.05).astype(np.float32)
    b = np.zeros(10, np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["input"], ["flat"], axis=1),
            helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"]),
        ],
        "classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(w, "fc.weight"), numpy_helper.from_array(b, "fc.bias")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="gogan-fixtures")
    meta(model, kind="classifier")
    return model


def bench_generator(rng):
    """About 2 MFLOP-pairs per image, a fifth of pytorch/examples' DCGAN at 28x28."""
    def q(shape, scale):
        # 16 levels: git's zlib packs these to a fraction of their size.
        return (rng.integers(-8, 8, size=shape) * scale).astype(np.float32)

    inits = [
        numpy_helper.from_array(q((100, 64 * 7 * 7), 0.02), "fc.weight"),
        numpy_helper.from_array(q((64 * 7 * 7,), 0.01), "fc.bias"),
        numpy_helper.from_array(np.array([-1, 64, 7, 7], np.int64), "shape"),
        numpy_helper.from_array(q((64, 32, 4, 4), 0.01), "up1.weight"),
        numpy_helper.from_array(np.ones(32, np.float32), "bn.weight"),
        numpy_helper.from_array(np.zeros(32, np.float32), "bn.bias"),
        numpy_helper.from_array(np.zeros(32, np.float32), "bn.running_mean"),
        numpy_helper.from_array(np.full(32, 0.25, np.float32), "bn.running_var"),
        numpy_helper.from_array(q((32, 1, 4, 4), 0.03), "up2.weight"),
    ]
    nodes = [
        helper.make_node("Gemm", ["z", "fc.weight", "fc.bias"], ["h0"]),
        helper.make_node("Relu", ["h0"], ["h1"]),
        helper.make_node("Reshape", ["h1", "shape"], ["h2"]),
        helper.make_node("ConvTranspose", ["h2", "up1.weight"], ["h3"], kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["h3", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"], ["h4"]),
        helper.make_node("Relu", ["h4"], ["h5"]),
        helper.make_node("ConvTranspose", ["h5", "up2.weight"], ["h6"], kernel_shape=[4, 4], strides=[2, 2], pads=[1, 1, 1, 1]),
        helper.make_node("Tanh", ["h6"], ["image"]),
    ]
    graph = helper.make_graph(
        nodes, "generator",
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, ["N", 100])],
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="gogan-fixtures")
    meta(model, kind="dcgan", z_dim=100, image_size=28, channels=1, value_range="[-1,1]",
         dataset="fixture", steps=0, gogan_version="0.0.0-test")
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20240601)
    save(generator(rng, 1), "gen_gray.onnx")
    save(generator(rng, 3, conditional=True, classes=("cat", "dog", "bird")), "gen_cond.onnx")
    save(generator(rng, 1, batch=4), "gen_fixed.onnx")
    save(classifier(rng), "classifier.onnx")
    save(bench_generator(rng), "gen_bench.onnx")


if __name__ == "__main__":
    main()
