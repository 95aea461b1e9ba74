package translate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Snippets for np.array of a list built by .append (windows.go): the
// report says why a list cannot be stacked.
func init() {
	snippets = append(snippets,
		snippet{
			name: "windows_stacked",
			src: `import numpy as np
s = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
X_train = []
y_train = []
for i in range(2, 5):
    X_train.append(s[i-2:i, 0])
    y_train.append(s[i, 1])
X_train, y_train = np.array(X_train), np.array(y_train)
W = []
for i in range(0, 3):
    W.append(s[i+1:i+3, 1])
W = np.array(W)
`,
			want: []string{
				`xTrainRows[k] = elem.Data()`,
				`tensor.FromRows(xTrainRows)`,
				`yTrainValues[k2] = elem2.Data()[0]`,
				`tensor.FromSlice(yTrainValues, len(yTrainValues))`,
				`tensor.FromRows(wRows)`,
			},
		},
		snippet{
			name: "windows_unknown_lengths",
			src: `import numpy as np
s = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0]])
A = []
B = []
C = []
D = []
for i in range(1, 5):
    A.append(s[0:i, 0])
    B.append(s[i, :])
    C.append(s[i-1:i, 0])
    C.append(s[i, 0])
    D.append(s[i-1:i+1, 0])
    D.append(s[i:i+1, 0])
A = np.array(A)
B = np.array(B)
C = np.array(C)
D = np.array(D)
E = [s[0, 0], s[1, 0]]
E.append(s[2, 0])
E = np.array(E)
`,
			todo: []string{
				"line 14: A = np.array(A): np.array of A: the lengths of its elements cannot be known equal (the slice bounds do not differ by a positive constant)",
				"line 15: B = np.array(B): np.array of B: the lengths of its elements cannot be known equal (only a slice a:b with both bounds and no step has a known length)",
				"line 16: C = np.array(C): np.array of C: the lengths of its elements cannot be known equal (the appended elements differ in shape)",
				"line 17: D = np.array(D): np.array of D: the lengths of its elements cannot be known equal (the appended elements differ in shape)",
				"line 20: E = np.array(E): np.array of a list of arrays is translated only for a list built from [] by .append, whose elements' lengths can be known equal",
			},
		},
	)
}

// windowsScript is the sliding-window idiom of the LSTM time-series
// scripts on a small series; numpy prints
//
//	(3, 3)            X = [[1, 2, 3], [2, 3, 4], [3, 4, 5]] (rows in append order)
//	(3,)              y = [40, 50, 60]
//	[1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0]
//	[40.0, 50.0, 60.0]
//	(3, 3, 1)
const windowsScript = `import numpy as np
series = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [5.0, 50.0], [6.0, 60.0]])
X = []
y = []
for i in range(3, 6):
    X.append(series[i-3:i, 0])
    y.append(series[i, 1])
X, y = np.array(X), np.array(y)
print(X.shape)
print(y.shape)
print(X.flatten().tolist())
print(y.tolist())
X = np.reshape(X, (X.shape[0], X.shape[1], 1))
print(X.shape)
`

const windowsWant = "(3, 3)\n(3,)\n[1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 3.0, 4.0, 5.0]\n[40.0, 50.0, 60.0]\n(3, 3, 1)\n"

// TestWindowsRun builds and runs the translation of windowsScript and
// compares its output with numpy's (worked out by hand above).
func TestWindowsRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a translated program")
	}
	res, err := Translate([]byte(windowsScript), Options{ScriptName: "windows.py"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Untranslated) > 0 {
		t.Fatalf("untranslated lines:\n%s", res.Report("windows"))
	}
	got, stderr, err := runGo(t, res.Go)
	if err != nil {
		t.Fatalf("go run: %v\n%s", err, stderr)
	}
	if got != windowsWant {
		t.Errorf("output\n%s\nwant (numpy)\n%s\nGo:\n%s", got, windowsWant, res.Go)
	}
}

// TestWindowsRunShapeCheck: the translator cannot see the rank of the
// array a window is cut from; when the elements are not 1-D (or not
// scalars) the program stops with the element's shape instead of stacking.
func TestWindowsRunShapeCheck(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a translated program")
	}
	for _, c := range []struct{ name, elem, want string }{
		{"window", "s[i-1:i+1, 0]", "np.array(X): element 0 has shape [2 2], not a 1-D window"},
		{"scalar", "s[i, 0]", "np.array(X): element 0 has shape [2], not a scalar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := "import numpy as np\ns = np.array([[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]], [[9.0, 1.0], [2.0, 3.0]]])\n" +
				"X = []\nfor i in range(1, 2):\n    X.append(" + c.elem + ")\nX = np.array(X)\nprint(X.shape)\n"
			res, err := Translate([]byte(src), Options{ScriptName: "check.py"})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Untranslated) > 0 {
				t.Fatalf("untranslated lines:\n%s", res.Report("check"))
			}
			out, stderr, err := runGo(t, res.Go)
			if err == nil || !strings.Contains(stderr, c.want) {
				t.Errorf("err %v, stderr\n%s\nwant %q (stdout %q)", err, stderr, c.want, out)
			}
		})
	}
}

// runGo builds src as a program of a module using this checkout and
// returns what it prints, its standard error and how it ended.
func runGo(t *testing.T, src []byte) (string, string, error) {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	mod := t.TempDir()
	gomod := fmt.Sprintf("module translated\n\ngo 1.26\n\nrequire github.com/kerago/kerago v0.0.0\n\nreplace github.com/kerago/kerago => %s\n", root)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": src} {
		if err := os.WriteFile(filepath.Join(mod, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goTool(t), "run", ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	return stdout.String(), stderr.String(), err
}
