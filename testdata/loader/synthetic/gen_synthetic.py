#!/usr/bin/python3
"""Writes small Keras-layout files for layouts no collected real file shows,
with h5py, following the layouts of spec §1.1.2 / §1.3 / §1.4:

- ckpt_deps.weights.h5 + ckpt_deps.json: tf.keras 2.12-2.14 .weights.h5, weights under
  /_layer_checkpoint_dependencies/<name>/vars/<i>, weightless layers (and empty duplicates)
  under /layers, optimizer/vars [iteration, m0, v0, m1, v1, ...] (tf.keras layout).
- split_names.h5 + split_names.json: legacy save_weights .h5 whose layer_names and one
  layer's weight_names are split into name0, name1, ... attributes (HDF5 header limit).
- k1_bn.h5: Keras 1.2.2 full model with BatchNormalization (mode 0, beta_init/gamma_init)
  and weights named <layer>_gamma, _beta, _running_mean, _running_std.

Run from this directory with Debian's python3-h5py: /usr/bin/python3 gen_synthetic.py
(the files are written to layouts/).
Values are random (seeded); loader tests compare with what h5py reads (../expected.json).
"""
import json
import os
import h5py
import numpy as np

os.makedirs("layouts", exist_ok=True)
os.chdir("layouts")
rng = np.random.default_rng(7)
f32 = lambda *s: rng.standard_normal(s).astype(np.float32)

