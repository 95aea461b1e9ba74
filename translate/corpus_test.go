package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	corpusDir  = "../testdata/translate/corpus"
	outsideDir = "../testdata/translate/outside"
)

// fitRefChecks says which printed lists of a script must equal which
// per-epoch histories of a recorded Keras 3.15.1 run
// (testdata/translate/corpus/fitref/<case>/history.json).
var fitRefChecks = map[string]struct {
	refCase string
	keys    []string // the i-th printed list is history[keys[i]]
	json    string   // a history file the script writes, compared too
}{
	"fitref_adam_tfkeras":    {refCase: "fit_adam_mse", keys: []string{"loss"}},
	"fitref_sgd_keras2":      {refCase: "fit_sgd_momentum_mse", keys: []string{"loss"}},
	"fitref_sgd_pandas":      {refCase: "fit_sgd_momentum_mse", keys: []string{"loss"}},
	"fitref_rmsprop_keras3":  {refCase: "fit_rmsprop_mse", keys: []string{"loss"}, json: "rmsprop_history.json"},
	"fitref_valsplit_keras1": {refCase: "fit_adam_mse_valsplit", keys: []string{"loss", "val_loss"}},
}

// corpusOutputs are the endings of what some corpus programs print (as
// Python prints it: the epochs of history and the predictions' shapes).
var corpusOutputs = map[string]string{
	"text_lstm":         "3\n(8, 1)\n(8, 1)\n",
	"image_layers":      "(8, 2)\n",
	"functional_bilstm": "(32, 1)\n",
	"functional_merge":  "(32, 1)\n",
}

// outsideReports are the exact report lines for the scripts with
// constructs outside the subset.
var outsideReports = map[string][]string{
	"custom_layer": {
		"line 8: class Scale(keras.layers.Layer):: class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 9: def __init__(self, factor=2.0, **kwargs):: class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 10: super().__init__(**kwargs): class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 11: self.factor = factor: class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 13: def call(self, inputs):: class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 14: return inputs * self.factor: class Scale: classes defined in the script (custom layers, models, callbacks) are outside the subset",
		"line 22: Scale(0.5): Scale is the class defined at line 8, outside the subset",
	},
	"lambda_layer": {
		"line 11: model.add(Lambda(lambda t: t * 2.0)): Lambda is not a layer kerago implements",
	},
}

