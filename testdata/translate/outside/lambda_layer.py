import numpy as np
import matplotlib.pyplot as plt
from keras.models import Sequential
from keras.layers import Dense, Lambda

x = np.load('data/readme_x_train.npy')
y = np.load('data/readme_y_train.npy')

model = Sequential()
model.add(Dense(8, activation='relu', input_shape=(2,)))
model.add(Lambda(lambda t: t * 2.0))
model.add(Dense(2))
model.compile(optimizer='sgd', loss='mse')
history = model.fit(x, y, epochs=3, verbose=0)
plt.plot(history.history['loss'])
plt.savefig('loss.png')
print(history.history['loss'][-1])
