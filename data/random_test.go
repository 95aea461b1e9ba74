package data

import (
	"testing"
)

// Reference values printed by NumPy 1.24.2 (scripts/numpy_random.py in
// testdata/data): numpy.random.RandomState with the same seeds.
func TestRandomStateMatchesNumPy(t *testing.T) {
	r := NewRandomState(42)
	perm, err := r.Permutation(10)
	if err != nil {
		t.Fatal(err)
	}
	wantPerm := []int{8, 1, 5, 0, 7, 2, 9, 4, 3, 6}
	for i := range wantPerm {
		if perm[i] != wantPerm[i] {
			t.Fatalf("RandomState(42).permutation(10) = %v, NumPy %v", perm, wantPerm)
		}
	}
	r = NewRandomState(7)
	for i, want := range []float64{0.07630828937395717, 0.7799187922401146, 0.4384092314408935} {
		if got := r.Float64(); got != want {
			t.Errorf("random_sample[%d] = %v, NumPy %v", i, got, want)
		}
	}
	for i, want := range []float64{0.09316606097975175, 3.200914709117712, -0.1569886595634109} {
		if got := r.Gauss(); got != want {
			t.Errorf("randn[%d] = %v, NumPy %v", i, got, want)
		}
	}
	ints, err := r.Randint(0, 10, 5)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []float32{7, 6, 4, 0, 7} {
		if ints.Data()[i] != want {
			t.Errorf("randint(0, 10)[%d] = %v, NumPy %v", i, ints.Data()[i], want)
		}
	}
	bits, _ := r.Randint(0, 2, 4)
	for i, want := range []float32{0, 0, 1, 1} {
		if bits.Data()[i] != want {
			t.Errorf("randint(2)[%d] = %v, NumPy %v", i, bits.Data()[i], want)
		}
	}
	r = NewRandomState(0)
	u, _ := r.Uniform(-1, 2, 2)
	for i, want := range []float64{0.6464405117819743, 1.1455680991172583} {
		if u.Data()[i] != float32(want) {
			t.Errorf("uniform[%d] = %v, NumPy %v", i, u.Data()[i], want)
		}
	}
	nm, _ := r.Normal(3, 2, 3)
	for i, want := range []float64{4.957475968211479, 7.481786398402916, 6.735115980299935} {
		if nm.Data()[i] != float32(want) {
			t.Errorf("normal[%d] = %v, NumPy %v", i, nm.Data()[i], want)
		}
	}
}
