# Keras 2 style (keras.models / keras.layers imports, model.add, lr=): the
# fit-refs/fit_sgd_momentum_mse configuration — SGD with momentum 0.9.
from keras.models import Sequential
from keras.layers import Dense
from keras.optimizers import SGD
import numpy as np

x = np.load('fitref/fit_sgd_momentum_mse/x.npy')
y = np.load('fitref/fit_sgd_momentum_mse/y.npy')

model = Sequential()
model.add(Dense(10, activation='relu', input_dim=2))
model.add(Dense(10, activation='relu'))
model.add(Dense(2))

weights = []
for name in ['00_dense_1__kernel', '01_dense_1__bias', '02_dense_2__kernel',
             '03_dense_2__bias', '04_dense_3__kernel', '05_dense_3__bias']:
    weights.append(np.load('fitref/fit_sgd_momentum_mse/init/' + name + '.npy'))
model.set_weights(weights)

sgd = SGD(lr=0.01, momentum=0.9)
model.compile(loss='mean_squared_error', optimizer=sgd)
hist = model.fit(x, y, batch_size=32, epochs=20, verbose=0, shuffle=False)
for epoch, loss in enumerate(hist.history['loss']):
    print('epoch %d: loss %.6f' % (epoch + 1, loss))
print(hist.history['loss'])
