#!/usr/bin/python3
"""Describe Keras model files as h5py, zipfile and numpy read them (used by loader/save_test.go).

usage: h5tree.py FILE...

For each FILE (.h5 / .weights.h5 / .keras / .npz) prints, as one JSON object {FILE: description}:
- HDF5 (for .keras: its model.weights.h5): every group and dataset by path with h5py's view of it:
  dataset dtype, shape, storage layout and values (tolist()); every attribute with its HDF5 type
  class, whether it is a variable-length string, its character set, its shape and its value as
  h5py returns it (str / list of str / numbers).
- .keras: the zip members in order with compression, flag bits, create system/version,
  external attributes and the parsed metadata.json, and zipfile's testzip() result.
- .npz: numpy.load's member names in order with dtype, shape and values.
"""
import io
import json
import sys
import zipfile

import h5py
import numpy as np


def attr_desc(obj, name):
    aid = h5py.h5a.open(obj.id, name.encode())
    t = aid.get_type()
    d = {"shape": list(aid.shape) if aid.shape is not None else None}
    if t.get_class() == h5py.h5t.STRING:
        d["class"] = "string"
        d["vlen"] = bool(t.is_variable_str())
        d["cset"] = "utf8" if t.get_cset() == h5py.h5t.CSET_UTF8 else "ascii"
    else:
        d["class"] = np.dtype(aid.dtype).name
    v = obj.attrs[name]
    if isinstance(v, np.ndarray):
        v = [x.decode() if isinstance(x, bytes) else x for x in v.tolist()]
    elif isinstance(v, bytes):
        v = v.decode()
    elif isinstance(v, np.generic):
        v = v.item()
    d["value"] = v
    return d


def h5_desc(f):
    out = {}

    def attrs(o):
        return {k: attr_desc(o, k) for k in o.attrs}

    out["/"] = {"kind": "group", "attrs": attrs(f)}

    def visit(name, o):
        if isinstance(o, h5py.Dataset):
            layout = {0: "compact", 1: "contiguous", 2: "chunked"}.get(o.id.get_create_plist().get_layout(), "?")
            out["/" + name] = {"kind": "dataset", "dtype": o.dtype.name, "shape": list(o.shape),
                               "layout": layout, "value": np.asarray(o[()]).tolist(), "attrs": attrs(o)}
        else:
            out["/" + name] = {"kind": "group", "attrs": attrs(o)}

    f.visititems(visit)
    return out


def describe(path):
    if path.endswith(".keras"):
        z = zipfile.ZipFile(path)
        members = [{"name": i.filename, "compress_type": i.compress_type, "flag_bits": i.flag_bits,
                    "create_system": i.create_system, "create_version": i.create_version,
                    "extract_version": i.extract_version, "external_attr": i.external_attr,
                    "extra": i.extra.hex()} for i in z.infolist()]
        meta = json.loads(z.read("metadata.json"))
        with h5py.File(io.BytesIO(z.read("model.weights.h5")), "r") as f:
            h5 = h5_desc(f)
        return {"zip": members, "testzip": z.testzip(), "metadata_keys": sorted(meta),
                "keras_version": meta["keras_version"], "h5": h5}
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as z:
            return {"npz": [{"name": k, "dtype": z[k].dtype.name, "shape": list(z[k].shape),
                             "value": z[k].tolist()} for k in z.files]}
    with h5py.File(path, "r") as f:
        return {"h5": h5_desc(f)}


def main():
    json.dump({p: describe(p) for p in sys.argv[1:]}, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
