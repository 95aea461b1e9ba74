// Package pyplot draws the figures of matplotlib.pyplot's common calls
// with gonum/plot, for Python training scripts translated by `kerago
// translate`: plot, scatter, hist, title, xlabel, ylabel, legend, xlim,
// ylim, grid, figure, subplot, savefig and show. A State holds what
// matplotlib keeps globally (the figures, the current figure and axes);
// show writes the current figure to a PNG named after it
// ("figure_1.png") and reports the file, since a translated program has
// no window to show it in.
package pyplot

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgpdf"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/kerago/kerago/internal/atomicfile"
)

// Style is the keyword arguments of a plotting call.
type Style struct {
	Label     string  // label=
	Color     string  // color= or the format string's colour ("r", "tab:blue", "#1f77b4")
	LineStyle string  // linestyle= or the format's ("-", "--", ":", "-.")
	Marker    string  // marker= or the format's ("o", ".", "x", "+", "s", "^")
	LineWidth float64 // linewidth= in points (matplotlib's default 1.5)
	Bins      int     // hist bins= (10 by default)
	Alpha     float64 // alpha= (ignored: gonum colours are opaque here)
}

type series struct {
	kind  string // "line", "scatter", "hist"
	x, y  []float64
	style Style
}

type axes struct {
	title, xlabel, ylabel string
	series                []series
	legend                []string // legend(labels): labels of the series in order
	legendOn              bool
	grid                  bool
	xlim, ylim            *[2]float64
}

// Figure is one matplotlib figure: a grid of axes.
type Figure struct {
	num        int
	rows, cols int
	axes       map[int]*axes // by 1-based subplot index
	cur        int
	w, h       float64 // inches
}

// State is matplotlib.pyplot's global state, kept in a value.
type State struct {
	figs    []*Figure
	cur     *Figure
	next    int
	figsize [2]float64
	dir     string
	out     io.Writer
}

// New returns a State that writes the figures show() saves into dir (""
// for the working directory) and reports each file on out (nil: standard
// error).
func New(dir string, out io.Writer) *State {
	if out == nil {
		out = os.Stderr
	}
	return &State{next: 1, figsize: [2]float64{6.4, 4.8}, dir: dir, out: out}
}

// SetFigSize is rcParams['figure.figsize'] = (w, h) in inches.
func (s *State) SetFigSize(w, h float64) { s.figsize = [2]float64{w, h} }

// Figure is plt.figure(num, figsize=(w, h)): num 0 makes a new figure, a
// known num makes that figure current; w or h 0 keep rcParams's size.
func (s *State) Figure(num int, w, h float64) {
	if num > 0 {
		for _, f := range s.figs {
			if f.num == num {
				s.cur = f
				return
			}
		}
	} else {
		num = s.next
	}
	if num >= s.next {
		s.next = num + 1
	}
	if w == 0 || h == 0 {
		w, h = s.figsize[0], s.figsize[1]
	}
	f := &Figure{num: num, rows: 1, cols: 1, axes: map[int]*axes{}, cur: 1, w: w, h: h}
	s.figs = append(s.figs, f)
	s.cur = f
}

func (s *State) gca() *axes {
	if s.cur == nil {
		s.Figure(0, 0, 0)
	}
	f := s.cur
	a := f.axes[f.cur]
	if a == nil {
		a = &axes{}
		f.axes[f.cur] = a
	}
	return a
}

// Subplot is plt.subplot(rows, cols, index) (plt.subplot(121) is 1, 2, 1).
func (s *State) Subplot(rows, cols, index int) error {
	if rows < 1 || cols < 1 || index < 1 || index > rows*cols {
		return fmt.Errorf("pyplot: subplot(%d, %d, %d): num must be an integer with 1 <= num <= %d", rows, cols, index, rows*cols)
	}
	if s.cur == nil {
		s.Figure(0, 0, 0)
	}
	s.cur.rows, s.cur.cols, s.cur.cur = rows, cols, index
	s.gca()
	return nil
}

