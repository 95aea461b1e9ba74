package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kerago/kerago/internal/cli/history"
	"github.com/kerago/kerago/tensor"
)

// readmeBlock is a fenced code block of the README's kerago section.
type readmeBlock struct {
	lang  string
	lines []string
	line  int // line number of the opening fence
}

// readmeSection returns the code blocks under "## The kerago command".
func readmeSection(t *testing.T) []readmeBlock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var blocks []readmeBlock
	in, inBlock := false, false
	var cur readmeBlock
	for i, line := range strings.Split(string(data), "\n") {
		if !inBlock && strings.HasPrefix(line, "## ") {
			in = line == "## The kerago command"
			continue
		}
		if !in {
			continue
		}
		if strings.HasPrefix(line, "```") {
			if inBlock {
				blocks = append(blocks, cur)
				inBlock = false
			} else {
				cur = readmeBlock{lang: strings.TrimPrefix(line, "```"), line: i + 1}
				inBlock = true
			}
			continue
		}
		if inBlock {
			cur.lines = append(cur.lines, line)
		}
	}
	if len(blocks) == 0 {
		t.Fatal(`README.md has no code blocks under "## The kerago command"`)
	}
	return blocks
}

// TestReadme runs every command of the README's kerago section in order, in
// a directory holding testdata/cli/readme, and checks the outputs the README
// shows (```console blocks: "$ kerago ..." then the expected stdout).
func TestReadme(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(fixtures, "readme")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dir, e.Name()))
	}
	ran := map[string]bool{}
	for _, b := range readmeSection(t) {
		switch b.lang {
		case "sh":
			for _, line := range b.lines {
				line = strings.TrimSpace(line)
				if line == "" || strings.HasPrefix(line, "#") {
					continue
				}
				args := commandArgs(t, b.line, line)
				ran[args[0]] = true
				if args[0] == "serve" {
					checkServe(t, dir, args)
					continue
				}
				runReadmeCommand(t, dir, line, args)
			}
		case "console":
			if len(b.lines) == 0 || !strings.HasPrefix(b.lines[0], "$ kerago ") {
				t.Fatalf("README line %d: a console block must start with \"$ kerago ...\"", b.line)
			}
			args := commandArgs(t, b.line, strings.TrimPrefix(b.lines[0], "$ "))
			r := ok(t, dir, args...)
			want := strings.Join(b.lines[1:], "\n") + "\n"
			if !sameTranscript(r.stdout, want) {
				t.Errorf("README line %d: %s printed\n%s\nthe README shows\n%s", b.line, b.lines[0], r.stdout, want)
			}
		}
	}
	for _, c := range []string{"inspect", "convert", "predict", "fit", "serve", "translate", "version"} {
		if !ran[c] {
			t.Errorf("the README has no example of kerago %s", c)
		}
	}

	// What the translate example promises: a whole program, nothing left out.
	if gosrc, err := os.ReadFile(filepath.Join(dir, "train.go")); err != nil || !strings.Contains(string(gosrc), "func main()") || strings.Contains(string(gosrc), "TODO(kerago translate)") {
		t.Errorf("train.go from the README's translate example: %v\n%s", err, gosrc)
	}

	// What the fit examples promise.
	h, err := history.ReadJSON(filepath.Join(dir, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Epoch) != 50 || len(h.Values["loss"]) != 50 || len(h.Values["mse"]) != 50 {
		t.Errorf("history.json: %d epochs, keys %v", len(h.Epoch), h.Keys)
	}
	if h.Values["loss"][49] >= h.Values["loss"][0] {
		t.Errorf("50 epochs of Adam did not lower the loss: %v → %v", h.Values["loss"][0], h.Values["loss"][49])
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "tuned.csv"))
	if !strings.HasPrefix(string(csv), "epoch,loss,mse,val_loss,val_mse\r\n") || strings.Count(string(csv), "\r\n") != 21 {
		t.Errorf("tuned.csv:\n%s", csv)
	}
	var info map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "model-info.json"))
	if err := json.Unmarshal(data, &info); err != nil || info["keras_version"] != "3.15.1" {
		t.Errorf("model-info.json: %v %v", err, info["keras_version"])
	}
	// The plot the README shows is in the repository.
	if _, err := os.Stat(filepath.Join("..", "..", "docs", "loss.png")); err != nil {
		t.Errorf("the README shows docs/loss.png: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "loss.png")); err != nil {
		t.Errorf("kerago fit --plot loss.png: %v", err)
	}
}

