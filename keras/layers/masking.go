package layers

// Keras masks (Embedding(mask_zero=True), Masking) flow beside a layer's
// output through the layers that support masking (supports_masking = True
// in Keras 3: they work per time step and pass the mask on); the model
// drops the mask at any other layer. Layers that consume or make masks
// (RNNs, GlobalAveragePooling1D, attention) read and set it themselves with
// runtime.Graph.Mask and SetMask.

// SupportsMasking reports that Dense passes its input's mask on.
func (l *DenseLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that Activation passes its input's mask on.
func (l *ActivationLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that Dropout passes its input's mask on.
func (l *DropoutLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that BatchNormalization passes its input's mask on.
func (l *BatchNormalizationLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that LayerNormalization passes its input's mask on.
func (l *LayerNormalizationLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that ReLU passes its input's mask on.
func (l *ReLULayer) SupportsMasking() bool { return true }

// SupportsMasking reports that LeakyReLU passes its input's mask on.
func (l *LeakyReLULayer) SupportsMasking() bool { return true }

// SupportsMasking reports that ELU passes its input's mask on.
func (l *ELULayer) SupportsMasking() bool { return true }

// SupportsMasking reports that Softmax passes its input's mask on.
func (l *SoftmaxLayer) SupportsMasking() bool { return true }

// SupportsMasking reports that PReLU passes its input's mask on.
func (l *PReLULayer) SupportsMasking() bool { return true }
