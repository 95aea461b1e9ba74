package pyplot

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestShowAndSaveFig draws what training scripts draw (a history's loss
// and val_loss with a legend of labels, two subplots of scatters) and
// checks the PNGs: matplotlib's default 6.4 x 4.8 in at 100 dpi (640 x 480
// pixels), drawn on (not blank), show() saving figure_<num>.png and
// reporting it.
func TestShowAndSaveFig(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	plt := New(dir, &out)
	loss := []float64{0.9, 0.5, 0.3, 0.25}
	if err := plt.Plot(nil, loss, Style{}); err != nil {
		t.Fatal(err)
	}
	if err := plt.Plot(nil, []float64{1, 0.7, 0.6, 0.65}, Style{LineStyle: "--", Color: "r"}); err != nil {
		t.Fatal(err)
	}
	plt.Title("Model loss")
	plt.XLabel("Epoch")
	plt.YLabel("Loss")
	plt.Legend("Train", "Validation")
	plt.Figure(0, 10, 4)
	if err := plt.Subplot(1, 2, 1); err != nil {
		t.Fatal(err)
	}
	plt.Scatter([]float64{1, 2, 3}, []float64{1, 4, 9}, Style{})
	if err := plt.Subplot(1, 2, 2); err != nil {
		t.Fatal(err)
	}
	plt.Hist([]float64{1, 2, 2, 3, 3, 3}, Style{Bins: 3})
	if err := plt.Show(); err != nil {
		t.Fatal(err)
	}
	for num, size := range map[int][2]int{1: {640, 480}, 2: {1000, 400}} {
		path := filepath.Join(dir, "figure_"+string(rune('0'+num))+".png")
		if !strings.Contains(out.String(), "figure "+string(rune('0'+num))+" saved to "+path) {
			t.Errorf("show() did not report %s:\n%s", path, out.String())
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Bounds().Size(); got != (image.Point{size[0], size[1]}) {
			t.Errorf("figure %d: %v pixels, want %v", num, got, size)
		}
		dark := 0
		for y := 0; y < img.Bounds().Dy(); y++ {
			for x := 0; x < img.Bounds().Dx(); x++ {
				if r, g, b, _ := img.At(x, y).RGBA(); r+g+b < 3*0x8000 {
					dark++
				}
			}
		}
		if dark < 500 {
			t.Errorf("figure %d: %d dark pixels: nothing drawn", num, dark)
		}
	}
	if err := plt.SaveFig(filepath.Join(dir, "empty.svg"), 0); err != nil {
		t.Errorf("savefig svg: %v", err)
	}
	if err := plt.Subplot(2, 2, 5); err == nil {
		t.Error("subplot(2, 2, 5): no error")
	}
	if err := plt.Plot([]float64{1, 2}, []float64{1}, Style{}); err == nil {
		t.Error("plot of 2 x and 1 y: no error")
	}
	if err := plt.SaveFig(filepath.Join(dir, "x.bmp"), 0); err == nil {
		t.Error("savefig .bmp: no error")
	}
}
