#!/usr/bin/python3
"""Generates the .npy/.npz fixtures of tensor/npy_test.go with NumPy.

Run from this directory with Debian's python3 + python3-numpy:
    /usr/bin/python3 gen_npy.py
expected.json holds, per file, the shape and the values NumPy itself gives
for arr.astype(float32) in C order (as float64 JSON numbers, exact for float32).
"""
import io, json, math, zipfile
import numpy as np

rng = np.random.default_rng(20240601)
cases = {}

def add(name, arr, **kw):
    fn = name + ".npy"
    with open(fn, "wb") as f:
        np.lib.format.write_array(f, arr, **kw)
    ref = np.ascontiguousarray(arr).astype(np.float32)
    vals = [float(v) if math.isfinite(v) else repr(float(v)) for v in ref.ravel(order="C")]
    cases[fn] = {"shape": list(arr.shape), "values": vals, "dtype": arr.dtype.str,
                 "fortran": bool(arr.flags.f_contiguous and not arr.flags.c_contiguous)}

add("f4_le_2x3", rng.standard_normal((2, 3)).astype("<f4"))
add("f4_be_3", rng.standard_normal(3).astype(">f4"))
add("f8_le_2x2x2", rng.standard_normal((2, 2, 2)))
add("f8_be_4", rng.standard_normal(4).astype(">f8"))
add("f2_le_special", np.array([0.0, -0.0, 1.0, -2.5, 65504.0, 6.1e-05, 5.96e-08, 3.0e-07, np.inf, -np.inf, np.nan], dtype="<f2"))
add("f2_be_2x2", np.array([[1.5, -3.25], [1e-3, 1000]], dtype=">f2"))
add("i1", np.array([-128, -1, 0, 127], dtype="i1"))
add("u1", np.array([0, 1, 255], dtype="u1"))
add("i2_be", np.array([-32768, 5, 32767], dtype=">i2"))
add("u2", np.array([0, 65535], dtype="<u2"))
add("i4", np.array([[-7, 8], [2147483647, -2147483648]], dtype="<i4"))
add("u4_be", np.array([4294967295, 3], dtype=">u4"))
add("i8", np.array([-(2**40), 12345], dtype="<i8"))
add("u8", np.array([2**63 + 2**40, 1], dtype="<u8"))
add("bool", np.array([True, False, True]))
add("scalar_f4", np.array(3.5, dtype="<f4"))
add("scalar_i4", np.array(7, dtype="<i4"))
add("empty_0x3", np.zeros((0, 3), dtype="<f4"))
add("fortran_2x3x4", np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4)))
add("fortran_f8_3x2", np.asfortranarray(rng.standard_normal((3, 2))))
add("v2_header", rng.standard_normal((2, 2)).astype("<f4"), version=(2, 0))
add("v3_header", rng.standard_normal(3).astype("<f4"), version=(3, 0))

a = rng.standard_normal((3, 4)).astype(np.float32)
b = np.arange(5, dtype=np.int32)
c = np.array(2.0, dtype=np.float64)
np.savez("stored.npz", kernel=a, bias=b, scalar=c)
np.savez_compressed("deflated.npz", kernel=a, bias=b, scalar=c)
np.savez("positional.npz", a, b)
np.savez("paths.npz", **{"sequential/dense/kernel": a, "sequential/dense/bias": a[0]})
npz = {}
for fn, d in [("stored.npz", {"kernel": a, "bias": b, "scalar": c}),
              ("deflated.npz", {"kernel": a, "bias": b, "scalar": c}),
              ("positional.npz", {"arr_0": a, "arr_1": b}),
              ("paths.npz", {"sequential/dense/kernel": a, "sequential/dense/bias": a[0]})]:
    names = [n[:-4] for n in zipfile.ZipFile(fn).namelist()]
    npz[fn] = {"order": names, "arrays": {k: {"shape": list(v.shape), "values": [float(x) for x in v.astype(np.float32).ravel()]} for k, v in d.items()}}

with open("expected.json", "w") as f:
    json.dump({"npy": cases, "npz": npz}, f, indent=1, sort_keys=True)
