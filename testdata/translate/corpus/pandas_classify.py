# Keras 2 style classification: a text label column encoded with
# LabelEncoder and to_categorical, features selected with drop, MinMaxScaler,
# a checkpoint of the best model, then the saved model loaded back.
import numpy as np
import pandas as pd
from keras.models import Sequential, load_model
from keras.layers import Dense, Dropout
from keras.callbacks import ModelCheckpoint
from keras.utils import to_categorical
from sklearn.preprocessing import LabelEncoder, MinMaxScaler
from sklearn.model_selection import train_test_split

data = pd.read_csv('data/flowers.csv')
X = data.drop('species', axis=1).values
encoder = LabelEncoder()
y = encoder.fit_transform(data['species'])
y = to_categorical(y, num_classes=3)

X = MinMaxScaler().fit_transform(X)
x_train, x_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=7)

model = Sequential()
model.add(Dense(16, input_dim=4, activation='relu'))
model.add(Dropout(0.2))
model.add(Dense(3, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam', metrics=['accuracy'])

checkpoint = ModelCheckpoint('best_flowers.keras', monitor='val_accuracy', save_best_only=True, mode='max')
model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=30, batch_size=8,
          callbacks=[checkpoint], verbose=0)

best = load_model('best_flowers.keras')
loss, acc = best.evaluate(x_test, y_test, verbose=0)
print('accuracy of the best model: {:.3f}'.format(acc))
classes = np.argmax(best.predict(x_test), axis=1)
print(classes)
