package loader

// keras3Layer rewrites a layer of a class Keras 3 no longer has into the
// class Keras 3 documents as its replacement, so every file kerago writes
// (all claim Keras 3) loads in Keras 3.15.1. Of the Keras 1/2 classes
// kerago reads, only ThresholdedReLU was dropped: Keras 3's release notes
// and tf-keras's deprecation say "use ReLU(threshold=theta)". Both are 0
// at x = θ (ThresholdedReLU: x·cast(x > θ); ReLU: where(x > θ, x, 0)) and
// equal everywhere else except for NaN, which ThresholdedReLU keeps and
// ReLU(threshold=θ > 0) maps to 0.
func keras3Layer(l LayerConfig) LayerConfig {
	if l.ClassName != "ThresholdedReLU" {
		return l
	}
	theta := 1.0
	if v, ok := l.Config["theta"]; ok {
		if f, ok := v.(float64); ok {
			theta = f
		}
	}
	c := map[string]any{"max_value": nil, "negative_slope": 0.0, "threshold": theta}
	for _, k := range []string{"name", "trainable", "dtype", "activity_regularizer"} {
		if v, ok := l.Config[k]; ok {
			c[k] = v
		}
	}
	return LayerConfig{ClassName: "ReLU", Name: l.Name, Config: c, BuildInputShape: l.BuildInputShape}
}
