# The classic Keras 2 tutorial shape: np.loadtxt of a CSV with a header,
# columns sliced with [:, 0:8] and [:, 8], binary crossentropy, evaluate
# printed as a percentage.
from numpy import loadtxt
from keras.models import Sequential
from keras.layers import Dense

dataset = loadtxt('data/diabetes.csv', delimiter=',', skiprows=1)
X = dataset[:, 0:8]
y = dataset[:, 8]

model = Sequential()
model.add(Dense(12, input_dim=8, activation='relu'))
model.add(Dense(8, activation='relu'))
model.add(Dense(1, activation='sigmoid'))
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.fit(X, y, epochs=15, batch_size=10, verbose=0)

_, accuracy = model.evaluate(X, y, verbose=0)
print('Accuracy: %.2f' % (accuracy * 100))
predictions = (model.predict(X) > 0.5).astype(int)
for i in range(5):
    print('%s => %d (expected %d)' % (X[i], predictions[i], y[i]))
