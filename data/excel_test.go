package data

import (
	"archive/zip"
	"os"
	"path/filepath"
	"testing"
)

// writeXLSX writes a minimal .xlsx workbook (the parts openpyxl reads):
// two sheets, shared strings, and the given sheet XML rows.
func writeXLSX(t *testing.T, path string, shared []string, rows string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	sst := `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`
	for _, s := range shared {
		sst += "<si><t>" + s + "</t></si>"
	}
	sst += "</sst>"
	for name, body := range map[string]string{
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>` +
			`<sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="Other" sheetId="2" r:id="rId2"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>`,
		"xl/sharedStrings.xml": sst,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			rows + `</sheetData></worksheet>`,
		"xl/worksheets/sheet2.xml": `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			`<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c><c r="B1" t="b"><v>1</v></c></row>` +
			`<row r="2"><c r="A2"><v>5</v></c><c r="B2" t="b"><v>0</v></c></row></sheetData></worksheet>`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestReadExcel reads a workbook made here the way pandas.read_excel reads
// it: with names= and the default header=0, the first row is taken as the
// header and replaced by the names (so a sheet without a header loses its
// first data row, as in pandas); shared strings ("?") make a column text
// until replace('?', np.nan); a sheet is chosen by position or name; an
// inline string and booleans are read.
func TestReadExcel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "d.xlsx")
	writeXLSX(t, path, []string{"?"}, ``+
		`<row r="1"><c r="A1"><v>540</v></c><c r="B1"><v>0</v></c><c r="C1"><v>2.5</v></c></row>`+
		`<row r="2"><c r="A2"><v>332.5</v></c><c r="B2"><v>142.5</v></c><c r="C2" t="s"><v>0</v></c></row>`+
		`<row r="3"><c r="A3"><v>198.6</v></c><c r="B3"><v>132.4</v></c><c r="C3"><v>0.29999999999999999</v></c></row>`+
		`<row r="4"><c r="A4"><v>1</v></c><c r="C4"><v>7</v></c></row>`)
	f, err := ReadExcel(path, ExcelOptions{Names: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Shape(); got[0] != 3 || got[1] != 3 {
		t.Fatalf("shape %v, want [3 3] (the first row is the header, replaced by names)", got)
	}
	if _, err := f.Values(); err == nil {
		t.Error("column c holds \"?\": Values should refuse text")
	}
	clean := f.ReplaceWithNaN("?").DropNA()
	x, err := clean.Values()
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Data(); len(got) != 3 || got[0] != 198.6 || got[1] != 132.4 || got[2] != float32(0.3) {
		t.Errorf("after replace('?', nan) and dropna: %v, want the row 198.6 132.4 0.3", got)
	}
	raw, err := ReadExcel(path, ExcelOptions{NoHeader: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Shape(); got[0] != 4 || got[1] != 3 {
		t.Errorf("header=None: shape %v, want [4 3]", got)
	}
	other, err := ReadExcel(path, ExcelOptions{SheetName: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	if got := other.Columns(); len(got) != 2 || got[0] != "x" || got[1] != "True" {
		t.Errorf("sheet Other: columns %v, want [x True]", got)
	}
	if _, err := ReadExcel(path, ExcelOptions{Sheet: 2}); err == nil {
		t.Error("sheet 2 of 2: no error")
	}
	if _, err := ReadExcel("excel_test.go", ExcelOptions{}); err == nil {
		t.Error("not a workbook: no error")
	}
}
