# Every activation layer kerago has, regularizers, constraints and
# initializers, and each optimizer in turn (compiled from a list of names).
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers, regularizers, constraints, initializers

x = np.load('data/clusters.npy')
y = keras.utils.to_categorical(np.load('data/cluster_labels.npy'), 4)

for name in ['sgd', 'adam', 'adamw', 'rmsprop', 'adagrad', 'adadelta', 'adamax', 'nadam', 'lion']:
    model = keras.Sequential([
        layers.Reshape((2, 2), input_shape=(4,)),
        layers.Flatten(),
        layers.Dense(12, kernel_initializer=initializers.HeNormal(),
                     kernel_regularizer=regularizers.l2(1e-3),
                     kernel_constraint=constraints.MaxNorm(3)),
        layers.PReLU(),
        layers.Dense(12, kernel_initializer='he_uniform', bias_initializer='zeros'),
        layers.ELU(alpha=0.5),
        layers.Dense(12, use_bias=False),
        layers.ReLU(max_value=6.0),
        layers.Dense(12),
        layers.ThresholdedReLU(theta=0.1),
        layers.Dense(4),
        layers.Softmax(),
    ])
    model.compile(optimizer=name, loss='categorical_crossentropy', metrics=['categorical_accuracy'])
    history = model.fit(x, y, epochs=2, batch_size=20, verbose=0)
    print(name, round(history.history['loss'][-1], 4))
