package gemm

// best is the fastest kernel this CPU runs, chosen once at start-up.
var best = func() *kernel {
	ks := available()
	return ks[len(ks)-1]
}()
