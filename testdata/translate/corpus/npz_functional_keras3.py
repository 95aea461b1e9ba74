# Keras 3 functional API (a chain of layers on a keras.Input), data from an
# .npz opened in a with block, loss and metric objects, and weights saved and
# loaded back.
import numpy as np
import keras
from keras import layers

with np.load("data/dataset.npz") as data:
    x_train = data["x_train"]
    y_train = data["y_train"]
    x_test = data["x_test"]
    y_test = data["y_test"]

inputs = keras.Input(shape=(3,))
x = layers.Dense(8, activation="relu")(inputs)
x = layers.Dense(8, activation="relu")(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs=inputs, outputs=outputs, name="regressor")

model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=1e-2),
    loss=keras.losses.MeanSquaredError(),
    metrics=[keras.metrics.MeanAbsoluteError(), keras.metrics.RootMeanSquaredError()],
)
model.fit(x_train, y_train, batch_size=16, epochs=25, verbose=0)
model.save_weights("regressor.weights.h5")

restored = keras.Model(inputs=inputs, outputs=outputs)
restored.compile(optimizer="adam", loss="mse")
restored.load_weights("regressor.weights.h5")
print(model.evaluate(x_test, y_test, verbose=0))
print(restored.predict(x_test)[:3])
