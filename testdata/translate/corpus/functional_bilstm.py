# A functional chain Embedding -> Bidirectional(LSTM) -> GlobalMaxPooling1D
# -> Dense (kerago translate makes it a Sequential model), trained on tiny
# data made with NumPy's seeded generator.
import numpy as np
import keras
from keras import layers
np.random.seed(0)
x = np.random.randint(0, 30, size=(32, 10))
y = np.random.randint(2, size=(32,))
inputs = keras.Input(shape=(10,))
h = layers.Embedding(30, 4)(inputs)
h = layers.Bidirectional(layers.LSTM(8, return_sequences=True))(h)
h = layers.GlobalMaxPooling1D()(h)
outputs = layers.Dense(1, activation='sigmoid')(h)
model = keras.Model(inputs, outputs)
model.compile(optimizer='adam', loss='binary_crossentropy')
model.fit(x, y, epochs=1, verbose=0)
print(model.predict(x).shape)