// Plot is plt.plot(y) (x nil: 0, 1, …) or plt.plot(x, y).
func (s *State) Plot(x, y []float64, st Style) error {
	if x == nil {
		x = make([]float64, len(y))
		for i := range x {
			x[i] = float64(i)
		}
	}
	if len(x) != len(y) {
		return fmt.Errorf("pyplot: plot: x and y must have same first dimension, but have shapes (%d,) and (%d,)", len(x), len(y))
	}
	a := s.gca()
	a.series = append(a.series, series{kind: "line", x: x, y: y, style: st})
	return nil
}

// Scatter is plt.scatter(x, y).
func (s *State) Scatter(x, y []float64, st Style) error {
	if len(x) != len(y) {
		return fmt.Errorf("pyplot: scatter: x and y must be the same size (%d, %d)", len(x), len(y))
	}
	if st.Marker == "" {
		st.Marker = "o"
	}
	a := s.gca()
	a.series = append(a.series, series{kind: "scatter", x: x, y: y, style: st})
	return nil
}

// Hist is plt.hist(x, bins=...).
func (s *State) Hist(x []float64, st Style) error {
	if st.Bins == 0 {
		st.Bins = 10
	}
	a := s.gca()
	a.series = append(a.series, series{kind: "hist", y: x, style: st})
	return nil
}

// Title is plt.title.
func (s *State) Title(t string) { s.gca().title = t }

// XLabel is plt.xlabel.
func (s *State) XLabel(t string) { s.gca().xlabel = t }

// YLabel is plt.ylabel.
func (s *State) YLabel(t string) { s.gca().ylabel = t }

// Legend is plt.legend() (labels nil: the series' label= values) or
// plt.legend(['a', 'b']) (the labels of the series in order).
func (s *State) Legend(labels ...string) {
	a := s.gca()
	a.legendOn = true
	a.legend = labels
}

// Grid is plt.grid(on).
func (s *State) Grid(on bool) { s.gca().grid = on }

// XLim is plt.xlim(lo, hi).
func (s *State) XLim(lo, hi float64) { s.gca().xlim = &[2]float64{lo, hi} }

// YLim is plt.ylim(lo, hi).
func (s *State) YLim(lo, hi float64) { s.gca().ylim = &[2]float64{lo, hi} }

// Clear is plt.clf() (and plt.cla()): the current figure's axes are
// emptied.
func (s *State) Clear() {
	if s.cur == nil {
		return
	}
	s.cur.rows, s.cur.cols, s.cur.cur = 1, 1, 1
	s.cur.axes = map[int]*axes{}
}

// Close is plt.close(): the current figure is dropped.
func (s *State) Close() {
	if s.cur == nil {
		return
	}
	for i, f := range s.figs {
		if f == s.cur {
			s.figs = append(s.figs[:i], s.figs[i+1:]...)
			break
		}
	}
	s.cur = nil
	if n := len(s.figs); n > 0 {
		s.cur = s.figs[n-1]
	}
}

// SaveFig is plt.savefig(path): the current figure as PNG (.png, or no
// extension, which matplotlib saves as PNG too), JPEG (.jpg, .jpeg), SVG
// (.svg) or PDF (.pdf), written atomically.
func (s *State) SaveFig(path string, dpi float64) error {
	if s.cur == nil {
		s.Figure(0, 0, 0)
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	switch ext {
	case "":
		path += ".png"
		ext = "png"
	case "png", "jpg", "jpeg", "svg", "pdf":
	default:
		return fmt.Errorf("pyplot: savefig %s: format %q is not supported (png, jpg, svg, pdf)", path, ext)
	}
	if dpi <= 0 {
		dpi = 100
	}
	c, err := s.cur.canvas(ext, dpi)
	if err != nil {
		return fmt.Errorf("pyplot: savefig %s: %w", path, err)
	}
	if err := atomicfile.WriteFile(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	}); err != nil {
		return fmt.Errorf("pyplot: savefig %s: %w", path, err)
	}
	return nil
}

