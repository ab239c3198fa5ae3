#!/usr/bin/python3
"""convert-model.py: turn a tfjs model (NAME-weights_manifest.json + NAME.bin,
as shipped by @vladmandic/face-api) into one facerec weight file (.frw) that
backends map read-only with mmap and use in place, so that every backend
shares the same page-cache pages and nothing is copied per process or call.

    convert-model.py MANIFEST.json OUT.frw

Done here, once, instead of in every backend:
- dequantization: value = q * scale + min, computed in double and rounded to
  float32, exactly as tfjs does when it loads the model;
- int32 tensors become float32 (they hold small integers);
- folding: a convolution followed by a per-channel affine "scale" layer
  (tensors P/conv/filters, P/conv/bias, P/scale/weights, P/scale/biases)
  becomes one convolution P/filters, P/bias with
  filters' = filters * s (per output channel), bias' = bias * s + t;
- batch norm after a depthwise convolution (SSD MobileNetV1: P/depthwise_weights
  then P/BatchNorm/{gamma,beta,moving_mean,moving_variance}, eps 0.001 as
  face-api passes it) becomes a depthwise convolution with bias:
  g = gamma / sqrt(variance + eps), filters' = filters * g (per channel),
  bias' = beta - mean * g;
- names: every convolution ends up as P/filters + P/bias (the SSD's
  P/weights + P/convolution_bn_offset or P/biases, and the landmark nets'
  separable convs P/depthwise_filter, P/pointwise_filter, P/bias become
  P/depthwise/filters and P/pointwise/filters + P/pointwise/bias), so that
  the engine binds every layer the same way.

.frw layout (all little-endian; see src/nn/nn_weights.h):
    header  "FACERECW" | u32 version=1 | u32 tensor count
    table   per tensor: name (64 bytes, NUL-padded) | u32 ndim |
            u32 dims[4] | u64 byte offset of the data
    data    float32 values, each tensor starting on a 64-byte boundary
"""
import json
import os
import struct
import sys

import numpy as np

MAGIC = b"FACERECW"
VERSION = 1
NAME_LEN = 64
ALIGN = 64
QUANT_DTYPES = {"uint8": np.uint8, "uint16": np.uint16}
RAW_DTYPES = {"float32": np.float32, "int32": np.int32}


def read_tensors(manifest_path):
    """Dequantized tensors in manifest order, as {name: float32 array}."""
    folder = os.path.dirname(manifest_path)
    tensors = {}
    with open(manifest_path) as f:
        groups = json.load(f)
    for group in groups:
        blob = b"".join(open(os.path.join(folder, p), "rb").read()
                        for p in group["paths"])
        pos = 0
        for w in group["weights"]:
            count = int(np.prod(w["shape"], dtype=np.int64))
            quant = w.get("quantization")
            if quant:
                qtype = QUANT_DTYPES[quant["dtype"]]
                q = np.frombuffer(blob, qtype, count, pos)
                pos += q.nbytes
                values = q.astype(np.float64) * quant["scale"] + quant["min"]
            else:
                raw = np.frombuffer(blob, RAW_DTYPES[w["dtype"]], count, pos)
                pos += raw.nbytes
                values = raw
            tensors[w["name"]] = values.astype(np.float32).reshape(w["shape"])
        if pos != len(blob):
            sys.exit("%s: %d bytes left over" % (manifest_path, len(blob) - pos))
    return tensors


def fold_scale_layers(tensors):
    """Fold every conv + affine scale pair into one convolution."""
    out = {}
    for name, value in tensors.items():
        if not name.endswith("/conv/filters"):
            continue
        prefix = name[:-len("/conv/filters")]
        parts = [prefix + p for p in
                 ("/conv/bias", "/scale/weights", "/scale/biases")]
        if not all(p in tensors for p in parts):
            continue
        bias, s, t = (tensors[p].astype(np.float64) for p in parts)
        out[prefix + "/filters"] = (value.astype(np.float64) * s).astype(np.float32)
        out[prefix + "/bias"] = (bias * s + t).astype(np.float32)
        for p in [name] + parts:
            tensors[p] = None
    result = {n: v for n, v in tensors.items() if v is not None}
    result.update(out)
    return result


BATCH_NORM_EPS = np.float64(np.float32(0.001))
BATCH_NORM_PARTS = ("gamma", "beta", "moving_mean", "moving_variance")


def fold_batch_norms(tensors):
    """Fold depthwise conv + batch norm pairs into a depthwise conv with bias."""
    for name in [n for n in tensors if n.endswith("/depthwise_weights")]:
        prefix = name[:-len("/depthwise_weights")]
        parts = ["%s/BatchNorm/%s" % (prefix, p) for p in BATCH_NORM_PARTS]
        if not all(p in tensors for p in parts):
            continue
        gamma, beta, mean, var = (tensors.pop(p).astype(np.float64) for p in parts)
        g = gamma / np.sqrt(var + BATCH_NORM_EPS)
        filters = tensors.pop(name).astype(np.float64)
        tensors[prefix + "/filters"] = (filters * g[:, None]).astype(np.float32)
        tensors[prefix + "/bias"] = (beta - mean * g).astype(np.float32)
    return tensors


def rename(tensors, old, new):
    if old in tensors:
        tensors[new] = tensors.pop(old)


def unify_names(tensors):
    """Every convolution as P/filters + P/bias (see the module comment)."""
    for name in list(tensors):
        if name.endswith("/weights"):
            prefix = name[:-len("/weights")]
            for bias in ("/convolution_bn_offset", "/biases"):
                if prefix + bias in tensors:
                    rename(tensors, name, prefix + "/filters")
                    rename(tensors, prefix + bias, prefix + "/bias")
        elif name.endswith("/pointwise_filter"):
            prefix = name[:-len("/pointwise_filter")]
            rename(tensors, name, prefix + "/pointwise/filters")
            rename(tensors, prefix + "/bias", prefix + "/pointwise/bias")
            rename(tensors, prefix + "/depthwise_filter", prefix + "/depthwise/filters")
    return tensors


def write_frw(tensors, out_path):
    names = sorted(tensors)
    table_size = 16 + len(names) * (NAME_LEN + 4 + 16 + 8)
    offset = (table_size + ALIGN - 1) // ALIGN * ALIGN
    header = [MAGIC + struct.pack("<II", VERSION, len(names))]
    data = []
    for name in names:
        value = np.ascontiguousarray(tensors[name], dtype="<f4")
        if len(name.encode()) >= NAME_LEN or value.ndim > 4:
            sys.exit("%s: name too long or rank > 4" % name)
        dims = list(value.shape) + [1] * (4 - value.ndim)
        header.append(name.encode().ljust(NAME_LEN, b"\0") +
                      struct.pack("<I4IQ", value.ndim, *dims, offset))
        padded = value.tobytes()
        padded += b"\0" * (-len(padded) % ALIGN)
        data.append(padded)
        offset += len(padded)
    head = b"".join(header)
    head += b"\0" * (-len(head) % ALIGN)
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(head)
        for d in data:
            f.write(d)
    os.replace(tmp, out_path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tensors = fold_scale_layers(read_tensors(sys.argv[1]))
    write_frw(unify_names(fold_batch_norms(tensors)), sys.argv[2])


if __name__ == "__main__":
    main()
