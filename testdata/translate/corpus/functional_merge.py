# A functional model with merges (Add, Multiply, Concatenate) of branches
# from one input, a tensor used by several branches and the input itself
# concatenated: kerago translate builds it with layers.Apply and
# keras.NewModel. Tiny data from NumPy's seeded generator.
import numpy as np
import keras
from keras import layers
np.random.seed(0)
x = np.random.random((32, 6))
y = np.random.random((32, 1))
inputs = keras.Input(shape=(6,))
h = layers.Dense(8, activation='relu')(inputs)
a = layers.Dense(4)(h)
b = layers.Dense(4, activation='tanh')(h)
s = layers.Add()([a, b])
m = layers.Multiply()([s, a])
c = layers.Concatenate()([m, h, inputs])
outputs = layers.Dense(1)(c)
model = keras.Model(inputs=inputs, outputs=outputs)
model.compile(optimizer='adam', loss='mse')
model.fit(x, y, epochs=2, batch_size=8, verbose=0)
print(model.predict(x).shape)