// Show is plt.show(): with no window to show them in, every open figure
// is saved as figure_<num>.png (in the State's folder) and reported, then
// closed, as show() leaves no figure open.
func (s *State) Show() error {
	var errs []error
	for _, f := range s.figs {
		path := filepath.Join(s.dir, fmt.Sprintf("figure_%d.png", f.num))
		s.cur = f
		if err := s.SaveFig(path, 100); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(s.out, "pyplot: plt.show(): figure %d saved to %s\n", f.num, path)
	}
	s.figs, s.cur = nil, nil
	return errors.Join(errs...)
}

// canvas draws the figure's axes on a canvas of the format ext.
func (f *Figure) canvas(ext string, dpi float64) (vg.CanvasWriterTo, error) {
	w, h := vg.Length(f.w)*vg.Inch, vg.Length(f.h)*vg.Inch
	var c vg.CanvasWriterTo
	switch ext {
	case "png", "jpg", "jpeg":
		img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(int(dpi)), vgimg.UseBackgroundColor(color.White))
		if ext == "png" {
			c = vgimg.PngCanvas{Canvas: img}
		} else {
			c = vgimg.JpegCanvas{Canvas: img}
		}
	case "svg":
		c = vgsvg.New(w, h)
	case "pdf":
		c = vgpdf.New(w, h)
	default:
		return nil, fmt.Errorf("format %s is not supported (png, jpg, svg, pdf)", ext)
	}
	dc := draw.New(c.(vg.CanvasSizer))
	plots := make([][]*plot.Plot, f.rows)
	for r := range plots {
		plots[r] = make([]*plot.Plot, f.cols)
		for col := range plots[r] {
			a := f.axes[r*f.cols+col+1]
			if a == nil {
				continue
			}
			p, err := a.plot()
			if err != nil {
				return nil, err
			}
			plots[r][col] = p
		}
	}
	tiles := draw.Tiles{Rows: f.rows, Cols: f.cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4,
		PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 2}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for col, p := range plots[r] {
			if p != nil {
				p.Draw(canvases[r][col])
			}
		}
	}
	return c, nil
}

// matplotlib's default colour cycle (tab10).
var cycle = []string{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"}

var named = map[string]string{
	"b": "#0000ff", "g": "#008000", "r": "#ff0000", "c": "#00bfbf", "m": "#bf00bf", "y": "#bfbf00", "k": "#000000", "w": "#ffffff",
	"blue": "#0000ff", "green": "#008000", "red": "#ff0000", "cyan": "#00ffff", "magenta": "#ff00ff", "yellow": "#ffff00",
	"black": "#000000", "white": "#ffffff", "orange": "#ffa500", "purple": "#800080", "gray": "#808080", "grey": "#808080",
	"brown": "#a52a2a", "pink": "#ffc0cb", "navy": "#000080", "darkblue": "#00008b", "darkgreen": "#006400", "darkred": "#8b0000",
	"tab:blue": cycle[0], "tab:orange": cycle[1], "tab:green": cycle[2], "tab:red": cycle[3], "tab:purple": cycle[4],
	"tab:brown": cycle[5], "tab:pink": cycle[6], "tab:gray": cycle[7], "tab:olive": cycle[8], "tab:cyan": cycle[9],
}

// parseColor reads a matplotlib colour: a name, a one-letter code or #rrggbb.
func parseColor(s string) (color.Color, error) {
	h := strings.ToLower(s)
	if v, ok := named[h]; ok {
		h = v
	}
	var r, g, b uint8
	if len(h) == 7 && h[0] == '#' {
		if _, err := fmt.Sscanf(h, "#%02x%02x%02x", &r, &g, &b); err == nil {
			return color.RGBA{R: r, G: g, B: b, A: 255}, nil
		}
	}
	return nil, fmt.Errorf("color %q is not one pyplot knows (a name, a one-letter code or #rrggbb)", s)
}

func dashes(ls string) []vg.Length {
	switch ls {
	case "--", "dashed":
		return []vg.Length{vg.Points(6), vg.Points(3)}
	case ":", "dotted":
		return []vg.Length{vg.Points(1.5), vg.Points(2.5)}
	case "-.", "dashdot":
		return []vg.Length{vg.Points(6), vg.Points(2.5), vg.Points(1.5), vg.Points(2.5)}
	}
	return nil
}

func glyph(m string) draw.GlyphDrawer {
	switch m {
	case "x":
		return draw.CrossGlyph{}
	case "+":
		return draw.PlusGlyph{}
	case "s":
		return draw.SquareGlyph{}
	case "^":
		return draw.TriangleGlyph{}
	case ".", "o":
		return draw.CircleGlyph{}
	}
	return nil
}

// xys pairs x and y, leaving out NaN and infinite points as matplotlib
// leaves gaps.
func xys(x, y []float64) plotter.XYs {
	var pts plotter.XYs
	for i := range y {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) || math.IsInf(x[i], 0) || math.IsInf(y[i], 0) {
			continue
		}
		pts = append(pts, plotter.XY{X: x[i], Y: y[i]})
	}
	return pts
}

