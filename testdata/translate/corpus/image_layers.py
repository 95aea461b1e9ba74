# The reshaping and convolution layers of image models (padding,
# cropping, upsampling, transposed, separable and depthwise convolutions)
# in their Keras 3 argument forms, trained for an epoch on tiny data made
# with NumPy's seeded generator.
import numpy as np
from tensorflow import keras
from tensorflow.keras import layers
model = keras.Sequential([
    layers.Input(shape=(16, 16, 3)),
    layers.ZeroPadding2D(),
    layers.ZeroPadding2D(2),
    layers.ZeroPadding2D(padding=(1, 2)),
    layers.ZeroPadding2D(((1, 0), (2, 3))),
    layers.Cropping2D(cropping=((1, 1), (2, 0))),
    layers.Cropping2D(1),
    layers.SeparableConv2D(8, 3, padding='same', depth_multiplier=2, depthwise_initializer='he_normal', pointwise_regularizer=keras.regularizers.l2(0.01)),
    layers.DepthwiseConv2D((3, 3), (1, 1), 'same', 2, activation='relu', activity_regularizer=keras.regularizers.l1(0.001)),
    layers.Conv2DTranspose(4, (3, 3), strides=2, padding='same', output_padding=1),
    layers.UpSampling2D(),
    layers.UpSampling2D(size=(2, 1), interpolation='bilinear'),
    layers.Reshape((-1, 4)),
    layers.ZeroPadding1D((1, 2)),
    layers.Cropping1D(1),
    layers.UpSampling1D(2),
    layers.SeparableConv1D(4, 3),
    layers.DepthwiseConv1D(3),
    layers.Conv1DTranspose(2, 3, 2),
    layers.GlobalAveragePooling1D(),
])

np.random.seed(5)
x = np.random.random((8, 16, 16, 3))
y = np.random.random((8, 2))
model.compile(optimizer='adam', loss='mse')
model.fit(x, y, epochs=1, batch_size=4, verbose=0)
print(model.predict(x).shape)
