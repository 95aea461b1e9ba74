# tf.keras regression on a CSV read with pandas: feature/target selection with
# iloc, a scikit-learn split and StandardScaler, EarlyStopping on a validation
# split, evaluate, predict, and the model saved as HDF5.
import pandas as pd
import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
import tensorflow as tf
from tensorflow import keras

df = pd.read_csv('data/housing.csv')
print(df.shape)

X = df.iloc[:, :-1].values
y = df.iloc[:, -1].values

X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42)

scaler = StandardScaler()
X_train = scaler.fit_transform(X_train)
X_test = scaler.transform(X_test)

model = keras.Sequential([
    keras.layers.Dense(32, activation='relu', input_shape=(X_train.shape[1],)),
    keras.layers.Dense(16, activation='relu'),
    keras.layers.Dense(1)
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss='mse', metrics=['mae'])

early_stop = keras.callbacks.EarlyStopping(monitor='val_loss', patience=5, restore_best_weights=True)
history = model.fit(X_train, y_train, epochs=40, batch_size=16, validation_split=0.2,
                    callbacks=[early_stop], verbose=0)
print('epochs run:', len(history.history['loss']))

test_loss, test_mae = model.evaluate(X_test, y_test, verbose=0)
print('Test MAE: %.4f' % test_mae)

predictions = model.predict(X_test[:5])
print(predictions.shape)
model.save('housing_model.h5')