// plot builds the gonum plot of one axes.
func (a *axes) plot() (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text, p.X.Label.Text, p.Y.Label.Text = a.title, a.xlabel, a.ylabel
	if a.grid {
		p.Add(plotter.NewGrid())
	}
	for i, sr := range a.series {
		c, err := parseColor(cycle[i%len(cycle)])
		if err != nil {
			return nil, err
		}
		if sr.style.Color != "" {
			if c, err = parseColor(sr.style.Color); err != nil {
				return nil, err
			}
		}
		label := sr.style.Label
		if a.legend != nil {
			label = ""
			if i < len(a.legend) {
				label = a.legend[i]
			}
		}
		var thumb plot.Thumbnailer
		switch sr.kind {
		case "line":
			pts := xys(sr.x, sr.y)
			if sr.style.LineStyle != "None" && sr.style.LineStyle != " " {
				l, err := plotter.NewLine(pts)
				if err != nil {
					return nil, err
				}
				l.Color = c
				l.Width = vg.Points(1.5)
				if sr.style.LineWidth > 0 {
					l.Width = vg.Points(sr.style.LineWidth)
				}
				l.Dashes = dashes(sr.style.LineStyle)
				p.Add(l)
				thumb = l
			}
			if g := glyph(sr.style.Marker); g != nil {
				sc, err := plotter.NewScatter(pts)
				if err != nil {
					return nil, err
				}
				sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: g}
				p.Add(sc)
				if thumb == nil {
					thumb = sc
				}
			}
		case "scatter":
			sc, err := plotter.NewScatter(xys(sr.x, sr.y))
			if err != nil {
				return nil, err
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: c, Radius: vg.Points(3), Shape: glyph(sr.style.Marker)}
			p.Add(sc)
			thumb = sc
		case "hist":
			h, err := plotter.NewHist(plotter.Values(finite(sr.y)), sr.style.Bins)
			if err != nil {
				return nil, err
			}
			h.FillColor = c
			h.Color = color.Black
			p.Add(h)
			thumb = h
		}
		if a.legendOn && label != "" && thumb != nil {
			p.Legend.Add(label, thumb)
		}
	}
	if a.xlim != nil {
		p.X.Min, p.X.Max = a.xlim[0], a.xlim[1]
	}
	if a.ylim != nil {
		p.Y.Min, p.Y.Max = a.ylim[0], a.ylim[1]
	}
	p.Legend.Top = true
	return p, nil
}

func finite(v []float64) []float64 {
	var out []float64
	for _, x := range v {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}
