# The fit-refs/fit_sgd_momentum_mse run again, with its data read from a CSV
# by pandas and an SGD optimizer object: the losses must still be Keras's.
import numpy as np
import pandas as pd
import tensorflow as tf

df = pd.read_csv('fitref/fit_sgd_momentum_mse/xy.csv')
x = df[['x0', 'x1']].values
y = df[['y0', 'y1']].values

model = tf.keras.Sequential()
model.add(tf.keras.layers.Dense(10, activation=tf.nn.relu, input_shape=(2,)))
model.add(tf.keras.layers.Dense(10, activation=tf.nn.relu))
model.add(tf.keras.layers.Dense(2))
init = 'fitref/fit_sgd_momentum_mse/init/'
model.set_weights([np.load(init + '00_dense_1__kernel.npy'), np.load(init + '01_dense_1__bias.npy'),
                   np.load(init + '02_dense_2__kernel.npy'), np.load(init + '03_dense_2__bias.npy'),
                   np.load(init + '04_dense_3__kernel.npy'), np.load(init + '05_dense_3__bias.npy')])
model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
              loss=tf.keras.losses.MeanSquaredError())
history = model.fit(x, y, batch_size=32, epochs=20, shuffle=False, verbose=0)
print(history.history['loss'])
