# tf.keras: the founding network trained with Adam from fixed initial
# weights, shuffle off (the configuration of fit-refs/fit_adam_mse, a run of
# Keras 3.15.1).
import numpy as np
import tensorflow as tf

DATA = 'fitref/fit_adam_mse/'

x = np.load(DATA + 'x.npy')
y = np.load(DATA + 'y.npy')

model = tf.keras.Sequential([
    tf.keras.layers.Dense(10, activation='relu', input_shape=(2,)),
    tf.keras.layers.Dense(10, activation='relu'),
    tf.keras.layers.Dense(2)
])
# fix the initial weights to the recorded run's
model.set_weights([
    np.load(DATA + 'init/00_dense_1__kernel.npy'),
    np.load(DATA + 'init/01_dense_1__bias.npy'),
    np.load(DATA + 'init/02_dense_2__kernel.npy'),
    np.load(DATA + 'init/03_dense_2__bias.npy'),
    np.load(DATA + 'init/04_dense_3__kernel.npy'),
    np.load(DATA + 'init/05_dense_3__bias.npy'),
])
model.compile(optimizer='adam', loss='mse')
history = model.fit(x, y, batch_size=32, epochs=20, shuffle=False, verbose=0)
print(history.history['loss'])