# 1. tf.keras 2.13 weights with _layer_checkpoint_dependencies
cfg = {"class_name": "Sequential", "keras_version": "2.13.1", "backend": "tensorflow",
       "config": {"name": "sequential", "layers": [
           {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False, "name": "dense_input"}},
           {"class_name": "Dense", "config": {"name": "dense", "trainable": True, "dtype": "float32", "batch_input_shape": [None, 3], "units": 4, "activation": "relu", "use_bias": True,
                                              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                                              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}},
           {"class_name": "Dropout", "config": {"name": "dropout", "trainable": True, "dtype": "float32", "rate": 0.5, "noise_shape": None, "seed": None}},
           {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "dtype": "float32", "units": 2, "activation": "linear", "use_bias": True,
                                              "kernel_initializer": {"class_name": "GlorotUniform", "config": {"seed": None}}, "bias_initializer": {"class_name": "Zeros", "config": {}},
                                              "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}]}}
json.dump(cfg, open("ckpt_deps.json", "w"))
with h5py.File("ckpt_deps.weights.h5", "w") as f:
    f.create_group("vars")
    for name, shapes in [("dense", [(3, 4), (4,)]), ("dense_1", [(4, 2), (2,)])]:
        g = f.create_group("_layer_checkpoint_dependencies/%s/vars" % name)
        for i, s in enumerate(shapes):
            g["%d" % i] = f32(*s)
        f.create_group("layers/%s/vars" % name)  # walked again later, nothing written
    f.create_group("layers/dropout/vars")
    og = f.create_group("optimizer/vars")
    og["0"] = np.array(12, dtype=np.int64)
    for i, s in enumerate([(3, 4), (3, 4), (4,), (4,), (4, 2), (4, 2), (2,), (2,)]):
        og["%d" % (i + 1)] = f32(*s)

# 2. legacy weights with split attributes
layers = ["dense_a", "dropout_b", "dense_c"]
cfg2 = {"class_name": "Sequential", "keras_version": "2.2.4", "backend": "tensorflow", "config": {"name": "s", "layers": [
    {"class_name": "Dense", "config": {"name": "dense_a", "units": 5, "activation": "tanh", "batch_input_shape": [None, 2]}},
    {"class_name": "Dropout", "config": {"name": "dropout_b", "rate": 0.1}},
    {"class_name": "Dense", "config": {"name": "dense_c", "units": 1, "activation": "sigmoid"}}]}}
json.dump(cfg2, open("split_names.json", "w"))
with h5py.File("split_names.h5", "w") as f:
    f.attrs["keras_version"] = b"2.2.4"
    f.attrs["backend"] = b"tensorflow"
    f.attrs["layer_names0"] = np.array([b"dense_a", b"dropout_b"])
    f.attrs["layer_names1"] = np.array([b"dense_c"])
    g = f.create_group("dense_a")
    g.attrs["weight_names0"] = np.array([b"dense_a/kernel:0"])
    g.attrs["weight_names1"] = np.array([b"dense_a/bias:0"])
    g["dense_a/kernel:0"] = f32(2, 5)
    g["dense_a/bias:0"] = f32(5)
    f.create_group("dropout_b").attrs["weight_names"] = np.array([], dtype=np.float64)
    g = f.create_group("dense_c")
    g.attrs["weight_names"] = np.array([b"dense_c/kernel:0", b"dense_c/bias:0"])
    g["dense_c/kernel:0"] = f32(5, 1)
    g["dense_c/bias:0"] = f32(1)

# 3. Keras 1 full model with BatchNormalization
mc = {"class_name": "Sequential", "config": [
    {"class_name": "Dense", "config": {"name": "dense_1", "trainable": True, "batch_input_shape": [None, 3], "input_dtype": "float32", "output_dim": 4,
                                       "init": "glorot_uniform", "activation": "linear", "W_regularizer": None, "b_regularizer": None,
                                       "activity_regularizer": None, "W_constraint": None, "b_constraint": None, "bias": True, "input_dim": 3}},
    {"class_name": "BatchNormalization", "config": {"name": "batchnormalization_1", "trainable": True, "epsilon": 0.001, "mode": 0, "axis": -1,
                                                    "gamma_regularizer": None, "beta_regularizer": None, "momentum": 0.99}},
    {"class_name": "Activation", "config": {"name": "activation_1", "trainable": True, "activation": "relu"}}]}
tc = {"optimizer_config": {"class_name": "SGD", "config": {"lr": 0.01, "momentum": 0.0, "decay": 0.0, "nesterov": False}},
      "loss": "mse", "metrics": [], "sample_weight_mode": None, "loss_weights": None}
with h5py.File("k1_bn.h5", "w") as f:
    f.attrs["keras_version"] = b"1.2.2"
    f.attrs["model_config"] = json.dumps(mc).encode("utf8")
    f.attrs["training_config"] = json.dumps(tc).encode("utf8")
    mw = f.create_group("model_weights")
    mw.attrs["layer_names"] = np.array([b"dense_1", b"batchnormalization_1", b"activation_1"])
    g = mw.create_group("dense_1")
    g.attrs["weight_names"] = np.array([b"dense_1_W", b"dense_1_b"])
    g["dense_1_W"] = f32(3, 4)
    g["dense_1_b"] = f32(4)
    g = mw.create_group("batchnormalization_1")
    names = [b"batchnormalization_1_gamma", b"batchnormalization_1_beta", b"batchnormalization_1_running_mean", b"batchnormalization_1_running_std"]
    g.attrs["weight_names"] = np.array(names)
    for n in names:
        g[n.decode()] = np.abs(f32(4)) if n.endswith(b"std") else f32(4)
    mw.create_group("activation_1").attrs["weight_names"] = np.array([], dtype=np.float64)

# 3b. the split_names weights again, in a file with a 512-byte user block
#     (HDF5 signature at offset 512).
with h5py.File("userblock.h5", "w", userblock_size=512) as f, h5py.File("split_names.h5", "r") as src:
    for k, v in src.attrs.items():
        f.attrs[k] = v
    for k in src:
        src.copy(k, f)

# 4. hostile: 300 layers hard-linking one deflated 16 MB dataset of zeros
#    (amplification attempt: 4.8 GB of weights from a ~100 KB file).
os.makedirs("../hostile", exist_ok=True)
os.chdir("../hostile")
with h5py.File("hardlink_amplify.h5", "w") as f:
    names = ["l%d" % i for i in range(300)]
    f.attrs["layer_names"] = np.array([n.encode() for n in names])
    f.attrs["keras_version"] = b"2.2.4"
    big = f.create_dataset("shared/kernel", data=np.zeros((2000, 2000), dtype=np.float32), chunks=(500, 2000), compression="gzip", compression_opts=9)
    for n in names:
        g = f.create_group(n)
        g.attrs["weight_names"] = np.array([b"k"])
        g["k"] = big  # hard link to the same dataset
