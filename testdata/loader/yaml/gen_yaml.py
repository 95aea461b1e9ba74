#!/usr/bin/python3
"""Converts Keras JSON configs from ../../realmodels (testdata/realmodels) to YAML the way Keras <= 2.4's
model.to_yaml() wrote them (yaml.dump of the config dict; shape-like values
were Python tuples, which PyYAML tags !!python/tuple).

Run from this directory with Debian's python3-yaml:  /usr/bin/python3 gen_yaml.py
Each output names its JSON source in SOURCES.txt; loader tests check that the
YAML parses to the same normalized config as the JSON.
"""
import json
import yaml

TUPLE_KEYS = {"batch_input_shape", "target_shape", "kernel_size", "strides", "pool_size", "noise_shape", "shared_axes"}

def tuplify(v, key=None):
    if isinstance(v, dict):
        return {k: tuplify(x, k) for k, x in v.items()}
    if isinstance(v, list):
        items = [tuplify(x) for x in v]
        return tuple(items) if key in TUPLE_KEYS else items
    return v

jobs = [
    ("../../realmodels/fastmachinelearning__hls4ml__KERAS_3layer/KERAS_3layer.json", "KERAS_3layer.yaml", False, False),
    ("../../realmodels/fastmachinelearning__hls4ml__KERAS_3layer_batch_norm/KERAS_3layer_batch_norm.json", "KERAS_3layer_batch_norm.yaml", True, False),
    ("../../realmodels/fastmachinelearning__hls4ml__KERAS_mnist_mlp/KERAS_mnist_mlp.json", "KERAS_mnist_mlp.yaml", True, False),
    ("../../realmodels/KonduitAI__dl4j-test-resources__tfscope/model.json", "tfscope_keras1.yaml", True, True),
    ("../../realmodels/KonduitAI__dl4j-test-resources__act_LeakyReLU_0/LeakyReLU_0_config.json", "LeakyReLU_0_config.yaml", False, True),
]
with open("SOURCES.txt", "w") as src:
    for js, out, tuples, flow in jobs:
        cfg = json.load(open(js))
        if tuples:
            cfg = tuplify(cfg)
        with open(out, "w") as f:
            if tuples:
                yaml.dump(cfg, f, default_flow_style=flow)
            else:
                yaml.safe_dump(cfg, f, default_flow_style=flow)
        src.write("%s <- %s (python/tuple tags: %s, flow style: %s)\n" % (out, js, tuples, flow))