// readmeProgram returns the founding program of README.md (its first
// python block) with the data it uses loaded from small .npy files and its
// predictions printed.
func readmeProgram(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```python\n")
	if !ok {
		t.Fatal("README.md has no python block")
	}
	block, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("README.md: unterminated python block")
	}
	if !strings.Contains(block, "model.fit(x_train, y_train") {
		t.Fatalf("README.md's python block is not the founding program:\n%s", block)
	}
	return "import numpy as np\nimport tensorflow as tf\n\n" +
		"x_train = np.load('data/readme_x_train.npy')\n" +
		"y_train = np.load('data/readme_y_train.npy')\n" +
		"x_test = np.load('data/readme_x_test.npy')\n\n" +
		block + "print(predictions)\n"
}

type program struct {
	name    string
	src     []byte
	res     *Result
	outside bool // reports checked, built, not run
	snippet bool // built only (checked by TestSnippets)
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		t.Skip("no go tool to build the translated programs")
	}
	return p
}

// TestCorpus translates the README's founding program, every script of
// testdata/translate/corpus (which must translate with no TODO) and the
// scripts of testdata/translate/outside (whose reports are checked line by
// line), builds all the programs — and those of TestSnippets — with one go
// build and go vet in a module that uses this checkout of kerago, runs the
// corpus programs, and compares the losses the fit-ref scripts print with
// the recorded Keras runs.
func TestCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the translated programs")
	}
	var progs []*program
	readme := readmeProgram(t)
	progs = append(progs, &program{name: "readme_founding", src: []byte(readme)})
	scripts, _ := filepath.Glob(filepath.Join(corpusDir, "*.py"))
	for _, s := range scripts {
		name := strings.TrimSuffix(filepath.Base(s), ".py")
		if name == "make_data" {
			continue
		}
		src, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, &program{name: name, src: src})
	}
	if len(progs) < 16 {
		t.Fatalf("corpus has %d programs, want at least 16 (15 scripts and the README's)", len(progs))
	}
	outside, _ := filepath.Glob(filepath.Join(outsideDir, "*.py"))
	for _, s := range outside {
		src, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, &program{name: strings.TrimSuffix(filepath.Base(s), ".py"), src: src, outside: true})
	}

	for _, sn := range snippets {
		progs = append(progs, &program{name: "snippet_" + sn.name, src: []byte(sn.src), snippet: true})
	}

	// translate
	for _, p := range progs {
		res, err := Translate(p.src, Options{ScriptName: p.name + ".py"})
		if err != nil {
			t.Fatalf("%s: %v", p.name, err)
		}
		p.res = res
		if p.snippet {
			continue
		}
		if p.outside {
			var got []string
			for _, i := range res.Untranslated {
				got = append(got, i.String())
			}
			want := outsideReports[p.name]
			if want == nil {
				t.Errorf("%s: no expected report in outsideReports", p.name)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("%s: report lines\n%s\nwant\n%s", p.name, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			todos := map[string]bool{}
			for _, l := range strings.Split(string(res.Go), "\n") {
				if _, after, ok := strings.Cut(l, "// TODO(kerago translate): "); ok {
					todos[strings.TrimSpace(after)] = true
				}
			}
			for _, i := range res.Untranslated {
				if line := strings.TrimSpace(strings.Split(string(p.src), "\n")[i.Line-1]); !todos[line] {
					t.Errorf("%s: line %d (%s) has no TODO comment in the output", p.name, i.Line, line)
				}
			}
			continue
		}
		if len(res.Untranslated) > 0 {
			t.Errorf("%s: %d untranslated line(s):\n%s", p.name, len(res.Untranslated), res.Report(p.name))
		}
		if bytes.Contains(res.Go, []byte("TODO(kerago translate)")) {
			t.Errorf("%s: the output has a TODO", p.name)
		}
	}
	if t.Failed() {
		return
	}

	// Build with one go build: the README program as the standalone
	// program it is, and every program (the README's too) as a function
	// of one "all" program (one link instead of twenty), run by name.
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	mod := filepath.Join(tmp, "mod")
	bin := filepath.Join(tmp, "bin")
	for _, dir := range []string{filepath.Join(mod, "readme_founding"), filepath.Join(mod, "all")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var dispatch strings.Builder
	dispatch.WriteString("package main\n\nimport \"os\"\n\nfunc main() {\n\tswitch os.Args[1] {\n")
	for _, p := range progs {
		if p.name == "readme_founding" {
			if err := os.WriteFile(filepath.Join(mod, p.name, "main.go"), p.res.Go, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		fn := "run_" + p.name
		src := strings.Replace(string(p.res.Go), "\nfunc main() {\n", "\nfunc "+fn+"() {\n", 1)
		if src == string(p.res.Go) {
			t.Fatalf("%s: no func main in the output", p.name)
		}
		if err := os.WriteFile(filepath.Join(mod, "all", p.name+".go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&dispatch, "\tcase %q:\n\t\t%s()\n", p.name, fn)
	}
	dispatch.WriteString("\tdefault:\n\t\tos.Exit(3)\n\t}\n}\n")
	if err := os.WriteFile(filepath.Join(mod, "all", "zz_dispatch.go"), []byte(dispatch.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	gomod := fmt.Sprintf("module translated\n\ngo 1.26\n\nrequire github.com/kerago/kerago v0.0.0\n\nreplace github.com/kerago/kerago => %s\n", root)
	if err := os.WriteFile(filepath.Join(mod, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mod, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	build := exec.Command(goTool(t), "build", "-o", bin+string(filepath.Separator), "./...")
	build.Dir = mod
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build of the translated programs: %v\n%s", err, out)
	}
	vet := exec.Command(goTool(t), "vet", "./...")
	vet.Dir = mod
	vet.Env = build.Env
	if out, err := vet.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the translated programs: %v\n%s", err, out)
	}

	// run the corpus programs in a copy of the corpus (they write files)
	work := filepath.Join(tmp, "work")
	if err := copyTree(corpusDir, work); err != nil {
		t.Fatal(err)
	}
	readmePath := filepath.Join(work, "readme_founding.py")
	if err := os.WriteFile(readmePath, []byte(readme), 0o644); err != nil {
		t.Fatal(err)
	}
	type result struct {
		out []byte
		err error
	}
	results := map[string]result{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, p := range progs {
		if p.outside || p.snippet {
			continue
		}
		wg.Add(1)
		go func(name string) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(bin, "all"), name)
			cmd.Dir = work
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if err != nil {
				err = fmt.Errorf("%v\nstderr:\n%s", err, stderr.String())
			}
			mu.Lock()
			results[name] = result{out: stdout.Bytes(), err: err}
			mu.Unlock()
		}(p.name)
	}
	wg.Wait()
	names := make([]string, 0, len(results))
	for n := range results {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := results[n]
		if r.err != nil {
			t.Errorf("%s: %v\nstdout:\n%s", n, r.err, r.out)
			continue
		}
		if chk, ok := fitRefChecks[n]; ok {
			checkFitRef(t, n, r.out, chk.refCase, chk.keys, work, chk.json)
		}
		if want, ok := corpusOutputs[n]; ok && !strings.HasSuffix(string(r.out), want) {
			t.Errorf("%s: output does not end with\n%s\ngot:\n%s", n, want, r.out)
		}
	}
	// the standalone README program
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "readme_founding"))
	cmd.Dir = work
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Run(); err != nil || !strings.Contains(stdout.String(), "Epoch 100/100") {
		t.Errorf("readme_founding standalone: %v\n%s", err, stdout.String())
	}
	if r, ok := results["readme_founding"]; ok && r.err == nil {
		// predictions for the 4 test points: a 4×2 array
		if rows := strings.Count(string(r.out), "]"); rows < 4 {
			t.Errorf("readme_founding: expected a 4x2 prediction array, got:\n%s", r.out)
		}
	}
}

// checkFitRef compares the float lists a program printed with the recorded
// Keras history: within 1e-5 relative for every epoch.
func checkFitRef(t *testing.T, name string, out []byte, refCase string, keys []string, work, jsonFile string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(corpusDir, "fitref", refCase, "history.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Keras   string               `json:"keras"`
		History map[string][]float64 `json:"history"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	lists := printedLists(out)
	if len(lists) < len(keys) {
		t.Fatalf("%s: printed %d lists of floats, want %d:\n%s", name, len(lists), len(keys), out)
	}
	for i, key := range keys {
		worst := compareHistory(t, name+" "+key, lists[i], ref.History[key])
		t.Logf("%s: %s over %d epochs matches Keras %s within %.2g relative", name, key, len(lists[i]), ref.Keras, worst)
	}
	if jsonFile != "" {
		jb, err := os.ReadFile(filepath.Join(work, jsonFile))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			return
		}
		var h map[string][]float64
		if err := json.Unmarshal(jb, &h); err != nil {
			t.Errorf("%s: %s: %v", name, jsonFile, err)
			return
		}
		for _, key := range keys {
			compareHistory(t, name+" "+jsonFile+" "+key, h[key], ref.History[key])
		}
	}
}

func compareHistory(t *testing.T, what string, got, want []float64) float64 {
	t.Helper()
	if len(got) != len(want) || len(want) == 0 {
		t.Errorf("%s: %d epochs, Keras %d", what, len(got), len(want))
		return math.Inf(1)
	}
	worst := 0.0
	for e := range want {
		rel := math.Abs(got[e]-want[e]) / math.Abs(want[e])
		worst = math.Max(worst, rel)
		if rel > 1e-5 {
			t.Errorf("%s: epoch %d: %.9g, Keras %.9g (relative difference %.2g)", what, e+1, got[e], want[e], rel)
		}
	}
	return worst
}

// printedLists parses the lines of out that are Python lists of floats.
func printedLists(out []byte) [][]float64 {
	var lists [][]float64
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "[") || !strings.HasSuffix(line, "]") {
			continue
		}
		var vals []float64
		ok := true
		for _, f := range strings.Split(strings.Trim(line, "[]"), ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil {
				ok = false
				break
			}
			vals = append(vals, v)
		}
		if ok && len(vals) > 1 {
			lists = append(lists, vals)
		}
	}
	return lists
}

func copyTree(src, dst string) error {
	return filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(target)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}
