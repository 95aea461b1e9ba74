#!/usr/bin/python3
"""Writes expected.json: what h5py/zipfile/json (not kerago) read from every
model file under keras-cases/ and realmodels/, for loader_test.go.

Run from this directory with Debian's python3 + python3-h5py + python3-numpy:
    /usr/bin/python3 gen_expected.py

Per file: the weights as stored (legacy layout: layer_names -> weight_names ->
datasets; Keras 3 layout: layers/<group>/vars/<i> with the group's 'name'
attribute), each variable's shape, float64 sum and first/last element, the
optimizer variables, keras_version/backend attributes and the raw
training/compile config. Also: Keras's to_snake_case on a list of class names,
computed with the regexes of keras/src/utils/naming.py.
"""
import io, json, os, re, zipfile
import h5py
import numpy as np

def strs(a):
    return [x.decode("utf8") if isinstance(x, bytes) else str(x) for x in a]

def attr_list(g, name):
    if name in g.attrs:
        return strs(g.attrs[name])
    out, i = [], 0
    while "%s%d" % (name, i) in g.attrs:
        out += strs(g.attrs["%s%d" % (name, i)])
        i += 1
    return out

def var(name, ds):
    a = np.array(ds[()], dtype=np.float64)
    flat = a.ravel()
    return {"name": name, "shape": list(a.shape), "sum": float(flat.sum()),
            "first": float(flat[0]) if flat.size else None,
            "last": float(flat[-1]) if flat.size else None}

def attr_str(g, k):
    if k not in g.attrs:
        return None
    v = g.attrs[k]
    return v.decode("utf8") if isinstance(v, bytes) else str(v)

def legacy(f):
    has_names = "layer_names" in f.attrs or "layer_names0" in f.attrs
    g = f["model_weights"] if not has_names and "model_weights" in f else f
    layers = []
    for ln in attr_list(g, "layer_names"):
        lg = g[ln]
        layers.append({"name": ln, "vars": [var(wn, lg[wn]) for wn in attr_list(lg, "weight_names")]})
    out = {"layout": "legacy", "layers": layers,
           "keras_version": attr_str(f, "keras_version") or attr_str(g, "keras_version"),
           "backend": attr_str(f, "backend") or attr_str(g, "backend")}
    if "optimizer_weights" in f:
        og = f["optimizer_weights"]
        out["optimizer"] = [var(n, og[n]) for n in attr_list(og, "weight_names")]
    if "training_config" in f.attrs:
        out["training_config"] = json.loads(attr_str(f, "training_config"))
    if "model_config" in f.attrs:
        out["config_facts"] = facts(json.loads(attr_str(f, "model_config")))
    return out

def keras3(f):
    layers = {}
    for cont in ["_layer_checkpoint_dependencies", "layers"]:
        if cont not in f:
            continue
        for name, lg in f[cont].items():
            if "vars" not in lg:
                continue
            vg = lg["vars"]
            vs = [var(k, vg[k]) for k in sorted(vg.keys(), key=int)]
            if name not in layers or not layers[name]["vars"]:
                layers[name] = {"name": name, "saved_name": attr_str(vg, "name"), "vars": vs}
    out = {"layout": "keras3", "layers": [layers[k] for k in sorted(layers)]}
    if "optimizer" in f and "vars" in f["optimizer"]:
        og = f["optimizer"]["vars"]
        out["optimizer"] = [var(k, og[k]) for k in sorted(og.keys(), key=int)]
    return out

def facts(cfg):
    """Layer classes/names/units/activations and input shape, read plainly."""
    body = cfg["config"] if isinstance(cfg, dict) and "config" in cfg else cfg
    layers = body["layers"] if isinstance(body, dict) else body
    out, shape = [], None
    for l in layers:
        c = l["config"]
        if l["class_name"] == "InputLayer":
            bs = c.get("batch_shape") or c.get("batch_input_shape")
            shape = [-1 if d is None else d for d in bs[1:]]
            continue
        if shape is None:
            if c.get("batch_input_shape"):
                shape = [-1 if d is None else d for d in c["batch_input_shape"][1:]]
            elif c.get("input_dim"):
                shape = [c["input_dim"]]
        out.append({"class": l["class_name"], "name": c.get("name") or l.get("name"),
                    "units": c.get("units", c.get("output_dim")), "activation": c.get("activation")})
    return {"layers": out, "input_shape": shape}

def h5file(path):
    with h5py.File(path, "r") as f:
        if "model_config" in f.attrs or "layer_names" in f.attrs or "layer_names0" in f.attrs or "model_weights" in f:
            return legacy(f)
        return keras3(f)

def keras_zip(path):
    z = zipfile.ZipFile(path)
    out = keras3(h5py.File(io.BytesIO(z.read("model.weights.h5")), "r"))
    out["keras_version"] = json.loads(z.read("metadata.json"))["keras_version"]
    cfg = json.loads(z.read("config.json"))
    out["compile_config"] = cfg.get("compile_config")
    out["config_facts"] = facts(cfg)
    return out

exp = {}
# keras-cases and realmodels are the copies shared by all packages
# (testdata/keras-cases, testdata/realmodels); keys stay "keras-cases/...".
for root, path in [("keras-cases", "../keras-cases"), ("realmodels", "../realmodels"), ("synthetic", "synthetic")]:
    for case in sorted(os.listdir(path)):
        d = os.path.join(path, case)
        if not os.path.isdir(d) or case == "hostile":
            continue
        for fn in sorted(os.listdir(d)):
            if "inputs_and_outputs" in fn:
                continue  # reference arrays, not models
            p = os.path.join(root, case, fn)
            fp = os.path.join(d, fn)
            if fn.endswith(".keras"):
                exp[p] = keras_zip(fp)
            elif os.path.isfile(fp) and h5py.is_hdf5(fp):
                exp[p] = h5file(fp)
            elif fn.endswith(".json") and fn not in ("case.json", "check.json", "VERSIONS.json", "expected_io.json"):
                j = json.load(open(fp))
                exp[p] = {"layout": "config", "keras_version": j.get("keras_version") if isinstance(j, dict) else None,
                          "compile_config": j.get("compile_config") if isinstance(j, dict) else None}
                try:
                    exp[p]["config_facts"] = facts(j)
                except Exception as e:  # beyond-Dense configs with other layouts
                    exp[p]["config_facts"] = None

def to_snake_case(name):  # keras/src/utils/naming.py
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()

classes = ["Dense", "InputLayer", "Activation", "Dropout", "Flatten", "Reshape", "BatchNormalization",
           "LayerNormalization", "Normalization", "ReLU", "LeakyReLU", "ELU", "PReLU", "Softmax",
           "ThresholdedReLU", "RMSprop", "AdamW", "SGD", "Conv2D", "LSTM", "GRU", "SimpleRNN",
           "MultiHeadAttention", "UpSampling2D", "Conv1DTranspose", "ABCDef", "HTTPServer2", "Sequential", "Functional"]
with open("expected.json", "w") as f:
    json.dump({"files": exp, "snake_case": {c: to_snake_case(c) for c in classes}}, f, indent=1, sort_keys=True)
