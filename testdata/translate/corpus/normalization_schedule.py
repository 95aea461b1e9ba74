# Keras 3 preprocessing and schedules: a Normalization layer adapted to the
# data, LeakyReLU and LayerNormalization layers, a Huber loss and an
# ExponentialDecay learning-rate schedule; the model summary is printed.
import numpy as np
import keras
from keras import layers

x = np.load("data/clusters.npy")
y = np.load("data/cluster_labels.npy").reshape(-1, 1).astype("float32")

norm = layers.Normalization(axis=-1)
norm.adapt(x)

model = keras.Sequential([
    keras.Input(shape=(4,)),
    norm,
    layers.Dense(16, activation="elu"),
    layers.LeakyReLU(negative_slope=0.1),
    layers.LayerNormalization(),
    layers.Dense(1),
])
schedule = keras.optimizers.schedules.ExponentialDecay(
    initial_learning_rate=0.01, decay_steps=10, decay_rate=0.9)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=schedule),
              loss=keras.losses.Huber(delta=0.5))
model.summary()
history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
print("first and last loss:", history.history["loss"][0], history.history["loss"][-1])
