// Package kerabeam is kerago's step for Apache Beam pipelines written with
// Beam's Go SDK (github.com/apache/beam/sdks/v2): what TensorFlow's
// RunInference is for Python Beam users. Score runs a Keras model on a
// PCollection of keyed samples and emits the model's predictions under the
// same keys; samples the model cannot take (wrong size, NaN) go to a
// dead-letter PCollection with the reason instead of failing the pipeline.
//
// The package lives in its own Go module (github.com/kerago/kerago/beam), so
// that users of kerago who do not use Beam never download Beam. Its name
// differs from its directory so that it does not clash with Beam's own beam
// package:
//
//	import (
//		"github.com/apache/beam/sdks/v2/go/pkg/beam"
//		kerabeam "github.com/kerago/kerago/beam"
//	)
//
//	samples := ... // PCollection<KV<K, kerabeam.Sample>>
//	preds, dead := kerabeam.Score(s, kerabeam.Config{Model: "gs://bucket/model.keras", BatchSize: 256}, samples)
//	// preds: PCollection<KV<K, kerabeam.Prediction>>; dead: PCollection<KV<K, kerabeam.DeadLetter>>
//
// Each worker process loads the model once, in the DoFn's Setup, from a local
// path or from any URL whose scheme Beam's filesystem package has registered
// (import _ ".../io/filesystem/gcs" for gs://, ".../s3" for s3://), and all its
// bundles share it (a keras.Model is safe for concurrent Predict). Elements
// are buffered per bundle and scored in forward passes of Config.BatchSize
// samples. The transform reports Beam metrics in the "kerago" namespace:
// counters rows, batches, dead_letters and model_loads, and the distribution
// batch_latency_us (microseconds per forward pass).
//
// Score is for batch scoring of globally windowed collections (a bounded
// source, or an unbounded one before any windowing): buffered elements are
// emitted at bundle end, where Beam's Go SDK has no window to give them.
package kerabeam
