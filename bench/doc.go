// Package bench holds kerago's side-by-side speed benchmarks: the workloads
// of ../shared/bench/torch_reference.py (its docstring defines them), built
// through the public keras API, to run in the same minutes as that PyTorch
// script so that the ratio of the two is the figure:
//
//	go test ./bench -run '^$' -bench . -benchtime 10x -count 7 -cpu 1,2 -benchmem
//	/usr/bin/python3 ../shared/bench/torch_reference.py --threads 1
//
// BenchmarkSgemm1024 (reported as GFLOP/s), BenchmarkMLPStep,
// BenchmarkCNNStep, BenchmarkLSTMStep, BenchmarkMobileNetV2Predict1 and
// BenchmarkMobileNetV2Predict32. The README's performance section gives the
// ratios measured and how PyTorch was set up.
package bench
