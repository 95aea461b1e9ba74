# Data made with NumPy's seeded generator (reproduced exactly in Go),
# seeds for TensorFlow, Dropout and BatchNormalization, class weights and
# one line of output per epoch.
import numpy as np
import tensorflow as tf
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout, BatchNormalization

np.random.seed(7)
tf.random.set_seed(7)

x_train = np.random.random((200, 10))
y_train = np.random.randint(2, size=(200, 1))
x_test = np.random.rand(20, 10)
print(x_train[0, :3])

model = Sequential()
model.add(Dense(32, activation='relu', input_dim=10))
model.add(BatchNormalization())
model.add(Dropout(0.3))
model.add(Dense(1, activation='sigmoid'))
model.compile(optimizer='rmsprop', loss='binary_crossentropy', metrics=['accuracy'])
model.fit(x_train, y_train, epochs=3, batch_size=32, class_weight={0: 1.0, 1: 1.5}, verbose=2)
print(model.predict(x_test).shape)
