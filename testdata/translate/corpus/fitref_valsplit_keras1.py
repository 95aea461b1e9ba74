# Keras 1 names: output_dim, input_dim, init, separate Activation layers,
# nb_epoch, Adam(lr=...); validation_split (the fit-refs/fit_adam_mse_valsplit
# configuration).
from keras.models import Sequential
from keras.layers.core import Dense, Activation
from keras.optimizers import Adam
import numpy as np

X = np.load('fitref/fit_adam_mse_valsplit/x.npy')
Y = np.load('fitref/fit_adam_mse_valsplit/y.npy')

model = Sequential()
model.add(Dense(output_dim=10, input_dim=2, init='glorot_uniform'))
model.add(Activation('relu'))
model.add(Dense(output_dim=10, init='glorot_uniform'))
model.add(Activation('relu'))
model.add(Dense(output_dim=2))

d = 'fitref/fit_adam_mse_valsplit/init/'
model.set_weights([np.load(d + '00_dense_1__kernel.npy'), np.load(d + '01_dense_1__bias.npy'),
                   np.load(d + '02_dense_2__kernel.npy'), np.load(d + '03_dense_2__bias.npy'),
                   np.load(d + '04_dense_3__kernel.npy'), np.load(d + '05_dense_3__bias.npy')])

model.compile(loss='mse', optimizer=Adam(lr=0.001))
history = model.fit(X, Y, batch_size=32, nb_epoch=20, validation_split=0.2, shuffle=False, verbose=0)
print(history.history['loss'])
print(history.history['val_loss'])
