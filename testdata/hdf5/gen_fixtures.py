#!/usr/bin/python3
"""Generate HDF5 fixtures for internal/hdf5 tests with h5py.

Run from this directory: /usr/bin/python3 gen_fixtures.py
(Debian bookworm: python3-h5py 3.7.0 / HDF5 1.10.8, python3-numpy 1.24.2.)

For each libver in ("earliest", "latest") it writes fixtures/<libver>.h5 and a
sidecar fixtures/<libver>.json describing every group (members in h5py's
iteration order), dataset (dtype, shape, flattened values) and attribute, as
read back by h5py itself. The Go test checks its reader against the sidecar.
"""
import json
import os

import h5py
import numpy as np

from h5describe import describe

rng = np.random.default_rng(20240501)
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")


def build(f, libver):
    vs = h5py.string_dtype("utf-8")
    # nested groups
    f.create_group("nested/a/b/c")
    f["nested/a"].attrs["depth"] = np.int32(1)
    f["nested/a/b/c"].create_dataset("leaf", data=np.arange(6, dtype="<i4").reshape(2, 3))

    # a group with 1000 members, created in non-sorted order
    big = f.create_group("many")
    idx = rng.permutation(1000)
    for i in idx:
        if i % 50 == 0:
            big.create_group("m%04d" % i)
        else:
            big.create_dataset("m%04d" % i, data=np.int16(i))

    # creation-order tracked group
    tg = f.create_group("tracked", track_order=True)
    for name in ["zeta", "alpha", "mid", "beta", "omega"]:
        tg.create_group(name)
    tg.attrs["z_first"] = 1
    tg.attrs["a_second"] = 2

    # an object with 25 attributes (dense attribute storage with libver=latest)
    ag = f.create_group("attrs25")
    for i in range(25):
        kind = i % 5
        name = "attr_%02d" % i
        if kind == 0:
            ag.attrs[name] = np.float64(i) / 7
        elif kind == 1:
            ag.attrs[name] = np.arange(i, dtype="<i8") - 3
        elif kind == 2:
            ag.attrs[name] = "vlen string number %d ünïcode" % i
        elif kind == 3:
            ag.attrs[name] = np.array([b"fixed", b"len%d" % i, b""], dtype="S8")
        else:
            ag.attrs[name] = np.float32(rng.standard_normal((2, 3)))

    # attribute zoo on the root
    f.attrs["vlen_scalar"] = "hello"
    f.attrs.create("vlen_array", ["a", "bb", "", "ccc ü"], dtype=vs)
    f.attrs["fixed_array"] = np.array([b"dense_1", b"dense_22", b"x"])  # like Keras layer_names
    f.attrs["fixed_scalar"] = np.bytes_(b"3.15.1")
    f.attrs.create("fixed_utf8", "naïve".encode("utf-8"), dtype=h5py.string_dtype("utf-8", 10))
    f.attrs.create("spacepad", np.array([b"ab"], dtype="S5"))  # null-padded by numpy
    f.attrs["empty_float"] = np.array([], dtype="float64")  # like Keras weight_names=[]
    f.attrs["empty_bytes"] = np.array([], dtype="S1")
    f.attrs["int8"] = np.int8(-5)
    f.attrs["uint16_be"] = np.array([1, 65535], dtype=">u2")
    f.attrs["int64_arr"] = np.array([-(2 ** 62), 0, 2 ** 62], dtype="<i8")
    f.attrs["float16"] = np.array([0.5, -2.0, 65504.0, 6.1e-5], dtype="<f2")
    f.attrs["bool"] = np.bool_(True)
    f.attrs["bool_arr"] = np.array([True, False, True])
    f.attrs.create("array_type", np.arange(6, dtype="<f4").reshape(2, 3), dtype=np.dtype(("<f4", (2, 3))))

    # datasets: contiguous
    c = f.create_group("contig")
    c["f32"] = np.float32(rng.standard_normal((4, 3)))
    c["f64"] = rng.standard_normal(7)
    c["i64"] = np.arange(-5, 5, dtype="<i8")
    c["i32"] = np.array([[1, -2], [3, -4]], dtype="<i4")
    c["u8"] = np.arange(250, 256, dtype="u1")
    c["i16_be"] = np.array([-300, 300], dtype=">i2")
    c["f32_be"] = np.float32(rng.standard_normal(5)).astype(">f4")
    c["f64_be"] = rng.standard_normal(3).astype(">f8")
    c["f16"] = np.float16(rng.standard_normal(9))
    c["scalar_f64"] = np.float64(3.25)
    c["scalar_i64"] = np.int64(-42)
    c["empty"] = np.zeros((0,), dtype="<f4")
    c["empty2"] = np.zeros((3, 0), dtype="<f8")
    c["rank4"] = np.float32(rng.standard_normal((2, 3, 1, 2)))
    c["bool"] = np.array([True, False, False, True])
    c.create_dataset("vlen_str", data=["one", "two ü", ""], dtype=vs)
    c["fixed_str"] = np.array([b"abc", b"de", b"fghij"])
    c["f32"].attrs["unit"] = "meters"
    c["f32"].attrs["scale"] = np.float32(0.5)

    # compact layout (low-level API)
    cp = f.create_group("compact")
    for name, arr in [("f32", np.float32(rng.standard_normal((3, 2)))), ("i64", np.arange(5, dtype="<i8"))]:
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_layout(h5py.h5d.COMPACT)
        space = h5py.h5s.create_simple(arr.shape)
        tid = h5py.h5t.py_create(arr.dtype)
        dsid = h5py.h5d.create(cp.id, name.encode(), tid, space, dcpl=dcpl)
        dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)
        dsid.close()

    # chunked datasets with filters
    ch = f.create_group("chunked")
    ch.create_dataset("f32_gzip_shuffle", data=np.float32(rng.standard_normal((37, 23))),
                      chunks=(8, 5), compression="gzip", compression_opts=6, shuffle=True)
    ch.create_dataset("f64_gzip", data=rng.standard_normal((50,)), chunks=(16,), compression="gzip")
    ch.create_dataset("i64_shuffle_gzip", data=np.arange(-100, 100, dtype="<i8").reshape(20, 10),
                      chunks=(7, 3), compression="gzip", shuffle=True)
    ch.create_dataset("f16_gzip", data=np.float16(rng.standard_normal((12, 4))), chunks=(5, 4), compression="gzip")
    ch.create_dataset("f32_be_gzip", data=np.float32(rng.standard_normal((10, 3))).astype(">f4"),
                      chunks=(4, 3), compression="gzip", shuffle=True)
    ch.create_dataset("f32_fletcher", data=np.float32(rng.standard_normal((9, 9))), chunks=(4, 4),
                      fletcher32=True, compression="gzip")
    ch.create_dataset("f32_nofilter", data=np.float32(rng.standard_normal((6, 7))), chunks=(4, 3))
    ch.create_dataset("single_chunk_gzip", data=np.float32(rng.standard_normal((5, 4))), chunks=(5, 4),
                      compression="gzip")
    ch.create_dataset("single_chunk", data=np.arange(12, dtype="<f8").reshape(3, 4), chunks=(3, 4))
    sparse = ch.create_dataset("sparse_fill", shape=(10, 10), dtype="<i4", chunks=(3, 3), fillvalue=-7,
                               compression="gzip")
    sparse[0:2, 0:2] = np.array([[1, 2], [3, 4]], dtype="<i4")
    sparse[9, 9] = 99
    ch.create_dataset("many_chunks", data=np.arange(2000, dtype="<f4"), chunks=(1,))
    ch.create_dataset("many_chunks_gzip", data=np.arange(1500, dtype="<i8"), chunks=(1,), compression="gzip")
    ch.create_dataset("resizable1", data=np.arange(30, dtype="<f4").reshape(10, 3), chunks=(4, 3),
                      maxshape=(None, 3), compression="gzip")
    ch.create_dataset("resizable2", data=np.arange(30, dtype="<f4").reshape(5, 6), chunks=(2, 2),
                      maxshape=(None, None))
    ch.create_dataset("resizable_dim1", data=np.arange(30, dtype="<i4").reshape(3, 10), chunks=(2, 4),
                      maxshape=(3, None), compression="gzip", shuffle=True)
    ch.create_dataset("maxshape_fixed", data=np.arange(30, dtype="<f8").reshape(10, 3), chunks=(4, 2),
                      maxshape=(20, 5))
    ch.create_dataset("resizable_many", data=np.arange(5000, dtype="<f4"), chunks=(3,), maxshape=(None,))
    # implicit index: chunked, no filters, early allocation (low-level API)
    dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
    dcpl.set_chunk((4, 4))
    dcpl.set_alloc_time(h5py.h5d.ALLOC_TIME_EARLY)
    arr = np.float32(rng.standard_normal((10, 6)))
    dsid = h5py.h5d.create(ch.id, b"early_alloc", h5py.h5t.py_create(arr.dtype),
                           h5py.h5s.create_simple(arr.shape), dcpl=dcpl)
    dsid.write(h5py.h5s.ALL, h5py.h5s.ALL, arr)
    dsid.close()

    # links
    f["soft"] = h5py.SoftLink("/nested/a")
    f["hard_to_leaf"] = f["nested/a/b/c/leaf"]

    if libver == "latest":
        # larger than the 64 KiB object header message limit: stored as a huge dense attribute
        f["attrs25"].attrs["huge"] = np.arange(20000, dtype="<f4")


