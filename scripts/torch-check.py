#!/usr/bin/env python3
"""Opens a Gale model in PyTorch and checks that it computes what Gale computes.

usage: torch-check.py MODEL.safetensors DATA PREDICTIONS.csv

DATA is what `gale predict --data` was given: a folder of IDX files (its t10k/test images are used)
or a CSV file (label in the first column). PREDICTIONS.csv is `gale predict`'s output for it. The
script builds the network from nn.Linear layers loaded from the file (with the `safetensors` package
when installed, else with the small reader below, which follows the format's specification), runs
the raw features through the normalisation stored in the metadata, and compares the outputs
(softmax/sigmoid of the logits) and the predicted classes with Gale's. Exit status 0 when they agree.
"""
import csv
import glob
import gzip
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn


def read_safetensors(path):
    """Tensors and metadata of a safetensors file: u64 LE header length, JSON header, LE tensor bytes."""
    try:
        from safetensors import safe_open
        with safe_open(path, framework="pt") as f:
            return {k: f.get_tensor(k) for k in f.keys()}, f.metadata(), "safetensors package"
    except ImportError:
        pass
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, info in header.items():
        assert info["dtype"] == "F32", name
        begin, end = info["data_offsets"]
        data = np.frombuffer(raw[8 + length + begin:8 + length + end], dtype="<f4").copy()
        tensors[name] = torch.from_numpy(data.reshape(info["shape"]))
    return tensors, metadata, "built-in reader"


class Maxout(nn.Module):
    def __init__(self, linear, units, pieces):
        super().__init__()
        self.linear, self.units, self.pieces = linear, units, pieces

    def forward(self, x):
        # Row u * pieces + p of the weight is piece p of unit u.
        return self.linear(x).view(-1, self.units, self.pieces).max(dim=-1).values


def build(tensors, model):
    """The network as a list of modules; the last one yields logits."""
    layers, inputs = [], model["inputs"]
    for n, spec in enumerate(model["layers"]):
        w, b = tensors[f"layers.{n}.weight"], tensors[f"layers.{n}.bias"]
        linear = nn.Linear(inputs, w.shape[0])
        with torch.no_grad():
            linear.weight.copy_(w)
            linear.bias.copy_(b)
        last = n == len(model["layers"]) - 1
        if spec["type"] == "maxout":
            layers.append(Maxout(linear, spec["units"], spec["pieces"]))
        elif last:
            layers.append(linear)
        else:
            act = spec["activation"]
            layers += [linear, {"relu": nn.ReLU(), "sigmoid": nn.Sigmoid(), "tanh": nn.Tanh(), "identity": nn.Identity(),
                                "leaky-relu": nn.LeakyReLU(spec.get("slope", 0.01))}[act]]
        inputs = spec["units"]
    return nn.Sequential(*layers)


def raw_features(data):
    if os.path.isdir(data):
        files = [f for f in glob.glob(os.path.join(data, "*")) if "t10k-images" in f or "test-images" in f]
        if not files:
            files = [f for f in glob.glob(os.path.join(data, "*")) if "train-images" in f]
        path = sorted(files)[0]
        raw = open(path, "rb").read()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        count, h, w = struct.unpack(">III", raw[4:16])
        return np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, h * w).astype(np.float32)
    with open(data) as f:
        rows = [r for r in csv.reader(f) if r]
    try:
        float(rows[0][0]), [float(v) for v in rows[0]]
    except ValueError:
        rows = rows[1:]
    return np.array([[float(v) for v in r[1:]] for r in rows], dtype=np.float32)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    model_file, data, predictions = sys.argv[1:]
    tensors, metadata, reader = read_safetensors(model_file)
    model = json.loads(metadata["gale"])
    net = build(tensors, model).eval()
    norm = model["normalization"]
    x = (raw_features(data) - np.array(norm["offset"], dtype=np.float32)) * np.array(norm["scale"], dtype=np.float32)
    with torch.no_grad():
        logits = net(torch.from_numpy(x))
    output = model["layers"][-1]["activation"]
    probs = {"softmax": lambda z: torch.softmax(z, dim=1), "sigmoid": torch.sigmoid,
             "identity": lambda z: z}[output](logits).numpy()
    with open(predictions) as f:
        rows = list(csv.reader(f))[1:]
    gale = np.array([[float(v) for v in r[2:]] for r in rows], dtype=np.float32)
    gale_classes = np.array([int(r[1]) for r in rows])
    torch_classes = probs.argmax(axis=1) if probs.shape[1] > 1 else (probs[:, 0] >= 0.5).astype(int)
    diff = float(np.abs(probs - gale).max())
    agree = int((torch_classes == gale_classes).sum())
    print(f"torch {torch.__version__} ({reader}): {len(rows)} rows, {model_file}")
    print(f"max |torch - gale| output difference {diff:.3e}; classes agree on {agree}/{len(rows)}")
    # float32 in both, different summation orders: outputs agree to about 1e-6; 1e-4 leaves room for long sums.
    # A near-tie may flip a class, so up to one row in 10,000 may disagree.
    ok = diff < 1e-4 and agree >= len(rows) - len(rows) // 10000
    print("OK: PyTorch computes the same outputs" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
