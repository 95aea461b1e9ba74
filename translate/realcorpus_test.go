package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// realMeta holds the corpus's provenance (committed); the scripts and their
// data are not committed (the search tool's terms keep fetched code out of
// commits): collect them as provenance.json says into realCorpusDir.
const realMeta = "../testdata/translate/real"

// realCorpusDir is where the collected scripts are: $KERAGO_REAL_CORPUS,
// else testdata/translate/real itself (whose subfolders git ignores).
func realCorpusDir() string {
	if d := os.Getenv("KERAGO_REAL_CORPUS"); d != "" {
		return d
	}
	return realMeta
}

// realScript is one entry of testdata/translate/real/provenance.json.
type realScript struct {
	Repo    string   `json:"repo"`
	Commit  string   `json:"commit"`
	Path    string   `json:"path"`
	File    string   `json:"file"`
	Extra   []string `json:"extra"`
	Licence string   `json:"licence"`
	Data    string   `json:"data"`   // "present" or "absent: why"
	Layers  string   `json:"layers"` // "dense", or the first layer outside the Dense family (LSTM, Conv2D) when collected
}

// realOutcome is what happened to one script of the public corpus.
type realOutcome struct {
	s          realScript
	name       string // Go identifier
	res        *Result
	err        error  // Translate's error
	fitLines   []int  // the lines calling .fit(
	fitTODO    bool   // some fit is untranslated, or affected by an untranslated line
	built      bool   // the program compiled
	buildErr   string // its first compile error
	ran        bool   // the program was run (data present, built)
	trained    bool   // it ran to its end with fit translated
	runErr     string // its error (the last line of its standard error)
	runSeconds float64
}

// Floors of the public corpus's rates: the test fails when a change makes
// the translator do worse on the scripts people really write. Raise them
// as the translator improves (never lower them to make a test pass).
const (
	realFloorTranslated = 41 // Translate returns a program (no whole-file failure)
	realFloorClear      = 29 // no TODO on the path to fit (fit translated, not affected)
	realFloorTrained    = 18 // scripts with data present that train to the end
)

func loadRealCorpus(t *testing.T) []realScript {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(realMeta, "provenance.json"))
	if err != nil {
		t.Fatal(err)
	}
	var scripts []realScript
	if err := json.Unmarshal(b, &scripts); err != nil {
		t.Fatalf("provenance.json: %v", err)
	}
	if len(scripts) < 40 {
		t.Fatalf("the public corpus has %d scripts, want at least 40", len(scripts))
	}
	missing := 0
	for _, s := range scripts {
		if s.Repo == "" || len(s.Commit) != 40 || s.Path == "" || s.Licence == "" || s.Data == "" || s.Layers == "" {
			t.Errorf("provenance.json: %s: incomplete provenance %+v", s.File, s)
		}
		if _, err := os.Stat(filepath.Join(realCorpusDir(), s.File)); err != nil {
			missing++
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	if missing == len(scripts) {
		t.Skipf("the public corpus's %d scripts are not in %s: they are not committed (fetched code stays out of commits); "+
			"collect each file of provenance.json (repo, commit, path, extra) there, or set KERAGO_REAL_CORPUS", len(scripts), realCorpusDir())
	}
	if missing > 0 {
		t.Fatalf("%d of the %d scripts of provenance.json are missing from %s", missing, len(scripts), realCorpusDir())
	}
	return scripts
}

var (
	fitCall = regexp.MustCompile(`(\w*)\.fit\(`)
	// scikit-learn objects whose fit is not training: scalers, encoders,
	// linear models
	sklearnObject = regexp.MustCompile(`^\s*(\w+)\s*=\s*[\w.]*(Scaler|Encoder|Transformer|PCA|LinearRegression|LogisticRegression|Imputer)\(`)
)

// fitLines returns the 1-based lines of the `.fit(` calls outside
// comments, but those of scikit-learn scalers, encoders and linear models.
func fitLines(src []byte) []int {
	lines := strings.Split(string(src), "\n")
	notKeras := map[string]bool{}
	for _, l := range lines {
		if m := sklearnObject.FindStringSubmatch(l); m != nil {
			notKeras[m[1]] = true
		}
	}
	var out []int
	for i, l := range lines {
		code, _, _ := strings.Cut(l, "#")
		for _, m := range fitCall.FindAllStringSubmatch(code, -1) {
			if !notKeras[m[1]] {
				out = append(out, i+1)
				break
			}
		}
	}
	return out
}

// TestRealCorpus translates every script of the public corpus
// (testdata/translate/real), builds every generated program (each must
// compile), runs those whose data is present and whose layers kerago runs,
// and reports the rates: translated, no TODO on the path to fit (every
// .fit( line translated and unaffected by an untranslated line), built,
// trained to the end (ran to its end with every fit clear). The rates must
// not fall below the floors above.
func TestRealCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the translated programs")
	}
	scripts := loadRealCorpus(t)
	outs := make([]*realOutcome, len(scripts))
	for i, s := range scripts {
		src, err := os.ReadFile(filepath.Join(realCorpusDir(), s.File))
		if err != nil {
			t.Fatal(err)
		}
		o := &realOutcome{s: s, name: fmt.Sprintf("real%02d", i), fitLines: fitLines(src)}
		o.res, o.err = Translate(src, Options{ScriptName: filepath.Base(s.File)})
		if o.err == nil {
			o.fitTODO = fitBlocked(o.res, o.fitLines)
		}
		outs[i] = o
	}
	tmp := t.TempDir()
	buildReal(t, tmp, outs)
	runReal(t, tmp, outs)
	reportReal(t, outs)
}

