//go:build (!amd64 && !arm64) || purego

package gemm

// available lists the kernels this CPU runs: the portable one only.
func available() []*kernel { return []*kernel{generic} }