def build_small(f, libver):
    """A few-KiB file with the same structures, used as a fuzzing seed."""
    vs = h5py.string_dtype("utf-8")
    g = f.create_group("g")
    for i in range(12):  # > 8 links: dense link storage with libver=latest
        g.create_group("m%02d" % (11 - i))
    for i in range(10):  # > 8 attributes: dense attribute storage with libver=latest
        g.attrs["a%d" % i] = np.int16(i)
    f.attrs["names"] = np.array([b"dense", b"dense_1"])
    f.attrs.create("v", ["x", "yz"], dtype=vs)
    f.attrs["f16"] = np.array([1.5, -2], dtype="<f2")
    f.create_dataset("gz", data=np.arange(24, dtype="<f4").reshape(6, 4), chunks=(4, 3), compression="gzip",
                     shuffle=True, fletcher32=True)
    f.create_dataset("ea", data=np.arange(10, dtype="<i8"), chunks=(3,), maxshape=(None,))
    f.create_dataset("bt2", data=np.arange(6, dtype=">f8").reshape(2, 3), chunks=(1, 2), maxshape=(None, None))
    f.create_dataset("one", data=np.arange(4, dtype="<i4"), chunks=(4,), compression="gzip")
    f.create_dataset("s", data=["a", "bc"], dtype=vs)
    f["scalar"] = np.float64(1.25)
    f["soft"] = h5py.SoftLink("/g/m00")