// fitBlocked says whether there is no fit, or some fit line is
// untranslated or affected by an untranslated line.
func fitBlocked(res *Result, fitLines []int) bool {
	if len(fitLines) == 0 {
		return true
	}
	blocked := map[int]bool{}
	for _, i := range res.Untranslated {
		blocked[i.Line] = true
	}
	for _, a := range res.Affected {
		blocked[a.Line] = true
	}
	for _, l := range fitLines {
		if blocked[l] {
			return true
		}
	}
	return false
}

var compileErr = regexp.MustCompile(`(?m)^\./(real\d\d)\.go:\d+:\d+: (.*)$`)

// buildReal builds the translated programs as functions of one program
// (one link), dropping a file whose code does not compile and building
// again, until the rest builds.
func buildReal(t *testing.T, tmp string, outs []*realOutcome) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(tmp, "mod")
	if err := os.MkdirAll(mod, 0o755); err != nil {
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
	live := map[string]*realOutcome{}
	for _, o := range outs {
		if o.err != nil {
			continue
		}
		src := strings.Replace(string(o.res.Go), "\nfunc main() {\n", "\nfunc run_"+o.name+"() {\n", 1)
		if err := os.WriteFile(filepath.Join(mod, o.name+".go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		live[o.name] = o
	}
	for attempt := 0; attempt < 8 && len(live) > 0; attempt++ {
		var d strings.Builder
		d.WriteString("package main\n\nimport \"os\"\n\nfunc main() {\n\tswitch os.Args[1] {\n")
		names := make([]string, 0, len(live))
		for n := range live {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Fprintf(&d, "\tcase %q:\n\t\trun_%s()\n", n, n)
		}
		d.WriteString("\tdefault:\n\t\tos.Exit(3)\n\t}\n}\n")
		if err := os.WriteFile(filepath.Join(mod, "zz_dispatch.go"), []byte(d.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		build := exec.Command(goTool(t), "build", "-gcflags=-e", "-o", filepath.Join(tmp, "real"), ".")
		build.Dir = mod
		build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
		out, err := build.CombinedOutput()
		if err == nil {
			for _, o := range live {
				o.built = true
			}
			return
		}
		ms := compileErr.FindAllStringSubmatch(string(out), -1)
		if len(ms) == 0 {
			t.Fatalf("go build of the translated real corpus: %v\n%s", err, out)
		}
		for _, m := range ms {
			if o, ok := live[m[1]]; ok {
				o.buildErr = m[2]
				delete(live, m[1])
				os.Remove(filepath.Join(mod, m[1]+".go"))
			}
		}
	}
}

// realRunTimeout bounds one program's run.
func realRunTimeout() time.Duration {
	if s := os.Getenv("KERAGO_REAL_TIMEOUT"); s != "" {
		if d, err := time.ParseDuration(s); err == nil {
			return d
		}
	}
	return 10 * time.Minute
}

// runReal runs, in a copy of the corpus, each built program whose data is
// present and whose layers kerago runs, from its script's folder.
func runReal(t *testing.T, tmp string, outs []*realOutcome) {
	work := filepath.Join(tmp, "work")
	if err := copyTree(realCorpusDir(), work); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for _, o := range outs {
		if !o.built || o.s.Data != "present" {
			continue
		}
		o.ran = true
		wg.Add(1)
		go func(o *realOutcome) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			deadline := time.Now().Add(realRunTimeout())
			if dl, ok := t.Deadline(); ok && dl.Add(-30*time.Second).Before(deadline) {
				deadline = dl.Add(-30 * time.Second) // leave the test time to report
			}
			ctx, cancel := context.WithDeadline(context.Background(), deadline)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(tmp, "real"), o.name)
			cmd.Dir = filepath.Join(work, filepath.Dir(o.s.File))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			o.runSeconds = time.Since(start).Seconds()
			switch {
			case ctx.Err() != nil:
				o.runErr = fmt.Sprintf("timed out after %v", realRunTimeout())
			case err != nil:
				o.runErr = errorLine(stderr.String())
				if o.runErr == "" {
					o.runErr = err.Error()
				}
			default:
				o.trained = !o.fitTODO
			}
		}(o)
	}
	wg.Wait()
}

// errorLine returns the last line of a program's standard error (log.Fatal's
// message), cut to 200 characters.
func errorLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// reportReal logs one line per script and the rates, and checks the
// floors and that every generated program compiles.
func reportReal(t *testing.T, outs []*realOutcome) {
	var translated, clean, built, present, trained int
	var lines []string
	for _, o := range outs {
		status := []string{}
		if o.err != nil {
			status = append(status, "NOT TRANSLATED: "+o.err.Error())
		} else {
			translated++
			status = append(status, strconv.Itoa(len(o.res.Untranslated))+" TODO")
			if !o.fitTODO {
				clean++
				status = append(status, "fit clear")
			} else {
				status = append(status, "fit blocked")
			}
		}
		if o.built {
			built++
			status = append(status, "built")
		} else if o.err == nil {
			status = append(status, "DOES NOT COMPILE: "+o.buildErr)
			t.Errorf("%s: the generated program does not compile: %s", o.s.File, o.buildErr)
		}
		if o.s.Data == "present" { // every layer of the corpus (Dense family, LSTM, Conv2D) is in keras/layers
			present++
			switch {
			case o.trained:
				trained++
				status = append(status, fmt.Sprintf("TRAINED (%.1fs)", o.runSeconds))
			case o.ran && o.runErr != "":
				status = append(status, "run failed: "+o.runErr)
			case o.ran:
				status = append(status, "ran, fit blocked")
			}
		} else {
			status = append(status, "data "+o.s.Data)
		}
		lines = append(lines, o.s.File+": "+strings.Join(status, "; "))
	}
	t.Logf("public corpus, per script:\n%s", strings.Join(lines, "\n"))
	t.Logf("public corpus: %d scripts; translated %d; no TODO on the path to fit %d; built %d; "+
		"data present %d, trained to the end %d (%.0f%%)",
		len(outs), translated, clean, built, present, trained, 100*float64(trained)/float64(max(present, 1)))
	if translated < realFloorTranslated {
		t.Errorf("translated %d scripts, floor %d", translated, realFloorTranslated)
	}
	if clean < realFloorClear {
		t.Errorf("%d scripts have no TODO on the path to fit, floor %d", clean, realFloorClear)
	}
	if trained < realFloorTrained {
		t.Errorf("trained %d scripts to the end, floor %d", trained, realFloorTrained)
	}
}
