import numpy as np
import tensorflow as tf

x_train = np.load('x.npy')
y_train = np.load('y.npy')

model = tf.keras.Sequential([
    tf.keras.layers.Dense(10, activation='relu', input_shape=(2,)),
    tf.keras.layers.Dense(10, activation='relu'),
    tf.keras.layers.Dense(2)
])
model.compile(optimizer='adam', loss='mean_squared_error', metrics=['mse'])
model.fit(x_train, y_train, epochs=100, validation_split=0.2,
          callbacks=[tf.keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])
model.save('model.h5')