def main():
    os.makedirs(OUT, exist_ok=True)
    for libver in ("earliest", "latest"):
        for name, fn in ((libver, build), ("small_" + libver, build_small)):
            path = os.path.join(OUT, name + ".h5")
            with h5py.File(path, "w", libver=libver) as f:
                fn(f, libver)
            with h5py.File(path, "r") as f:
                desc = describe(f)
            desc["h5py"] = h5py.version.version
            desc["hdf5"] = h5py.version.hdf5_version
            with open(os.path.join(OUT, name + ".json"), "w") as fp:
                json.dump(desc, fp, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            print(path, os.path.getsize(path))
    superblock_variants()


def superblock_variants():
    """Small files with superblock version 0 behind a user block and version 2 (v1 is tested with the Go writer)."""
    out = {}
    path = os.path.join(OUT, "sb0_userblock.h5")
    with h5py.File(path, "w", libver="earliest", userblock_size=1024) as f:
        build_small(f, "earliest")
    with open(path, "r+b") as fp:
        fp.write(b"user block: not HDF5 data " * 8)
    out["sb0_userblock"] = path
    path = os.path.join(OUT, "sb2.h5")
    with h5py.File(path, "w", libver=("v108", "v108")) as f:
        build_small(f, "latest")
    out["sb2"] = path
    for name, path in out.items():
        with h5py.File(path, "r") as f:
            desc = describe(f)
        with open(os.path.join(OUT, name + ".json"), "w") as fp:
            json.dump(desc, fp, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        print(path, os.path.getsize(path))


if __name__ == "__main__":
    main()
