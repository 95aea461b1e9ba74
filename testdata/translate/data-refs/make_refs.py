"""Reference outputs of NumPy, pandas and scikit-learn for package data's
tests. Run with Debian bookworm's /usr/bin/python3 (NumPy 1.24.2, pandas
1.5.3, scikit-learn 1.2.1): python3 make_refs.py > refs.json"""
import io
import json

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, StandardScaler

out = {"versions": {"numpy": np.__version__, "pandas": pd.__version__, "sklearn": sklearn.__version__}}

# train_test_split: indices of the train and test parts of arange(n)
splits = []
for n, kw in [
    (10, dict(test_size=0.2, random_state=42)),
    (150, dict(test_size=0.2, random_state=42)),
    (7, dict(test_size=3, random_state=0)),
    (100, dict(random_state=7)),
    (33, dict(test_size=0.3, train_size=0.5, random_state=1)),
    (20, dict(test_size=0.25, shuffle=False)),
    (1000, dict(test_size=0.1, random_state=123)),
    (9, dict(train_size=4, random_state=5)),
]:
    a = np.arange(n)
    tr, te = train_test_split(a, **kw)
    splits.append({"n": n, "kwargs": kw, "train": tr.tolist(), "test": te.tolist()})
# random_state=None after np.random.seed: the global generator
np.random.seed(11)
tr, te = train_test_split(np.arange(12), test_size=0.25)
splits.append({"n": 12, "kwargs": {"test_size": 0.25, "global_seed": 11}, "train": tr.tolist(), "test": te.tolist()})
out["train_test_split"] = splits

# scalers on float32 data with a constant column
rng = np.random.RandomState(3)
x = rng.normal(loc=[5.0, -2.0, 0.0, 7.0], scale=[2.0, 0.1, 1.0, 0.0], size=(25, 4)).astype("float32")
x[:, 3] = 7.0
ss = StandardScaler().fit(x)
out["standard_scaler"] = {
    "x": x.tolist(),
    "mean": ss.mean_.tolist(), "var": ss.var_.tolist(), "scale": ss.scale_.tolist(),
    "transformed": ss.transform(x).tolist(),
    "transformed_dtype": str(ss.transform(x).dtype),
}
mm = MinMaxScaler().fit(x)
mm2 = MinMaxScaler(feature_range=(-1, 1)).fit(x)
out["minmax_scaler"] = {
    "data_min": mm.data_min_.tolist(), "data_max": mm.data_max_.tolist(),
    "transformed": mm.transform(x).tolist(),
    "transformed_pm1": mm2.transform(x).tolist(),
}

# LabelEncoder and get_dummies
labels = ["virginica", "setosa", "versicolor", "setosa", "virginica"]
le = LabelEncoder()
out["label_encoder"] = {"labels": labels, "codes": le.fit_transform(labels).tolist(), "classes": le.classes_.tolist()}
d = pd.get_dummies(pd.Series(labels))
out["get_dummies"] = {"columns": list(d.columns), "values": d.values.astype(int).tolist()}

# read_csv
csv = "a,b,c,label\n1,2.5,x,yes\n3,,y,no\n5,6.0,z,yes\n"
df = pd.read_csv(io.StringIO(csv))
out["read_csv"] = {
    "text": csv,
    "columns": list(df.columns),
    "dtypes": [str(t) for t in df.dtypes],
    "b": [None if np.isnan(v) else v for v in df["b"].tolist()],
    "iloc_first_two": [[None if np.isnan(v) else v for v in r] for r in df.iloc[:, :2].values.tolist()],
}
csv2 = "1,2,3\n4,5,6\n"
out["read_csv_noheader"] = {
    "text": csv2,
    "header_none_columns": [str(c) for c in pd.read_csv(io.StringIO(csv2), header=None).columns],
    "names_values": pd.read_csv(io.StringIO(csv2), names=["p", "q", "r"])[["r", "p"]].values.tolist(),
    "default_columns": list(pd.read_csv(io.StringIO(csv2)).columns),
    "default_shape": list(pd.read_csv(io.StringIO(csv2)).shape),
}
csv3 = "id,x,x,\n7,1,2,3\n8,4,5,6\n"
df3 = pd.read_csv(io.StringIO(csv3), index_col="id")
out["read_csv_mangle"] = {"text": csv3, "columns": list(df3.columns), "values": df3.values.tolist(),
                          "usecols": pd.read_csv(io.StringIO(csv3), usecols=["x.1", "id"]).values.tolist()}

