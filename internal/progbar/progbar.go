// Package progbar reproduces Keras 3's progress bar (keras/src/utils/progbar.py)
// byte for byte: the verbose=1 live bar with ETA and the verbose=2 one-line summary.
package progbar

import (
	"fmt"
	"io"
	"math"
	"strings"
	"time"
)

// KV is one displayed value ("loss", 0.1234).
type KV struct {
	Key   string
	Value float64
}

// Bar is a progress bar writing to W, as keras.utils.Progbar with no
// stateful metrics.
type Bar struct {
	W        io.Writer
	Target   int // number of steps; <= 0 means unknown
	Width    int // bar width, 20 in Keras 3
	Verbose  int // 1: live bar, 2: final line only
	Interval time.Duration
	UnitName string
	// Dynamic selects "\b...\r" redraws (Keras: true on any POSIX system);
	// false starts each update on a new line.
	Dynamic bool
	// Now returns the current time; tests replace it. Defaults to time.Now.
	Now func() time.Time

	start, lastUpdate, afterFirst time.Time
	haveFirst, started            bool
	prevWidth                     int
	order                         []string
	sums, counts                  map[string]float64
	seen                          int
}

// New returns a Keras-style bar for target steps.
func New(w io.Writer, target, verbose int) *Bar {
	return &Bar{W: w, Target: target, Width: 20, Verbose: verbose, Interval: 50 * time.Millisecond, UnitName: "step", Dynamic: true}
}

func (b *Bar) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

// Start fixes the start time (called implicitly by the first Update).
func (b *Bar) Start() {
	if !b.started {
		b.started = true
		b.start = b.now()
		b.sums = map[string]float64{}
		b.counts = map[string]float64{}
	}
}

func (b *Bar) stepDuration(current int, now time.Time) float64 {
	if current == 0 {
		return 0
	}
	var t float64
	if b.haveFirst && current > 1 {
		t = now.Sub(b.afterFirst).Seconds() / float64(current-1)
	} else {
		t = now.Sub(b.start).Seconds() / float64(current)
	}
	if current == 1 {
		b.afterFirst = now
		b.haveFirst = true
	}
	return t
}

func formatTime(t float64, unit string) string {
	switch {
	case t >= 1 || t == 0:
		return fmt.Sprintf(" %.0fs/%s", t, unit)
	case t >= 1e-3:
		return fmt.Sprintf(" %.0fms/%s", t*1000, unit)
	default:
		return fmt.Sprintf(" %.0fus/%s", t*1e6, unit)
	}
}

func formatValue(v float64, absTest bool) string {
	a := v
	if absTest {
		a = math.Abs(v)
	}
	if a > 1e-3 {
		return fmt.Sprintf(" %.4f", v)
	}
	return " " + pyExp(v)
}

// pyExp formats like Python's "%.4e" (exponent with at least two digits).
func pyExp(v float64) string {
	if math.IsNaN(v) {
		return "nan"
	}
	if math.IsInf(v, 1) {
		return "inf"
	}
	if math.IsInf(v, -1) {
		return "-inf"
	}
	return fmt.Sprintf("%.4e", v) // Go also prints at least two exponent digits
}

// PyFloat formats like Python's f"{v:.4f}" including nan/inf spelling.
func pyFixed(v float64) string {
	switch {
	case math.IsNaN(v):
		return "nan"
	case math.IsInf(v, 1):
		return "inf"
	case math.IsInf(v, -1):
		return "-inf"
	}
	return fmt.Sprintf("%.4f", v)
}

func valueString(v float64, absTest bool) string {
	a := v
	if absTest {
		a = math.Abs(v)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		// Python compares nan > 1e-3 as False and prints %.4e → "nan";
		// inf > 1e-3 is True → "inf".
		if math.IsNaN(v) {
			return " nan"
		}
		if a > 1e-3 {
			return " " + pyFixed(v)
		}
		return " " + pyExp(v)
	}
	return formatValue(v, absTest)
}

func pyDurationSeconds(d float64) string {
	return fmt.Sprintf("%.0f", d)
}

