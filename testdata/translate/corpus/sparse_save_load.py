# tf.keras with integer labels: logits, SparseCategoricalCrossentropy
# (from_logits=True), a sparse accuracy metric, and the model saved as .keras
# and loaded back with keras.models.load_model.
import numpy as np
import tensorflow as tf

x = np.load('data/clusters.npy')
y = np.load('data/cluster_labels.npy')

model = tf.keras.Sequential([
    tf.keras.layers.InputLayer(input_shape=(4,)),
    tf.keras.layers.Dense(24, activation='relu'),
    tf.keras.layers.Dense(4),
])
model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
model.fit(x, y, epochs=10, batch_size=16, verbose=0)
model.save('clusters.keras')

loaded = tf.keras.models.load_model('clusters.keras')
loss, acc = loaded.evaluate(x, y, verbose=0)
print('loaded model: loss %.4f, accuracy %.4f' % (loss, acc))
print(np.argmax(loaded.predict(x[:6]), axis=1))
