# Keras 3 style: keras.Input in the Sequential list, an optimizer object,
# weights loaded from an .npz written with np.savez, the history saved as
# JSON (the fit-refs/fit_rmsprop_mse configuration).
import json

import keras
from keras import layers
import numpy as np

x = np.load("fitref/fit_rmsprop_mse/x.npy")
y = np.load("fitref/fit_rmsprop_mse/y.npy")

model = keras.Sequential(
    [
        keras.Input(shape=(2,)),
        layers.Dense(10, activation="relu"),
        layers.Dense(10, activation="relu"),
        layers.Dense(2),
    ]
)
init = np.load("fitref/rmsprop_init.npz")
model.set_weights([init["k1"], init["b1"], init["k2"], init["b2"], init["k3"], init["b3"]])

model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=0.001), loss="mse")
history = model.fit(x, y, batch_size=32, epochs=20, shuffle=False, verbose=0)

with open("rmsprop_history.json", "w") as f:
    json.dump(history.history, f)
print(history.history["loss"])
print(f"final loss: {history.history['loss'][-1]:.6f}")
