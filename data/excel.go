package data

import (
	"archive/zip"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// ExcelOptions are pandas.read_excel's arguments.
type ExcelOptions struct {
	// Sheet is the sheet's 0-based position (sheet_name=0, the default).
	Sheet int
	// SheetName selects the sheet by name instead (sheet_name="Data").
	SheetName string
	// NoHeader says the sheet has no header row (header=None).
	NoHeader bool
	// Names sets the column names (names=). Unlike read_csv, read_excel
	// still reads the first row as the header unless NoHeader, and
	// replaces it by Names.
	Names []string
	// SkipRows skips this many rows at the top (skiprows=n).
	SkipRows int
	// NAValues are extra strings read as missing (na_values=).
	NAValues []string
}

// maxXLSXPart bounds one decompressed part of an .xlsx file.
const maxXLSXPart = 1 << 30

// ReadExcel reads one sheet of an .xlsx workbook as pandas.read_excel does
// (with openpyxl): the first row names the columns, empty cells are
// missing values, and each column is typed as read_csv types it (numbers
// as Excel stores them, text from the shared strings, TRUE/FALSE as
// booleans). Formulas give their cached values; dates are their serial
// numbers.
func ReadExcel(file string, opts ExcelOptions) (*Frame, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("data: read_excel %s: not an .xlsx workbook: %w", file, err)
	}
	defer zr.Close()
	parts := map[string]*zip.File{}
	for _, f := range zr.File {
		parts[f.Name] = f
	}
	sheet, err := sheetPath(parts, opts)
	if err != nil {
		return nil, fmt.Errorf("data: read_excel %s: %w", file, err)
	}
	shared, err := sharedStrings(parts)
	if err != nil {
		return nil, fmt.Errorf("data: read_excel %s: %w", file, err)
	}
	recs, lines, err := sheetRecords(parts[sheet], shared)
	if err != nil {
		return nil, fmt.Errorf("data: read_excel %s: %s: %w", file, sheet, err)
	}
	copts := CSVOptions{NoHeader: opts.NoHeader, Names: opts.Names, HeaderGiven: len(opts.Names) > 0 && !opts.NoHeader,
		SkipRows: opts.SkipRows, NAValues: opts.NAValues}
	f, err := frameFromRecords(recs, lines, copts)
	if err != nil {
		return nil, fmt.Errorf("data: read_excel %s: %w", file, err)
	}
	f.source = file
	return f, nil
}

func readPart(f *zip.File, v any) error {
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return xml.NewDecoder(io.LimitReader(rc, maxXLSXPart)).Decode(v)
}

// sheetPath finds the worksheet part of the sheet opts selects.
func sheetPath(parts map[string]*zip.File, opts ExcelOptions) (string, error) {
	wb, ok := parts["xl/workbook.xml"]
	if !ok {
		return "", fmt.Errorf("no xl/workbook.xml: not an .xlsx workbook (.xls files are not read)")
	}
	var w struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := readPart(wb, &w); err != nil {
		return "", fmt.Errorf("xl/workbook.xml: %w", err)
	}
	var names []string
	rid := ""
	for i, s := range w.Sheets {
		names = append(names, s.Name)
		if (opts.SheetName != "" && s.Name == opts.SheetName) || (opts.SheetName == "" && i == opts.Sheet) {
			rid = s.RID
		}
	}
	if rid == "" {
		want := strconv.Itoa(opts.Sheet)
		if opts.SheetName != "" {
			want = strconv.Quote(opts.SheetName)
		}
		return "", fmt.Errorf("no sheet %s (sheets: %s)", want, strings.Join(names, ", "))
	}
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if rf, ok := parts["xl/_rels/workbook.xml.rels"]; ok {
		if err := readPart(rf, &rels); err != nil {
			return "", fmt.Errorf("xl/_rels/workbook.xml.rels: %w", err)
		}
	}
	for _, r := range rels.Rel {
		if r.ID == rid {
			p := r.Target
			if strings.HasPrefix(p, "/") {
				p = strings.TrimPrefix(p, "/")
			} else {
				p = path.Join("xl", p)
			}
			if _, ok := parts[p]; !ok {
				return "", fmt.Errorf("sheet part %s is missing", p)
			}
			return p, nil
		}
	}
	return "", fmt.Errorf("sheet relationship %s not found", rid)
}

// sharedStrings reads xl/sharedStrings.xml (the text of cells of type s).
func sharedStrings(parts map[string]*zip.File) ([]string, error) {
	f, ok := parts["xl/sharedStrings.xml"]
	if !ok {
		return nil, nil
	}
	var sst struct {
		SI []struct {
			T string `xml:"t"`
			R []struct {
				T string `xml:"t"`
			} `xml:"r"`
		} `xml:"si"`
	}
	if err := readPart(f, &sst); err != nil {
		return nil, fmt.Errorf("xl/sharedStrings.xml: %w", err)
	}
	out := make([]string, len(sst.SI))
	for i, si := range sst.SI {
		s := si.T
		for _, r := range si.R {
			s += r.T
		}
		out[i] = s
	}
	return out, nil
}

// sheetRecords reads a worksheet's cells into rows of fields (by column
// letter) with their 1-based row numbers; empty rows are skipped, as
// blank lines of a CSV.
func sheetRecords(f *zip.File, shared []string) ([][]string, []int, error) {
	var ws struct {
		Rows []struct {
			R     int `xml:"r,attr"`
			Cells []struct {
				Ref  string `xml:"r,attr"`
				Type string `xml:"t,attr"`
				V    string `xml:"v"`
				Is   struct {
					T string `xml:"t"`
				} `xml:"is"`
			} `xml:"c"`
		} `xml:"sheetData>row"`
	}
	if err := readPart(f, &ws); err != nil {
		return nil, nil, err
	}
	var recs [][]string
	var lines []int
	for k, row := range ws.Rows {
		var rec []string
		for j, c := range row.Cells {
			col := j
			if c.Ref != "" {
				col = columnIndex(c.Ref)
				if col < 0 {
					return nil, nil, fmt.Errorf("cell reference %q", c.Ref)
				}
			}
			if col > 1<<14 {
				return nil, nil, fmt.Errorf("cell %s beyond Excel's last column", c.Ref)
			}
			for len(rec) <= col {
				rec = append(rec, "")
			}
			v := c.V
			switch c.Type {
			case "s":
				i, err := strconv.Atoi(strings.TrimSpace(v))
				if err != nil || i < 0 || i >= len(shared) {
					return nil, nil, fmt.Errorf("cell %s: shared string %q out of range", c.Ref, v)
				}
				v = shared[i]
			case "inlineStr":
				v = c.Is.T
			case "b":
				v = map[string]string{"1": "True", "0": "False"}[strings.TrimSpace(v)]
			case "e":
				v = "" // #DIV/0! and other errors read as missing
			}
			rec[col] = v
		}
		if len(rec) == 0 {
			continue
		}
		line := row.R
		if line == 0 {
			line = k + 1
		}
		recs = append(recs, rec)
		lines = append(lines, line)
	}
	return recs, lines, nil
}

// columnIndex returns the 0-based column of a cell reference ("C7" is 2).
func columnIndex(ref string) int {
	n := 0
	i := 0
	for ; i < len(ref) && ref[i] >= 'A' && ref[i] <= 'Z'; i++ {
		n = n*26 + int(ref[i]-'A'+1)
	}
	if i == 0 {
		return -1
	}
	return n - 1
}
