package hdf5

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// walkAll opens data and visits everything; it must never panic.
func walkAll(data []byte) error {
	f, err := NewFile(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return err
	}
	budget := 5000
	return walk(f.Root(), nil, map[uint64]bool{}, &budget)
}

func hostileSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range []string{
		"fixtures/small_earliest.h5",
		"fixtures/small_latest.h5",
		"keras-cases/mlp_2_10_10_2/model.h5",
		"keras-cases/normalization_adapted/model.weights.h5",
		"realmodels/KonduitAI__dl4j-test-resources__dense_keras2_theano/dense_theano_2.h5",
	} {
		b, err := os.ReadFile(fixturePath(p))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = b
	}
	w, err := buildSmallWriterFile().Bytes()
	if err != nil {
		t.Fatal(err)
	}
	out["writer"] = w
	return out
}

func buildSmallWriterFile() *Writer {
	w := NewWriter()
	r := w.Root()
	r.SetAttrStrings("layer_names", []string{"dense", "dense_1"}, FixedBytes)
	r.SetAttrString("keras_version", "3.15.1")
	g := r.CreateGroup("model_weights/dense")
	g.SetAttrStrings("weight_names", []string{"kernel:0", "bias:0"}, VarString)
	g.CreateDataset("kernel:0", Float32, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	g.CreateDataset("bias:0", Float64, []int{3}, []float64{1, 2, 3})
	for i := 0; i < 20; i++ {
		r.CreateGroup("m/" + string(rune('a'+i)))
	}
	return w
}

// TestTruncated cuts files at many offsets: errors, never panics.
func TestTruncated(t *testing.T) {
	for name, data := range hostileSeeds(t) {
		errs := 0
		step := max(1, len(data)/400)
		for n := 0; n < len(data); n += step {
			if walkAll(data[:n]) != nil {
				errs++
			}
		}
		if errs < len(data)/step/2 {
			t.Errorf("%s: only %d of %d truncations failed", name, errs, len(data)/step)
		}
	}
}

// TestBitFlips flips random bits: errors or success, never panics, bounded memory.
func TestBitFlips(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	var ms runtime.MemStats
	for name, data := range hostileSeeds(t) {
		for i := 0; i < 300; i++ {
			b := append([]byte(nil), data...)
			for k := rng.Intn(4); k >= 0; k-- {
				p := rng.Intn(len(b))
				b[p] ^= 1 << rng.Intn(8)
			}
			runtime.ReadMemStats(&ms)
			before := ms.TotalAlloc
			walkAll(b)
			runtime.ReadMemStats(&ms)
			if d := ms.TotalAlloc - before; d > 256<<20 {
				t.Errorf("%s flip %d: walk allocated %d MiB", name, i, d>>20)
			}
		}
	}
}

// find returns the offset of the only occurrence of pat in b.
func find(t *testing.T, b, pat []byte) int {
	t.Helper()
	i := bytes.Index(b, pat)
	if i < 0 || bytes.Index(b[i+1:], pat) >= 0 {
		t.Fatalf("pattern %x found %d times", pat, bytes.Count(b, pat))
	}
	return i
}

// TestHugeDimensions patches a dataset and an attribute to claim 10^12 elements.
func TestHugeDimensions(t *testing.T) {
	w := NewWriter()
	w.Root().CreateDataset("d", Float32, []int{2, 3}, []float32{1, 2, 3, 4, 5, 6})
	w.Root().SetAttrFloat64s("a", []float64{7, 8, 9, 10, 11})
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	// dataspace messages as the writer encodes them (version 1, rank, max dims flag)
	ds := []byte{1, 2, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0}
	as := []byte{1, 1, 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0}
	for _, dims := range [][2]uint64{{1e6, 1e6}, {1 << 62, 4}, {1 << 40, 1 << 40}} {
		p := append([]byte(nil), b...)
		i := find(t, p, ds)
		binary.LittleEndian.PutUint64(p[i+8:], dims[0])
		binary.LittleEndian.PutUint64(p[i+16:], dims[1])
		j := find(t, p, as)
		binary.LittleEndian.PutUint64(p[j+8:], 1e12)
		f, err := NewFile(bytes.NewReader(p), int64(len(p)))
		if err != nil {
			t.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		before := ms.TotalAlloc
		d, err := f.Root().Dataset("d")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.ReadFloat32(); err == nil {
			t.Errorf("dims %v: read succeeded", dims)
		} else {
			t.Logf("dims %v: %v", dims, err)
		}
		if _, err := f.Root().Attrs(); err == nil {
			t.Errorf("dims %v: attribute accepted", dims)
		}
		runtime.ReadMemStats(&ms)
		if d := ms.TotalAlloc - before; d > 1<<20 {
			t.Errorf("dims %v: allocated %d bytes", dims, d)
		}
	}
}

// TestCycles builds files whose continuation blocks, B-tree nodes and soft
// links point back at themselves.
func TestCycles(t *testing.T) {
	// continuation message pointing at its own header chunk
	w := NewWriter()
	w.Root().CreateGroup("g").SetAttrInt64("x", 1)
	b, _ := w.Bytes()
	f, _ := NewFile(bytes.NewReader(b), int64(len(b)))
	g, err := f.Root().Group("g")
	if err != nil {
		t.Fatal(err)
	}
	hdr := int(g.addr)
	p := append([]byte(nil), b...)
	// first message: symbol table (type 0x11) -> continuation (0x10) to hdr+16, 16 bytes
	if binary.LittleEndian.Uint16(p[hdr+16:]) != msgSymbolTable {
		t.Fatal("unexpected header layout")
	}
	binary.LittleEndian.PutUint16(p[hdr+16:], msgContinuation)
	binary.LittleEndian.PutUint64(p[hdr+24:], uint64(hdr+16))
	binary.LittleEndian.PutUint64(p[hdr+32:], 16)
	f, _ = NewFile(bytes.NewReader(p), int64(len(p)))
	if _, err := f.Root().Group("g"); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("self continuation: %v", err)
	}

	// B-tree: 1000 members make a two-level tree; point the root's second child at the first
	w = NewWriter()
	for i := 0; i < 1000; i++ {
		w.Root().CreateGroup("big/" + strings.Repeat("x", i%7) + string(rune('0'+i%10)) + string(rune(0x100+i)))
	}
	b, _ = w.Bytes()
	f, _ = NewFile(bytes.NewReader(b), int64(len(b)))
	big, err := f.Root().Group("big")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := big.Members(); err != nil || len(m) != 1000 {
		t.Fatalf("%d members, %v", len(m), err)
	}
	h, _ := f.readObjHeader(big.addr)
	st, _ := h.find(msgSymbolTable)
	root := int(binary.LittleEndian.Uint64(st.data))
	if b[root+5] != 1 {
		t.Fatalf("B-tree root level %d, want 1", b[root+5])
	}
	p = append([]byte(nil), b...)
	copy(p[root+24+8+16:root+24+8+24], p[root+32:root+40]) // child 1 := child 0
	f, _ = NewFile(bytes.NewReader(p), int64(len(p)))
	g, _ = f.Root().Group("big")
	if _, err := g.Members(); err == nil || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("B-tree cycle: %v", err)
	}
	p = append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(p[root+32:], uint64(root)) // child 0 := the root itself
	f, _ = NewFile(bytes.NewReader(p), int64(len(p)))
	g, _ = f.Root().Group("big")
	if _, err := g.Members(); err == nil {
		t.Errorf("B-tree self reference accepted")
	}

	// soft link to itself (old-style group: link value in the local heap)
	b, err = os.ReadFile(filepath.Join(realDir, "fixtures/small_earliest.h5"))
	if err != nil {
		t.Fatal(err)
	}
	p = append([]byte(nil), b...)
	i := find(t, p, []byte("/g/m00\x00"))
	copy(p[i:], "/soft\x00")
	f, _ = NewFile(bytes.NewReader(p), int64(len(p)))
	if _, err := f.Root().Kind("soft"); err == nil || !strings.Contains(err.Error(), "soft links") {
		t.Errorf("soft link loop: %v", err)
	}
	if k, err := f.Root().Kind("g/m00"); err != nil || k != KindGroup {
		t.Errorf("g/m00: %v %v", k, err)
	}
	// the unmodified file follows the soft link
	f, _ = NewFile(bytes.NewReader(b), int64(len(b)))
	if sg, err := f.Root().Group("soft"); err != nil || sg.Path() != "/soft" {
		t.Errorf("soft link: %v", err)
	}
}

func TestNotHDF5(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("hello"), make([]byte, 4096), append(append([]byte{}, hdf5Magic...), 9)} {
		_, err := NewFile(bytes.NewReader(b), int64(len(b)))
		var fe *FormatError
		if !errors.As(err, &fe) {
			t.Errorf("%q: %v", b[:min(len(b), 9)], err)
		}
	}
	if _, err := Open(filepath.Join(realDir, "PROVENANCE.md")); err == nil || !strings.Contains(err.Error(), "PROVENANCE.md") {
		t.Errorf("Open of a text file: %v", err)
	}
}

// FuzzOpen opens arbitrary bytes and walks everything: members, attributes, datasets.
func FuzzOpen(f *testing.F) {
	for _, b := range hostileSeeds(f) {
		f.Add(b)
	}
	for _, b := range hostileH5Seeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		walkAll(data)
	})
}
