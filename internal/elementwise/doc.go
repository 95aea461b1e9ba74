// Package elementwise holds kerago's vectorized element-wise training
// kernels: the Adam update, plain ReLU forward and backward, and the
// gradient scatter of max pooling. Each has a portable Go version and, on
// amd64 with AVX2 (unless built with -tags purego), an assembly version
// that gives bit-identical float32 results: the same IEEE operations in
// the same order, no fused multiply-add, VSQRTPS and VDIVPS being
// correctly rounded like the scalar float32 square root and division.
package elementwise
