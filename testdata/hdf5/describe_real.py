#!/usr/bin/python3
"""Write expected.json: h5py's view of every copied real HDF5 file.

Run from this directory: /usr/bin/python3 describe_real.py
Covers keras-cases/*/{model.h5,model.weights.h5}, the model.weights.h5 inside
each .keras archive (key "<archive>!model.weights.h5") and every HDF5 file under
realmodels/. Dataset values are recorded as SHA-256 digests (see h5describe.py).
"""
import glob
import io
import json
import os
import zipfile

import h5py

from h5describe import describe

HERE = os.path.dirname(os.path.abspath(__file__))


def is_hdf5(path):
    with open(path, "rb") as fp:
        head = fp.read(1024 + 8)
    return any(head[o:o + 8] == b"\x89HDF\r\n\x1a\n" for o in (0, 512, 1024))


def main():
    # The described files are the copies all packages share
    # (testdata/keras-cases, testdata/realmodels); keys stay "keras-cases/...".
    os.chdir(os.path.join(HERE, ".."))
    out = {}
    files = sorted(glob.glob("keras-cases/*/*") + glob.glob("realmodels/*/*"))
    files = [p for p in files if "inputs_and_outputs" not in p]  # reference arrays, not models
    for path in files:
        if path.endswith(".keras"):
            with zipfile.ZipFile(path) as z:
                data = z.read("model.weights.h5")
            with h5py.File(io.BytesIO(data), "r") as f:
                out[path + "!model.weights.h5"] = describe(f, hash_datasets=True)
        elif os.path.isfile(path) and is_hdf5(path):
            with h5py.File(path, "r") as f:
                out[path] = describe(f, hash_datasets=True)
    out["__tools__"] = {"h5py": h5py.version.version, "hdf5": h5py.version.hdf5_version}
    with open(os.path.join(HERE, "expected.json"), "w") as fp:
        json.dump(out, fp, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    print(len(out) - 1, "files")


if __name__ == "__main__":
    main()
