#!/usr/bin/python3
"""Check a file written by internal/hdf5's Go writer with h5py (used by writer_test.go).

usage: writer_check.py FILE [--modify]

Prints h5py's description of FILE (h5describe.describe, all values) as JSON on stdout.
With --modify the file is first changed in place by libhdf5 through h5py — new members
inserted into existing groups (B-tree splits), a new attribute, a new dataset — so that
libhdf5 must understand our B-trees, symbol table nodes, local heaps and object headers.
"""
import json
import sys

import h5py
import numpy as np

from h5describe import describe


def main():
    path = sys.argv[1]
    if "--modify" in sys.argv[2:]:
        with h5py.File(path, "r+") as f:
            for name in list(f.keys()):
                obj = f[name]
                if isinstance(obj, h5py.Group):
                    for i in range(40):
                        obj.create_group("added_%02d" % i)
            f.create_dataset("added/by/h5py", data=np.arange(6, dtype="<f4").reshape(2, 3))
            f.attrs["added_attr"] = "from h5py"
    with h5py.File(path, "r") as f:
        desc = describe(f)
    json.dump(desc, sys.stdout, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main()
