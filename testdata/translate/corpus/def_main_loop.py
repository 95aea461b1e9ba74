"""Functions and a main guard: a model-building function with a default
argument, training one epoch at a time in a loop, formatted output."""
import numpy as np
import pandas as pd
from tensorflow import keras

EPOCHS = 4
BATCH_SIZE = 16


def load_data(path):
    frame = pd.read_csv(path)
    features = frame[['rooms', 'age', 'distance']].to_numpy()
    target = frame['price'].values.reshape(-1, 1)
    return features, target


def build_model(units=16, learning_rate=0.01):
    model = keras.Sequential()
    model.add(keras.layers.Dense(units, activation='relu', input_shape=(3,)))
    model.add(keras.layers.Dense(1))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss='mse', metrics=['mae'])
    return model


def main():
    x, y = load_data('data/housing.csv')
    model = build_model(units=8)
    losses = []
    for epoch in range(EPOCHS):
        history = model.fit(x, y, batch_size=BATCH_SIZE, epochs=1, shuffle=False, verbose=0)
        loss = history.history['loss'][0]
        losses.append(loss)
        print(f"epoch {epoch + 1}/{EPOCHS}: loss={loss:.4f} mae={history.history['mae'][0]:.4f}")
    print('losses:', losses)
    if losses[-1] < losses[0]:
        print('the loss went down')
    else:
        print('the loss did not go down')


if __name__ == '__main__':
    main()