// Update reports progress: current steps done and the values to display.
// finalize marks the last update of the bar.
func (b *Bar) Update(current int, values []KV, finalize bool) {
	b.Start()
	// Keras's ProgbarLogger builds Progbar without stateful metrics, so every
	// value is "stateless": averaged over steps while in progress, shown as
	// given on the final update.
	for _, kv := range values {
		if _, ok := b.sums[kv.Key]; !ok {
			b.order = append(b.order, kv.Key)
		}
		if finalize {
			b.sums[kv.Key], b.counts[kv.Key] = kv.Value, 1
			continue
		}
		base := float64(current - b.seen)
		if base < 1 {
			base = 1
		}
		b.sums[kv.Key] += kv.Value * base
		b.counts[kv.Key] += base
	}
	b.seen = current
	now := b.now()
	perUnit := b.stepDuration(current, now)
	var msg strings.Builder
	switch b.Verbose {
	case 1:
		if now.Sub(b.lastUpdate) < b.Interval && !finalize {
			return
		}
		if b.Dynamic {
			msg.WriteString(strings.Repeat("\b", b.prevWidth))
			msg.WriteString("\r")
		} else {
			msg.WriteString("\n")
		}
		var bar string
		special := 0
		if b.Target > 0 {
			digits := int(math.Log10(float64(b.Target))) + 1
			bar = fmt.Sprintf("\x1b[1m%*d/%d\x1b[0m ", digits, current, b.Target)
			special += 8
			progWidth := int(float64(b.Width) * float64(current) / float64(b.Target))
			if progWidth > 0 {
				bar += "\x1b[32m" + strings.Repeat("━", progWidth) + "\x1b[0m"
				special += 9
			}
			rest := b.Width - progWidth
			if rest < 0 {
				rest = 0
			}
			bar += "\x1b[37m" + strings.Repeat("━", rest) + "\x1b[0m"
			special += 9
		} else {
			bar = fmt.Sprintf("%7d/Unknown", current)
		}
		msg.WriteString(bar)
		var info string
		if b.Target > 0 && !finalize {
			eta := perUnit * float64(b.Target-current)
			var etaFmt string
			switch {
			case eta > 3600:
				etaFmt = fmt.Sprintf("%d:%02d:%02d", int(eta/3600), int(math.Mod(eta, 3600)/60), int(math.Mod(eta, 60)))
			case eta > 60:
				etaFmt = fmt.Sprintf("%d:%02d", int(eta/60), int(math.Mod(eta, 60)))
			default:
				etaFmt = fmt.Sprintf("%ds", int(eta))
			}
			info = " \x1b[1m" + etaFmt + "\x1b[0m"
		} else {
			info = " \x1b[1m" + pyDurationSeconds(now.Sub(b.start).Seconds()) + "s\x1b[0m"
		}
		special += 8
		info += formatTime(perUnit, b.UnitName)
		for _, k := range b.order {
			info += " - " + k + ":" + valueString(b.avg(k), true)
		}
		msg.WriteString(info)
		total := runeLen(bar) + runeLen(info) - special
		if b.prevWidth > total {
			msg.WriteString(strings.Repeat(" ", b.prevWidth-total))
		}
		if finalize {
			msg.WriteString("\n")
		}
		io.WriteString(b.W, msg.String())
		b.prevWidth = total
	case 2:
		if finalize && b.Target > 0 {
			digits := int(math.Log10(float64(b.Target))) + 1
			info := fmt.Sprintf("%*d/%d - %ss -", digits, current, b.Target, pyDurationSeconds(now.Sub(b.start).Seconds()))
			info += formatTime(perUnit, b.UnitName)
			for _, k := range b.order {
				info += " - " + k + ":" + valueString(b.avg(k), false)
			}
			info += "\n"
			io.WriteString(b.W, info)
		}
	}
	b.lastUpdate = now
}

// runeLen is Python's len() of a str: code points, not bytes.
func runeLen(s string) int { return len([]rune(s)) }

func (b *Bar) avg(k string) float64 {
	c := b.counts[k]
	if c < 1 {
		c = 1
	}
	return b.sums[k] / c
}