// sameTranscript compares output with what the README shows: text exactly,
// numbers (comma-separated CSV fields) within numpy.allclose(1e-5, 1e-5), so
// that the README needs no update for a last-digit float32 change.
func sameTranscript(got, want string) bool {
	if got == want {
		return true
	}
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if g[i] == w[i] {
			continue
		}
		gf, wf := strings.Split(g[i], ","), strings.Split(w[i], ",")
		if len(gf) != len(wf) {
			return false
		}
		for j := range gf {
			a, err1 := strconv.ParseFloat(gf[j], 64)
			b, err2 := strconv.ParseFloat(wf[j], 64)
			if err1 != nil || err2 != nil || math.Abs(a-b) > 1e-5+1e-5*math.Abs(b) {
				return false
			}
		}
	}
	return true
}

// commandArgs splits a README command line "kerago ARGS" (no quoting).
func commandArgs(t *testing.T, line int, cmd string) []string {
	t.Helper()
	if strings.ContainsAny(cmd, `"'$|;&`+"`") {
		t.Fatalf("README line %d: %q uses shell syntax the test does not run", line, cmd)
	}
	f := strings.Fields(cmd)
	if len(f) < 2 || f[0] != "kerago" {
		t.Fatalf("README line %d: %q is not a kerago command", line, cmd)
	}
	return f[1:]
}

// runReadmeCommand runs one README command; "> FILE" redirects stdout.
func runReadmeCommand(t *testing.T, dir, line string, args []string) {
	t.Helper()
	var redirect string
	if i := indexOf(args, ">"); i >= 0 {
		if i != len(args)-2 {
			t.Fatalf("%q: '>' must be followed by one file name", line)
		}
		redirect = args[i+1]
		args = args[:i]
	}
	r := run(t, dir, "", args...)
	if r.code != 0 {
		t.Fatalf("README command %q: exit %d: %s", line, r.code, r.stderr)
	}
	if redirect != "" {
		if err := os.WriteFile(filepath.Join(dir, redirect), []byte(r.stdout), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// checkServe starts the README's serve command on a free port, asks it for
// predictions of two batch.csv rows, compares them with kerago predict, and
// stops it with an interrupt, which must end it cleanly.
func checkServe(t *testing.T, dir string, args []string) {
	t.Helper()
	cmd := exec.Command(kerago, append(args, "--port", "0")...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	defer func() {
		cmd.Process.Kill()
		<-done
	}()
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		io.Copy(io.Discard, out)
		done <- cmd.Wait()
	}()
	var first string
	select {
	case first = <-lines:
	case <-time.After(60 * time.Second):
		t.Fatalf("kerago serve printed nothing in 60s; stderr: %s", stderr.String())
	}
	url := regexp.MustCompile(`http://[^ ]+`).FindString(first)
	if url == "" {
		t.Fatalf("kerago serve printed %q, no address; stderr: %s", first, stderr.String())
	}
	body := `{"instances": [[0.5, -1.25], [1.0, 0.0]]}`
	resp, err := http.Post(url+"/v1/models/mlp:predict", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("predict: %s: %s", resp.Status, data)
	}
	var got struct {
		Predictions [][]float64 `json:"predictions"`
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatalf("predict answer %s: %v", data, err)
	}
	os.WriteFile(filepath.Join(dir, "two.csv"), []byte("0.5,-1.25\n1.0,0.0\n"), 0o644)
	ok(t, dir, "predict", "model.keras", "--input", "two.csv", "--output", "two.npy")
	want := loadNpy(t, filepath.Join(dir, "two.npy"))
	var flat []float32
	for _, row := range got.Predictions {
		for _, v := range row {
			flat = append(flat, float32(v))
		}
	}
	served, err := tensor.FromSlice(flat, len(got.Predictions), len(flat)/max(len(got.Predictions), 1))
	if err != nil {
		t.Fatal(err)
	}
	allclose(t, "served vs predicted", served, want, 1e-6, 1e-6)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		done <- err // for the deferred cleanup
		if err != nil {
			t.Errorf("kerago serve after an interrupt: %v; stderr: %s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("kerago serve did not stop after an interrupt")
	}
}
