// Package history writes a training history — what Keras's History callback
// holds after model.fit — as JSON, as CSV in the form of Keras's CSVLogger,
// and as a PNG or SVG plot of every series per epoch.
package history

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/kerago/kerago/internal/cli/datafile"
	"github.com/kerago/kerago/keras/callbacks"
)

// Record is a training history: Keras's history.epoch (0-based epoch
// indices) and history.history (one value per epoch for each key, such as
// "loss", "mse", "val_loss"). Keys keeps the order in which the keys first
// appeared; missing keys come from Values in sorted order.
type Record struct {
	Epoch  []int
	Keys   []string
	Values map[string][]float64
}

// keys returns r.Keys followed by any other key of r.Values, sorted.
func (r Record) keys() []string {
	out := slices.Clone(r.Keys)
	var extra []string
	for k := range r.Values {
		if !slices.Contains(out, k) {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	return append(out, extra...)
}

// Write writes r to path as JSON (.json) or CSV (.csv), atomically.
func Write(path string, r Record) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return datafile.WriteFileAtomic(path, func(w io.Writer) error { return WriteJSON(w, r) })
	case ".csv":
		return datafile.WriteFileAtomic(path, func(w io.Writer) error { return WriteCSV(w, r) })
	}
	return fmt.Errorf("%s: unknown history format: the name must end in .json or .csv", path)
}

