# np.genfromtxt with skip_header, a validation set passed explicitly, and the
# callbacks kerago implements: ReduceLROnPlateau, CSVLogger, TerminateOnNaN
# and a LearningRateScheduler whose schedule is a function of the script.
import numpy as np
import tensorflow as tf

data = np.genfromtxt('data/sensor.csv', delimiter=',', skip_header=1)
x = data[:, :3]
y = data[:, 3]
x_train, y_train = x[:60], y[:60]
x_val, y_val = x[60:], y[60:]


def scheduler(epoch, lr):
    if epoch < 5:
        return lr
    else:
        return lr * tf.math.exp(-0.1)


model = tf.keras.models.Sequential([
    tf.keras.layers.Dense(16, activation='tanh', input_shape=(3,)),
    tf.keras.layers.Dense(1),
])
model.compile(optimizer=tf.keras.optimizers.SGD(learning_rate=0.05, momentum=0.5), loss='mse')

callbacks = [
    tf.keras.callbacks.LearningRateScheduler(scheduler),
    tf.keras.callbacks.ReduceLROnPlateau(monitor='val_loss', factor=0.5, patience=2, min_lr=1e-4),
    tf.keras.callbacks.CSVLogger('sensor_training.csv'),
    tf.keras.callbacks.TerminateOnNaN(),
]
history = model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=12,
                    batch_size=20, callbacks=callbacks, verbose=0)
print('final val_loss', history.history['val_loss'][-1])
print('learning rates', history.history['learning_rate'])
