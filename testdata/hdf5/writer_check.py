#!/usr/bin/python3
"""Check a file written by internal/hdf5's Go writer with h5py (used by writer_test.go).

usage: writer_check.py [+]FILE...

Prints {FILE: description} as JSON on stdout, where description is h5py's view of the file
(h5describe.describe with all values).
A FILE written as +FILE is first changed in place by libhdf5 through h5py — new members
inserted into existing groups (B-tree splits), a new attribute, a new dataset — so that
libhdf5 must understand our B-trees, symbol table nodes, local heaps and object headers.
"""
import json
import sys

import h5py
import numpy as np

from h5describe import describe


def modify(path):
    with h5py.File(path, "r+") as f:
        for name in list(f.keys()):
            obj = f[name]
            if isinstance(obj, h5py.Group):
                for i in range(40):
                    obj.create_group("added_%02d" % i)
        f.create_dataset("added/by/h5py", data=np.arange(6, dtype="<f4").reshape(2, 3))
        f.attrs["added_attr"] = "from h5py"


def main():
    out = {}
    for path in sys.argv[1:]:
        if path.startswith("+"):
            path = path[1:]
            modify(path)
        with h5py.File(path, "r") as f:
            out[path] = describe(f)
    json.dump(out, sys.stdout, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main()
