import numpy as np
from tensorflow import keras
from tensorflow.keras import layers

x_train = np.load('data/clusters.npy').reshape(-1, 2, 2, 1)
y_train = keras.utils.to_categorical(np.load('data/cluster_labels.npy'), 4)

model = keras.Sequential(
    [
        keras.Input(shape=(2, 2, 1)),
        layers.Conv2D(8, kernel_size=(2, 2), activation="relu", padding="same"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(4, activation="softmax"),
    ]
)
model.summary()
model.compile(loss="categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=16, epochs=2, validation_split=0.1, verbose=0)
score = model.evaluate(x_train, y_train, verbose=0)
print("Test loss:", score[0])
print("Test accuracy:", score[1])
