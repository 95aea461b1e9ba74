# pandas without a header line (names=), column lists, a Series reshaped to a
# column, an unshuffled split, scaling by a number, AdamW and a weighted
# validation.
import pandas as pd
from sklearn.model_selection import train_test_split
import keras

df = pd.read_csv("data/points.csv", header=None, names=["a", "b", "value"])
X = df[["a", "b"]].values / 10.0
y = df["value"].values.reshape(-1, 1)

X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=10, shuffle=False)
print(len(X_train), len(X_val))

model = keras.Sequential([
    keras.layers.Dense(8, activation="sigmoid", input_shape=(2,)),
    keras.layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.AdamW(learning_rate=0.05, weight_decay=0.001), loss="mae")
model.fit(X_train, y_train, epochs=20, batch_size=10, validation_data=(X_val, y_val), verbose=0)
print("val mae:", model.evaluate(X_val, y_val, verbose=0))
