"""Writes the small data files of the translate corpus (run with Debian's
/usr/bin/python3 and NumPy 1.24; the files are committed, this script documents
how they were made). All data are synthetic."""
import numpy as np

rng = np.random.RandomState(2024)

# readme: the founding program's task, y = (x0 + x1, x0 * x1)
x = rng.uniform(-1, 1, size=(96, 2)).astype("float32")
np.save("data/readme_x_train.npy", x)
np.save("data/readme_y_train.npy", np.stack([x[:, 0] + x[:, 1], x[:, 0] * x[:, 1]], axis=1).astype("float32"))
np.save("data/readme_x_test.npy", rng.uniform(-1, 1, size=(4, 2)).astype("float32"))

# housing.csv: regression with a header, 5 features and a price
n = 120
f = rng.normal(size=(n, 5))
price = 3.0 + f @ np.array([1.5, -2.0, 0.5, 0.0, 1.0]) + 0.1 * rng.normal(size=n)
with open("data/housing.csv", "w") as fh:
    fh.write("rooms,age,distance,tax,income,price\n")
    for i in range(n):
        fh.write(",".join("%.4f" % v for v in f[i]) + ",%.4f\n" % price[i])

# flowers.csv: 3 classes with text labels
names = ["setosa", "versicolor", "virginica"]
centers = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.5, 2.0]])
with open("data/flowers.csv", "w") as fh:
    fh.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
    for i in range(90):
        c = i % 3
        v = centers[c] + 0.3 * rng.normal(size=4)
        fh.write(",".join("%.1f" % a for a in v) + "," + names[c] + "\n")

# diabetes.csv: binary label in the last column, numeric header
with open("data/diabetes.csv", "w") as fh:
    fh.write("preg,glucose,bp,skin,insulin,bmi,pedigree,age,outcome\n")
    for i in range(100):
        v = rng.uniform(0, 1, size=8)
        label = int(v[1] + 0.5 * v[5] + 0.1 * rng.normal() > 0.8)
        fh.write(",".join("%.3f" % a for a in v) + ",%d\n" % label)

# sensor.txt: whitespace-free CSV with a comment header, for genfromtxt
with open("data/sensor.csv", "w") as fh:
    fh.write("# temperature,pressure,humidity,target\n")
    for i in range(80):
        v = rng.uniform(-1, 1, size=3)
        fh.write("%.4f,%.4f,%.4f,%.4f\n" % (v[0], v[1], v[2], 2 * v[0] - v[1] + 0.5 * v[2]))

# dataset.npz: a train/test split saved by np.savez
xtr = rng.normal(size=(64, 3)).astype("float32")
xte = rng.normal(size=(16, 3)).astype("float32")
w = np.array([[0.5], [-1.0], [2.0]], dtype="float32")
np.savez("data/dataset.npz", x_train=xtr, y_train=(xtr @ w).astype("float32"),
         x_test=xte, y_test=(xte @ w).astype("float32"))

# points.csv: no header, two features and a value
with open("data/points.csv", "w") as fh:
    for i in range(60):
        a, b = rng.uniform(0, 10, size=2)
        fh.write("%.3f,%.3f,%.3f\n" % (a, b, 0.3 * a - 0.2 * b + 1))

# clusters.npy / labels.npy: 4 integer classes for sparse labels
xc = rng.normal(size=(80, 4)).astype("float32")
np.save("data/clusters.npy", xc)
np.save("data/cluster_labels.npy", (np.argmax(xc, axis=1)).astype("int64"))

# fitref/fit_sgd_momentum_mse/xy.csv: the recorded run's x and y as CSV
# (9 significant digits: read back as float64 and cast to float32 they give
# the float32 values exactly)
fx = np.load("fitref/fit_sgd_momentum_mse/x.npy")
fy = np.load("fitref/fit_sgd_momentum_mse/y.npy")
with open("fitref/fit_sgd_momentum_mse/xy.csv", "w") as fh:
    fh.write("x0,x1,y0,y1\n")
    for a, b in zip(fx, fy):
        fh.write(",".join("%.9g" % v for v in list(a) + list(b)) + "\n")
chk = np.loadtxt("fitref/fit_sgd_momentum_mse/xy.csv", delimiter=",", skiprows=1).astype("float32")
assert (chk[:, :2] == fx).all() and (chk[:, 2:] == fy).all()
