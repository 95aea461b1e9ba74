# A Keras 1 script: layers from keras.layers.core, init=, Dropout, SGD with
# lr, decay and Nesterov momentum, np_utils.to_categorical with nb_classes,
# nb_epoch, and evaluate with a batch size.
import numpy as np
from keras.models import Sequential
from keras.layers.core import Dense, Dropout, Activation
from keras.optimizers import SGD
from keras.utils import np_utils

X = np.load('data/clusters.npy')
labels = np.load('data/cluster_labels.npy')
Y = np_utils.to_categorical(labels, nb_classes=4)

model = Sequential()
model.add(Dense(64, input_dim=4, init='uniform'))
model.add(Activation('tanh'))
model.add(Dropout(0.5))
model.add(Dense(4, init='uniform'))
model.add(Activation('softmax'))

sgd = SGD(lr=0.1, decay=1e-6, momentum=0.9, nesterov=True)
model.compile(loss='categorical_crossentropy', optimizer=sgd, metrics=['accuracy'])
model.fit(X, Y, nb_epoch=10, batch_size=16, verbose=0)
score = model.evaluate(X, Y, batch_size=16, verbose=0)
print('Test score:', score[0])
print('Test accuracy:', score[1])
