# XOR from array literals, the Keras 2 way.
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras import optimizers

X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype='float32')
y = np.array([[0], [1], [1], [0]], dtype='float32')

model = Sequential()
model.add(Dense(8, input_dim=2, activation='tanh'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer=optimizers.Adam(lr=0.05), metrics=['binary_accuracy'])
model.fit(X, y, batch_size=4, epochs=200, verbose=0)
print(np.round(model.predict(X)))
