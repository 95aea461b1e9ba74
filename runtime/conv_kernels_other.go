//go:build !amd64 || purego

package runtime

// convKernels lists the convolution kernel sets of this build: the portable
// loops.
func convKernels() []convKernel { return []convKernel{{name: "go"}} }
