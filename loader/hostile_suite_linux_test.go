package loader_test

// The standing hostile-file suite of issue 15: the shared reproductions in
// testdata/hostile and mutations of every fixture (truncations every 5%,
// byte flips, zeroed blocks, inflated config shapes, zip bombs) are loaded
// in a child process whose address space and heap this test caps itself.
// TestHostileSuite runs the child and checks that it passed and that its
// peak resident memory stayed under hostileMaxRSS.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"syscall"
	"testing"
)

const (
	hostileChildEnv = "KERAGO_HOSTILE_SUITE_CHILD"
	// hostileMaxRSS is the peak resident memory the whole suite may reach
	// (issue 15: under 512 MB for every hostile file).
	hostileMaxRSS = 512 << 20
	// hostileMaxAS caps the child's address space, so that an allocation
	// driven by a hostile file kills the child instead of the machine.
	hostileMaxAS = 3 << 30
	// hostileHeapLimit is the child's soft heap limit (debug.SetMemoryLimit):
	// the garbage collector works hard to stay below it.
	hostileHeapLimit = 256 << 20
)

func TestHostileSuite(t *testing.T) {
	if os.Getenv(hostileChildEnv) != "" {
		runHostileChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHostileSuite$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), hostileChildEnv+"=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	log := out.String()
	if err != nil || !strings.Contains(log, "--- PASS: TestHostileSuite/bombs") {
		t.Fatalf("hostile suite child failed (%v):\n%s", err, tail(log, 8000))
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		t.Fatal("no resource usage for the child")
	}
	peak := ru.Maxrss * 1024 // kilobytes on Linux
	t.Logf("hostile suite child: peak RSS %.1f MiB, user %v, sys %v", float64(peak)/(1<<20),
		cmd.ProcessState.UserTime(), cmd.ProcessState.SystemTime())
	if peak > hostileMaxRSS {
		t.Errorf("peak RSS %d bytes, want under %d", peak, hostileMaxRSS)
	}
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "hostile:") {
			t.Log(strings.TrimSpace(line))
		}
	}
}

// runHostileChild is the suite itself, run inside the child process that
// TestHostileSuite starts, under the caps it sets here.
func runHostileChild(t *testing.T) {
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: hostileMaxAS, Max: hostileMaxAS}); err != nil {
		t.Fatalf("capping the address space: %v", err)
	}
	debug.SetMemoryLimit(hostileHeapLimit)
	t.Run("shared", testSharedHostileFiles)
	t.Run("truncation", testTruncationSweep)
	t.Run("flips", testByteFlips)
	t.Run("inflated", testInflatedShapes)
	t.Run("bombs", testBombs)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

func runCLI(args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := cliRun(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}
