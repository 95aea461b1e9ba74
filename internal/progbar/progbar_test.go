package progbar

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestVerbose1FinalLine(t *testing.T) {
	var sb strings.Builder
	c := &clock{t: time.Unix(1000, 0)}
	b := New(&sb, 32, 1)
	b.Now = c.now
	for i := 1; i <= 32; i++ {
		c.t = c.t.Add(time.Millisecond)
		b.Update(i, []KV{{"loss", 0.1234}, {"mse", 0.1234}, {"val_loss", 0.2}, {"val_mse", 0.2}}, i == 32)
	}
	out := sb.String()
	lines := strings.Split(out, "\r")
	last := ansi.ReplaceAllString(lines[len(lines)-1], "")
	want := "32/32 ━━━━━━━━━━━━━━━━━━━━ 0s 1ms/step - loss: 0.1234 - mse: 0.1234 - val_loss: 0.2000 - val_mse: 0.2000\n"
	if last != want {
		t.Fatalf("final line\n got %q\nwant %q", last, want)
	}
	// Exact escape codes of Keras 3 for the final update.
	raw := lines[len(lines)-1]
	if !strings.HasPrefix(raw, "\x1b[1m32/32\x1b[0m \x1b[32m━━━━━━━━━━━━━━━━━━━━\x1b[0m\x1b[37m\x1b[0m \x1b[1m0s\x1b[0m 1ms/step") {
		t.Fatalf("raw final update %q", raw)
	}
}

func TestVerbose1InProgressETAAndThrottle(t *testing.T) {
	var sb strings.Builder
	c := &clock{t: time.Unix(1000, 0)}
	b := New(&sb, 100, 1)
	b.Now = c.now
	b.Start()
	c.t = c.t.Add(time.Second)
	b.Update(1, []KV{{"loss", 2.5e-4}}, false)
	c.t = c.t.Add(10 * time.Millisecond) // throttled: < 50ms since last
	b.Update(2, []KV{{"loss", 2.5e-4}}, false)
	got := ansi.ReplaceAllString(sb.String(), "")
	// ETA = 1 s/step * 99 steps = 1:39.
	want := "\r  1/100 ━━━━━━━━━━━━━━━━━━━━ 1:39 1s/step - loss: 2.5000e-04"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestVerbose2(t *testing.T) {
	var sb strings.Builder
	c := &clock{t: time.Unix(1000, 0)}
	b := New(&sb, 32, 2)
	b.Now = c.now
	for i := 1; i <= 32; i++ {
		c.t = c.t.Add(time.Millisecond)
		b.Update(i, []KV{{"loss", 0.1234}, {"mse", -0.5}}, i == 32)
	}
	want := "32/32 - 0s - 1ms/step - loss: 0.1234 - mse: -5.0000e-01\n"
	if sb.String() != want {
		t.Fatalf("got %q want %q", sb.String(), want)
	}
}
