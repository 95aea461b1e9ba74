package keras

import (
	"fmt"
	"io"
	"strings"
)

// SummaryConfig controls Summary's table width.
type SummaryConfig struct {
	// LineLength is the table width; 0 means 76, Keras's width when the
	// output is not a terminal (min(88, columns-4) on a terminal).
	LineLength int
}

// Summary prints the model's layer table as Keras 3's model.summary() does
// (rich heavy-head box, columns Layer (type) / Output Shape / Param #, and
// the totals).
func (m *Model) Summary(w io.Writer) error { return m.SummaryWithConfig(w, SummaryConfig{}) }

// SummaryWithConfig is Summary with an explicit width.
func (m *Model) SummaryWithConfig(w io.Writer, cfg SummaryConfig) error {
	L := cfg.LineLength
	if L == 0 {
		L = 76
	}
	if L < 20 {
		return fmt.Errorf("keras: Summary: line length %d too small", L)
	}
	// Keras: positions [0.45, 0.80, 1.0] → column widths (a Functional
	// graph that is not a chain: [0.3, 0.56, 0.74, 1.0] and a "Connected to"
	// column); rich adds one space of padding each side and, when the table
	// is too wide, removes the excess evenly (rich's ratio_reduce with equal
	// ratios).
	pos := []float64{0.45, 0.80, 1.0}
	header := []string{"Layer (type)", "Output Shape", "Param #"}
	graphLike := m.graph != nil && !m.graph.chainLike()
	if graphLike {
		pos = []float64{0.3, 0.56, 0.74, 1.0}
		header = append(header, "Connected to")
	}
	widths := make([]int, len(pos))
	prev := 0
	for i, p := range pos {
		cur := int(p * float64(L))
		widths[i] = cur - prev + 2 // + padding
		prev = cur
	}
	maxW := L - len(pos) - 1
	total := 0
	for _, wd := range widths {
		total += wd
	}
	if total > maxW {
		excess := total - maxW
		ratioTotal := len(widths)
		for i := range widths {
			d := pyRound(float64(excess) / float64(ratioTotal))
			if d > widths[i] {
				d = widths[i]
			}
			widths[i] -= d
			excess -= d
			ratioTotal--
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Model: \"%s\"\n", m.name)
	line := func(l, mid, r, fill string) {
		b.WriteString(l)
		for i, wd := range widths {
			b.WriteString(strings.Repeat(fill, wd))
			if i < len(widths)-1 {
				b.WriteString(mid)
			}
		}
		b.WriteString(r + "\n")
	}
	row := func(sep string, texts []string) {
		cells := make([][]string, len(texts))
		height := 1
		for i, t := range texts {
			cells[i] = wrap(t, widths[i]-2)
			height = max(height, len(cells[i]))
		}
		for h := 0; h < height; h++ {
			b.WriteString(sep)
			for i, wd := range widths {
				txt := ""
				if h < len(cells[i]) {
					txt = cells[i][h]
				}
				pad := max(0, wd-2-runeWidth(txt))
				if i == 2 {
					b.WriteString(" " + strings.Repeat(" ", pad) + txt + " ")
				} else {
					b.WriteString(" " + txt + strings.Repeat(" ", pad) + " ")
				}
				b.WriteString(sep)
			}
			b.WriteString("\n")
		}
	}
	line("┏", "┳", "┓", "━")
	row("┃", header)
	line("┡", "╇", "┩", "━")
	var trainable, nonTrainable int
	first := true
	sepLine := func() {
		if !first {
			line("├", "┼", "┤", "─")
		}
		first = false
	}
	if graphLike {
		for _, in := range m.graph.inputs {
			sepLine()
			row("│", []string{in.name + " (InputLayer)", pyShape(in.shape), "0", "-"})
		}
	}
	for _, l := range m.layers {
		sepLine()
		name := fmt.Sprintf("%s (%s)", l.Name(), l.ClassName())
		shape := "?"
		params := "0 (unbuilt)"
		if l.Built() {
			shape = pyShape(l.OutputShape())
			n := 0
			for _, v := range l.Variables() {
				n += v.Value.Len()
				if v.Trainable {
					trainable += v.Value.Len()
				} else {
					nonTrainable += v.Value.Len()
				}
			}
			params = commas(n)
		}
		cells := []string{name, shape, params}
		if graphLike {
			cells = append(cells, m.graph.connections(l))
		}
		row("│", cells)
	}
	line("└", "┴", "┘", "─")
	total = trainable + nonTrainable
	optParams, optBytes := 0, 0
	if m.comp != nil && m.comp.opt.Built() {
		for _, v := range m.comp.opt.Variables() {
			n := 1
			for _, d := range v.Shape {
				n *= d
			}
			optParams += n
			if v.Name == "iteration" {
				optBytes += 8 * n // int64 counter
			} else {
				optBytes += 4 * n
			}
		}
	}
	fmt.Fprintf(&b, " Total params: %s (%s)\n", commas(total+optParams), byteSize(4*total+optBytes))
	fmt.Fprintf(&b, " Trainable params: %s (%s)\n", commas(trainable), byteSize(4*trainable))
	fmt.Fprintf(&b, " Non-trainable params: %s (%s)\n", commas(nonTrainable), byteSize(4*nonTrainable))
	if optParams > 0 {
		fmt.Fprintf(&b, " Optimizer params: %s (%s)\n", commas(optParams), byteSize(optBytes))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// pyRound is Python 3's round(): half to even.
func pyRound(x float64) int {
	f := float64(int(x))
	d := x - f
	switch {
	case d > 0.5:
		return int(f) + 1
	case d < 0.5:
		return int(f)
	default:
		if int(f)%2 == 0 {
			return int(f)
		}
		return int(f) + 1
	}
}

func runeWidth(s string) int { return len([]rune(s)) }

// wrap splits text into lines of at most w cells, at spaces when possible
// (rich's default word wrapping with "fold" for long words).
func wrap(s string, w int) []string {
	if w <= 0 || runeWidth(s) <= w {
		return []string{s}
	}
	var lines []string
	words := strings.Split(s, " ")
	cur := ""
	for _, word := range words {
		for runeWidth(word) > w {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			r := []rune(word)
			lines = append(lines, string(r[:w]))
			word = string(r[w:])
		}
		switch {
		case cur == "":
			cur = word
		case runeWidth(cur)+1+runeWidth(word) <= w:
			cur += " " + word
		default:
			lines = append(lines, cur)
			cur = word
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func pyShape(s []int) string {
	parts := []string{"None"}
	for _, d := range s {
		if d < 0 {
			parts = append(parts, "None")
		} else {
			parts = append(parts, fmt.Sprint(d))
		}
	}
	if len(parts) == 1 {
		return "(None,)"
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

func commas(n int) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}

// byteSize formats a size in bytes as Keras's readable_memory_size.
func byteSize(bytes int) string {
	size := float64(bytes)
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	i := 0
	for size >= 1024 && i < len(units)-1 {
		size /= 1024
		i++
	}
	return fmt.Sprintf("%.2f %s", size, units[i])
}
