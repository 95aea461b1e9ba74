// Package bench holds kerago's side-by-side speed benchmarks: the workloads
// of ../shared/bench/torch_reference.py (its docstring defines them), built
// through the public keras API, to run in the same minutes as that PyTorch
// script so that the ratio of the two is the figure:
//
//	go test ./bench -run '^$' -bench . -count 3
//	/usr/bin/python3 ../shared/bench/torch_reference.py
//
// BenchmarkSgemm1024 and BenchmarkMLPStep exist now; CNNStep, LSTMStep and
// MobileNetV2Predict1/32 need the convolution, pooling and LSTM layers of the
// layer issues and will be added with them.
package bench
