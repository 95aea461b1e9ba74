package history

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kerago/kerago/keras/callbacks"
)

func sample() Record {
	return Record{
		Epoch: []int{0, 1, 2},
		Keys:  []string{"loss", "mse", "val_loss", "val_mse"},
		Values: map[string][]float64{
			"loss":     {1.132753610610962, 0.5, 0.25},
			"mse":      {1.132753610610962, 0.5, 0.25},
			"val_loss": {2, 1e-05, 0.1},
			"val_mse":  {2, 1e-05, 0.1},
		},
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sample()); err != nil {
		t.Fatal(err)
	}
	want := `{
  "epoch": [0, 1, 2],
  "history": {
    "loss": [1.132753610610962, 0.5, 0.25],
    "mse": [1.132753610610962, 0.5, 0.25],
    "val_loss": [2, 1e-05, 0.1],
    "val_mse": [2, 1e-05, 0.1]
  }
}
`
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	p := filepath.Join(t.TempDir(), "h.json")
	if err := Write(p, sample()); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(p)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range sample().Values {
		for i, v := range vs {
			if back.Values[k][i] != v {
				t.Fatalf("%s[%d] = %v, want %v", k, i, back.Values[k][i], v)
			}
		}
	}
}

// TestWriteCSV checks the CSVLogger form (spec §6.7): sorted keys, 0-based
// epochs, Python float repr, CRLF, and val_ columns of NA when there is no
// validation data.
func TestWriteCSV(t *testing.T) {
	cases := []struct {
		name string
		r    Record
		want string
	}{
		{"with validation", sample(), "epoch,loss,mse,val_loss,val_mse\r\n" +
			"0,1.132753610610962,1.132753610610962,2.0,2.0\r\n" +
			"1,0.5,0.5,1e-05,1e-05\r\n" +
			"2,0.25,0.25,0.1,0.1\r\n"},
		{"no validation", Record{Epoch: []int{0, 1}, Keys: []string{"mae", "loss"},
			Values: map[string][]float64{"loss": {3, 0.001}, "mae": {1, 2}}},
			"epoch,loss,mae,val_loss,val_mae\r\n0,3.0,1.0,NA,NA\r\n1,0.001,2.0,NA,NA\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteCSV(&b, c.r); err != nil {
				t.Fatal(err)
			}
			if b.String() != c.want {
				t.Fatalf("got %q\nwant %q", b.String(), c.want)
			}
			// The same bytes as the CSVLogger callback fed the same epochs.
			p := filepath.Join(t.TempDir(), "log.csv")
			l := callbacks.NewCSVLogger(p)
			if err := l.OnTrainBegin(callbacks.NewLogs()); err != nil {
				t.Fatal(err)
			}
			for i, e := range c.r.Epoch {
				logs := callbacks.NewLogs()
				for _, k := range c.r.Keys {
					logs.Set(k, c.r.Values[k][i])
				}
				if err := l.OnEpochEnd(e, logs); err != nil {
					t.Fatal(err)
				}
			}
			l.OnTrainEnd(callbacks.NewLogs())
			got, _ := os.ReadFile(p)
			if string(got) != c.want {
				t.Fatalf("CSVLogger wrote %q, WriteCSV %q", got, c.want)
			}
		})
	}
}

func TestPlot(t *testing.T) {
	dir := t.TempDir()
	r := sample()
	r.Values["mse"][1] = math.NaN() // left out, not an error
	p := filepath.Join(dir, "loss.png")
	if err := Plot(p, r, PlotConfig{}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() < 300 || b.Dy() < 200 {
		t.Fatalf("image is %dx%d", b.Dx(), b.Dy())
	}
	// The loss curve is drawn in the first palette colour.
	found := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r>>8 == 0x1f && g>>8 == 0x77 && bl>>8 == 0xb4 {
				found++
			}
		}
	}
	if found < 50 {
		t.Fatalf("only %d pixels of the loss colour", found)
	}
	svg := filepath.Join(dir, "loss.svg")
	if err := Plot(svg, r, PlotConfig{Title: "t"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(svg)
	if !bytes.Contains(data, []byte("<svg")) || !bytes.Contains(data, []byte("val_loss")) {
		t.Fatalf("SVG lacks the legend")
	}
	for _, c := range []struct {
		path string
		r    Record
		err  string
	}{
		{filepath.Join(dir, "x.jpg"), r, "must end in .png or .svg"},
		{filepath.Join(dir, "e.png"), Record{}, "history is empty"},
		{filepath.Join(dir, "n.png"), Record{Epoch: []int{0}, Values: map[string][]float64{"loss": {math.NaN()}}}, "NaN or infinite"},
		{filepath.Join(dir, "no-such-dir", "p.png"), r, "no-such-dir"},
	} {
		if err := Plot(c.path, c.r, PlotConfig{}); err == nil || !strings.Contains(err.Error(), c.err) {
			t.Errorf("Plot(%s): err = %v, want %q", c.path, err, c.err)
		}
	}
}