# loadtxt / genfromtxt
txt = "# header\n1 2 3\n4 5 6\n\n7 8 9\n"
out["loadtxt"] = {
    "text": txt,
    "all": np.loadtxt(io.StringIO(txt)).tolist(),
    "usecols_2": np.loadtxt(io.StringIO(txt), usecols=2).tolist(),
    "usecols_0_2": np.loadtxt(io.StringIO(txt), usecols=(0, 2)).tolist(),
    "skiprows_2": np.loadtxt(io.StringIO(txt), skiprows=2).tolist(),
    "ndmin2_shape": list(np.loadtxt(io.StringIO("1 2 3\n"), ndmin=2).shape),
    "one_row_shape": list(np.loadtxt(io.StringIO("1 2 3\n")).shape),
}
gtxt = "a,b\n1,\n3,4\n"
g = np.genfromtxt(io.StringIO(gtxt), delimiter=",", skip_header=1)
out["genfromtxt"] = {"text": gtxt, "values": [[None if np.isnan(v) else v for v in r] for r in g.tolist()]}

# NumPy's legacy generator
r = np.random.RandomState(2024)
out["random"] = {
    "seed": 2024,
    "rand_2x3": r.rand(2, 3).tolist(),
    "randn_5": r.randn(5).tolist(),
    "randint_0_7_6": r.randint(0, 7, size=6).tolist(),
    "randint_big": r.randint(0, 2**33, size=3).tolist(),
    "uniform": r.uniform(-3, 2, size=4).tolist(),
    "normal": r.normal(1.5, 0.5, size=3).tolist(),
    "permutation_17": r.permutation(17).tolist(),
}
arr = np.arange(12, dtype="float32").reshape(6, 2)
r.shuffle(arr)
out["random"]["shuffled_rows"] = arr.tolist()
out["random"]["after_shuffle_random"] = r.random_sample(2).tolist()
r0 = np.random.RandomState(0)
# randint over [0, 2**32) draws raw 32-bit outputs of the twister
out["random"]["seed0_first_uint32"] = [int(v) for v in r0.randint(0, 2**32, size=3, dtype=np.uint64)]

# Python's float formatting
vals = [0.1, 1.0, 1e-05, 123456789.0, 1e16, 1.5e-7, 2.0/3.0, -0.0, 100.0, 0.000123456, 1234.5678]
specs = ["", ".4f", ".2f", "g", ".3g", "e", ".2e", ">10.3f", "<9.2f", "+.1f", "08.3f", ".1%", ",.2f", "10", ".10g"]
out["format"] = [{"v": v, "spec": s, "out": format(v, s)} for v in vals for s in specs]
out["repr"] = [{"v": v, "out": repr(v)} for v in vals + [3.141592653589793, 1e22, 5e-324]]
out["format_int"] = [{"v": v, "spec": s, "out": format(v, s)} for v in [0, 7, -42, 123456] for s in ["", "d", "5d", "<5d", "05d", ",d", ".2f", "e"]]
out["percent"] = [{"fmt": f, "v": v, "out": f % v} for f in ["%.4f", "%g", "%.3g", "%e", "%10.2f", "%d"] for v in [0.5, 123.456789, 1e-6]]

print(json.dumps(out, indent=1, allow_nan=False))
