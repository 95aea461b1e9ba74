# The classic text-classification script: padded integer sequences,
# Embedding -> LSTM -> Dense, on tiny data made with NumPy's seeded
# generator (reproduced exactly in Go); a Bidirectional GRU model with
# TimeDistributed and noise layers trained on the same data.
import numpy as np
from tensorflow import keras
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Embedding, LSTM, GRU, Bidirectional, TimeDistributed, Dense, Dropout, GaussianNoise, SpatialDropout1D

np.random.seed(3)
vocab_size = 50
maxlen = 12
x_train = np.random.randint(vocab_size, size=(64, maxlen))
y_train = np.random.randint(2, size=(64, 1))
x_test = np.random.randint(0, vocab_size, size=(8, maxlen))

model = Sequential()
model.add(Embedding(vocab_size, 8, input_length=maxlen, mask_zero=True))
model.add(LSTM(16, dropout=0.1, recurrent_dropout=0.1))
model.add(Dropout(0.2))
model.add(Dense(1, activation='sigmoid'))
model.compile(optimizer='adam', loss='binary_crossentropy', metrics=['accuracy'])
history = model.fit(x_train, y_train, epochs=3, batch_size=16, validation_split=0.25, verbose=2)
print(len(history.history['loss']))
print(model.predict(x_test).shape)

model2 = keras.Sequential([
    keras.layers.Input(shape=(maxlen,)),
    Embedding(input_dim=vocab_size, output_dim=8),
    SpatialDropout1D(0.1),
    Bidirectional(GRU(8, return_sequences=True), merge_mode='concat'),
    TimeDistributed(Dense(4, activation='relu')),
    GaussianNoise(0.05),
    LSTM(4),
    Dense(1, activation='sigmoid'),
])
model2.compile(optimizer='rmsprop', loss='binary_crossentropy')
model2.fit(x_train, y_train, epochs=2, batch_size=32, verbose=0)
print(model2.predict(x_test).shape)
