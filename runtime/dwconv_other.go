//go:build !amd64 || purego

package runtime

// dwKernels lists the depthwise kernels of this build: the portable one.
func dwKernels() []dwKernel { return []dwKernel{{name: "go"}} }
