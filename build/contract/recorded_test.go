//go:build contract

package contract

// The exchanges recorded by the service's tests exist only after make
// test-go has run them with CONTRACT_EXCHANGES_DIR set, so this test runs
// from make test-contract alone (-tags contract), never from a plain
// go test ./..., where it could read half a recording.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// readExchanges reads every JSON line that the service's tests recorded
// (make test-go sets CONTRACT_EXCHANGES_DIR for them).
func readExchanges(t *testing.T) []Exchange {
	t.Helper()
	dir := os.Getenv("CONTRACT_EXCHANGES_DIR")
	if dir == "" {
		t.Fatal("CONTRACT_EXCHANGES_DIR is not set: run make test-contract, which records the service tests' exchanges first")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("CONTRACT_EXCHANGES_DIR=%s holds no *.jsonl (%v): the service tests recorded nothing", dir, err)
	}
	var all []Exchange
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		scanner := bufio.NewScanner(f)
		scanner.Buffer(nil, 64<<20)
		for line := 1; scanner.Scan(); line++ {
			var x Exchange
			if err := json.Unmarshal(scanner.Bytes(), &x); err != nil {
				t.Fatalf("%s:%d: %v", name, line, err)
			}
			all = append(all, x)
		}
		if err := scanner.Err(); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f.Close()
	}
	return all
}

// Every exchange the handler and end-to-end tests made conforms, and
// together they produce every answer the document promises (but 500,
// which only a panicking handler gives).
func TestRecordedExchangesConform(t *testing.T) {
	c := load(t)
	exchanges := readExchanges(t)
	seen := map[Operation]map[string]bool{}
	failures := 0
	for _, x := range exchanges {
		v, err := c.Check(context.Background(), x)
		if err != nil {
			failures++
			if failures <= 20 {
				t.Errorf("%s: %s %s -> %d: %v", x.Source, x.Method, bounded(x.Target), x.Status, err)
			}
			continue
		}
		if v.Operation != (Operation{}) {
			if seen[v.Operation] == nil {
				seen[v.Operation] = map[string]bool{}
			}
			seen[v.Operation][strconv.Itoa(x.Status)] = true
		}
	}
	if failures > 20 {
		t.Errorf("... and %d more of %d exchanges do not conform", failures-20, len(exchanges))
	}
	for op, statuses := range c.Documented() {
		for _, status := range statuses {
			if status != "500" && !seen[op][status] {
				t.Errorf("%s: no test produced its documented %s", op, status)
			}
		}
	}
	t.Logf("%d exchanges checked", len(exchanges))
}

// bounded keeps a failure readable when a test sent a 64 KB target.
func bounded(s string) string {
	if len(s) <= 120 {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:120], len(s))
}