// WriteJSON writes {"epoch": [...], "history": {"loss": [...], ...}} with
// the keys in r's order. Values are written in the shortest form that reads
// back as the same float64; non-finite values as null (JSON has no NaN).
func WriteJSON(w io.Writer, r Record) error {
	var b bytes.Buffer
	b.WriteString("{\n  \"epoch\": [")
	for i, e := range r.Epoch {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(e))
	}
	b.WriteString("],\n  \"history\": {")
	for i, k := range r.keys() {
		if i > 0 {
			b.WriteString(",")
		}
		name, _ := json.Marshal(k)
		fmt.Fprintf(&b, "\n    %s: [", name)
		for j, v := range r.Values[k] {
			if j > 0 {
				b.WriteString(", ")
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				b.WriteString("null")
			} else {
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
		}
		b.WriteString("]")
	}
	b.WriteString("\n  }\n}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// jsonRecord is the JSON form, for reading.
type jsonRecord struct {
	Epoch   []int                 `json:"epoch"`
	History map[string][]*float64 `json:"history"`
}

// ReadJSON reads what WriteJSON wrote (null values become NaN). Keys come
// back sorted, as JSON objects are unordered.
func ReadJSON(path string) (Record, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Record{}, err
	}
	var jr jsonRecord
	if err := json.Unmarshal(data, &jr); err != nil {
		return Record{}, fmt.Errorf("%s: %w", path, err)
	}
	if jr.History == nil {
		return Record{}, fmt.Errorf("%s: no \"history\" object", path)
	}
	r := Record{Epoch: jr.Epoch, Values: map[string][]float64{}}
	for k, vs := range jr.History {
		out := make([]float64, len(vs))
		for i, v := range vs {
			if v == nil {
				out[i] = math.NaN()
			} else {
				out[i] = *v
			}
		}
		r.Values[k] = out
	}
	r.Keys = r.keys()
	return r, nil
}

// WriteCSV writes r as Keras's CSVLogger does at the end of training: a
// header "epoch,<sorted keys>" (with a "val_<key>" column of "NA" for every
// key when there are no validation keys), one row per epoch with the
// 0-based epoch and Python's repr of each value, "\r\n" line ends.
func WriteCSV(w io.Writer, r Record) error {
	keys := r.keys()
	sort.Strings(keys)
	hasVal := false
	for _, k := range keys {
		if strings.HasPrefix(k, "val_") {
			hasVal = true
		}
	}
	if !hasVal {
		for _, k := range slices.Clone(keys) {
			keys = append(keys, "val_"+k)
		}
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(append([]string{"epoch"}, keys...)); err != nil {
		return err
	}
	for i, e := range r.Epoch {
		row := []string{strconv.Itoa(e)}
		for _, k := range keys {
			vs, ok := r.Values[k]
			if !ok || i >= len(vs) {
				row = append(row, "NA")
				continue
			}
			row = append(row, callbacks.PyFloat(vs[i]))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// PlotConfig describes the plot's text and size.
type PlotConfig struct {
	Title         string // "Training history" when empty
	Width, Height vg.Length
}

// Plot draws every series of r against the epoch (numbered from 1, as
// Keras's progress bar counts) and writes it to path as PNG (.png) or SVG
// (.svg), atomically. A validation series ("val_loss") is drawn dashed in
// the colour of its training series ("loss"). Non-finite values are left out.
func Plot(path string, r Record, cfg PlotConfig) error {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if ext != "png" && ext != "svg" {
		return fmt.Errorf("%s: unknown plot format: the name must end in .png or .svg", path)
	}
	keys := r.keys()
	if len(keys) == 0 || len(r.Epoch) == 0 {
		return errors.New("the history is empty: nothing to plot")
	}
	p := plot.New()
	p.Title.Text = cfg.Title
	if p.Title.Text == "" {
		p.Title.Text = "Training history"
	}
	p.X.Label.Text = "Epoch"
	p.Y.Label.Text = "Value"
	p.Legend.Top = true
	p.Add(plotter.NewGrid())

	// Colours: one per base series; val_X shares X's colour.
	base := map[string]int{}
	for _, k := range keys {
		b := strings.TrimPrefix(k, "val_")
		if _, ok := base[b]; !ok {
			base[b] = len(base)
		}
	}
	plotted := 0
	for _, k := range keys {
		vs := r.Values[k]
		var pts plotter.XYs
		for i, v := range vs {
			if i >= len(r.Epoch) || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			pts = append(pts, plotter.XY{X: float64(r.Epoch[i] + 1), Y: v})
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return fmt.Errorf("plotting %q: %w", k, err)
		}
		b := base[strings.TrimPrefix(k, "val_")]
		c := palette[b%len(palette)]
		line.Color = c
		// Earlier series are drawn wider, so that identical series (loss
		// and an "mse" metric under an MSE loss) stay visible side by side.
		line.Width = vg.Points(1.5 + 1.5*float64(len(base)-1-b))
		if strings.HasPrefix(k, "val_") {
			line.Dashes = []vg.Length{vg.Points(6), vg.Points(3)}
		}
		p.Add(line)
		if len(pts) <= 30 {
			points.Color = c
			points.Radius = vg.Points(1.5)
			points.Shape = draw.CircleGlyph{}
			p.Add(points)
		}
		p.Legend.Add(k, line)
		plotted++
	}
	if plotted == 0 {
		return errors.New("every history value is NaN or infinite: nothing to plot")
	}
	if len(r.Epoch) < 12 {
		p.X.Tick.Marker = integerTicks{}
	}
	w, h := cfg.Width, cfg.Height
	if w == 0 {
		w = 6 * vg.Inch
	}
	if h == 0 {
		h = 4 * vg.Inch
	}
	wt, err := p.WriterTo(w, h, ext)
	if err != nil {
		return err
	}
	return datafile.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}

// integerTicks puts a tick on every whole epoch.
type integerTicks struct{}

func (integerTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for v := math.Ceil(min); v <= max; v++ {
		ts = append(ts, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ts
}

// palette is matplotlib's default colour cycle ("tab10"), familiar to Keras
// users from their own loss plots.
var palette = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff},
	color.RGBA{0xff, 0x7f, 0x0e, 0xff},
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff},
	color.RGBA{0xd6, 0x27, 0x28, 0xff},
	color.RGBA{0x94, 0x67, 0xbd, 0xff},
	color.RGBA{0x8c, 0x56, 0x4b, 0xff},
	color.RGBA{0xe3, 0x77, 0xc2, 0xff},
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff},
	color.RGBA{0xbc, 0xbd, 0x22, 0xff},
	color.RGBA{0x17, 0xbe, 0xcf, 0xff},
}
