package data

import (
	"math"
	"testing"
)

// TestReadExcel reads the two workbooks of the public corpus
// (testdata/translate/real/k2proj, see its PROVENANCE.md) as pandas's
// read_excel(names=...) does: header=0 still takes the first row as the
// header (these sheets have none, so their first data row is dropped, as
// in pandas) and replaces it by the names. The expected values are the
// cells' <v> text in the sheets' XML (rows 2 and 1030 of ConcreteData,
// whose dimension is A1:I1030; Cleveland's six "?" shared strings).
func TestReadExcel(t *testing.T) {
	names := []string{"Cement", "BFS", "FLA", "Water", "SP", "CA", "FA", "Age", "CCS"}
	f, err := ReadExcel("../testdata/translate/real/k2proj/Chapter04/ConcreteData.xlsx", ExcelOptions{Names: names})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Shape(); got[0] != 1029 || got[1] != 9 {
		t.Fatalf("shape %v, want [1029 9]", got)
	}
	x, err := f.Values()
	if err != nil {
		t.Fatal(err)
	}
	first := []float64{540, 0, 0, 162, 2.5, 1055, 676, 28, 61.887365759999994}
	last := []float64{260.89999999999998, 100.5, 78.3, 200.6, 8.6, 864.5, 761.5, 28, 32.401235143999997}
	d := x.Data()
	for j := range first {
		if d[j] != float32(first[j]) || d[1028*9+j] != float32(last[j]) {
			t.Errorf("column %s: first %v last %v, want %v %v", names[j], d[j], d[1028*9+j], first[j], last[j])
		}
	}
	if got := f.Columns(); got[8] != "CCS" {
		t.Errorf("columns %v", got)
	}

	g, err := ReadExcel("../testdata/translate/real/k2proj/Chapter03/Ch3.ClevelandData.xlsx", ExcelOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.Shape(); got[0] != 303 || got[1] != 14 {
		t.Fatalf("Cleveland shape %v, want [303 14]", got)
	}
	// the "?" cells make their columns text, as in pandas (object dtype)
	text := 0
	for _, c := range g.cols {
		if c.kind == colText {
			text++
		}
	}
	if text == 0 {
		t.Error("no text column: the \"?\" cells were lost")
	}
	if v := g.cols[9].num[0]; math.Abs(v-2.3) > 1e-12 {
		t.Errorf("oldpeak of row 1: %v, want 2.3", v)
	}
	// replace('?', np.nan).dropna(): the Cleveland set's 297 complete rows
	// (UCI: 303 instances, 6 with a missing value), all columns numeric
	clean := g.ReplaceWithNaN("?").DropNA()
	if got := clean.Shape(); got[0] != 297 || got[1] != 14 {
		t.Errorf("after replace and dropna: shape %v, want [297 14]", got)
	}
	if _, err := clean.Values(); err != nil {
		t.Errorf("after replace: %v", err)
	}
	if _, err := ReadExcel("../testdata/translate/real/k2proj/Chapter04/ConcreteData.xlsx", ExcelOptions{SheetName: "nope"}); err == nil {
		t.Error("missing sheet: no error")
	}
	if _, err := ReadExcel("excel_test.go", ExcelOptions{}); err == nil {
		t.Error("not a workbook: no error")
	}
}
