"""Describe an HDF5 file as h5py reads it (shared by gen_fixtures.py and describe_real.py).

The description lists every group (members in h5py's iteration order), every
dataset (dtype, shape and either all values or a SHA-256 of the values) and
every attribute (dtype, shape, values). Soft links are listed under
groups["__soft__"] and not followed.
"""
import hashlib

import h5py
import numpy as np


def dt_name(dt):
    if h5py.check_string_dtype(dt) is not None or dt.kind == "S":
        return "string"
    if dt.subdtype is not None:
        return dt_name(dt.subdtype[0])
    if dt.kind == "b":
        return "bool"
    return dt.newbyteorder("=").name


def values(v, dt):
    a = np.asarray(v)
    if dt_name(dt) == "string":
        return [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in a.reshape(-1)]
    if a.dtype.kind in "biu":
        return [int(x) for x in a.reshape(-1)]
    return [float(x) if np.isfinite(x) else str(float(x)) for x in a.reshape(-1)]  # "inf", "-inf", "nan"


def digest(v, dt):
    """SHA-256 of the values as little-endian float64 (numbers) or NUL-joined UTF-8 (strings)."""
    if dt_name(dt) == "string":
        return hashlib.sha256("\0".join(values(v, dt)).encode("utf-8")).hexdigest()
    return hashlib.sha256(np.asarray(v).astype("<f8").reshape(-1).tobytes()).hexdigest()


def describe(f, hash_datasets=False):
    out = {"groups": {}, "datasets": {}, "attrs": {}}

    def attrs_of(path, obj):
        d = {}
        for name in obj.attrs:  # creation order if tracked, else name order
            aid = h5py.h5a.open(obj.id, name.encode())
            dt = aid.dtype
            shape = list(aid.shape) if aid.shape is not None else []
            if dt.subdtype is not None:
                shape += list(dt.subdtype[1])
            d[name] = {"dtype": dt_name(dt), "shape": shape, "values": values(obj.attrs[name], dt)}
        out["attrs"][path] = {"order": list(obj.attrs), "attrs": d}

    def visit(path, obj):
        attrs_of(path, obj)
        if isinstance(obj, h5py.Group):
            out["groups"][path] = list(obj.keys())
            for k in obj.keys():
                cpath = path.rstrip("/") + "/" + k
                if isinstance(obj.get(k, getlink=True), h5py.SoftLink):
                    out["groups"].setdefault("__soft__", []).append(cpath)
                    continue
                visit(cpath, obj.get(k))
        else:
            dt = obj.dtype
            v = obj[()]
            e = {"dtype": dt_name(dt), "shape": list(obj.shape)}
            if hash_datasets:
                e["sha256"] = digest(v, dt)
                e["count"] = int(np.asarray(v).size)
            else:
                e["values"] = values(v, dt)
            out["datasets"][path] = e

    visit("/", f)
    return out
