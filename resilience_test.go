package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests run the built binary as its own process, the way an
// orchestrator does: real signals, real exit codes, the process's own memory.

// program is a Go program built once per test run, into a directory that
// outlives any one test (and is left to the system's temporary files).
type program struct {
	once sync.Once
	path string
	err  error
}

// build builds pkg from the module in dir, with env added to the
// environment, the first time it is asked for.
func (p *program) build(t *testing.T, dir, pkg string, env ...string) string {
	t.Helper()
	p.once.Do(func() {
		out, err := os.MkdirTemp("", "product-catalog-test")
		if err != nil {
			p.err = err
			return
		}
		p.path = filepath.Join(out, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-o", p.path, pkg)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		if output, err := cmd.CombinedOutput(); err != nil {
			p.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, output)
		}
	})
	if p.err != nil {
		t.Fatal(p.err)
	}
	return p.path
}

// productCatalog is the program under test.
var productCatalog program

func binary(t *testing.T) string {
	t.Helper()
	return productCatalog.build(t, ".", "github.com/product-catalog/product-catalog")
}

// process is the binary running on a free port.
type process struct {
	cmd    *exec.Cmd
	base   string
	client *http.Client // records its exchanges for build/contract
	logs   *syncBuffer
	exited chan error
}

func startProcess(t *testing.T, env ...string) *process {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binary(t))
	cmd.Env = append([]string{"PRODUCT_CATALOG_PORT=" + strconv.Itoa(port), "PRODUCT_CATALOG_DIR=products", "PATH=" + os.Getenv("PATH")}, env...)
	p := &process{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port), client: recordingClient(t, &http.Transport{}, 0), logs: newSyncBuffer(), exited: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	p.logs.waitFor(t, `"msg":"serving"`, 1, p.exited)
	return p
}

// metric reads one unlabelled sample from /metrics.
func (p *process) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := p.client.Get(p.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	scanner := bufio.NewScanner(resp.Body)
	for scanner.Scan() {
		if value, ok := strings.CutPrefix(scanner.Text(), name+" "); ok {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return v
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

// outcome is one call of a sustained load: when it started, and how it
// failed (nil when it was answered as wanted).
type outcome struct {
	started time.Time
	err     error
}

// sustained is a load from several clients, each making one call after
// another until stopped or until a call fails (the server is gone).
type sustained struct {
	mu       sync.Mutex
	outcomes []outcome
	loaded   chan struct{} // closed once load calls have completed
	stopping chan struct{}
	clients  sync.WaitGroup
}

// sustain starts one client per call; loaded closes after load calls.
func sustain(load int, calls []func() error) *sustained {
	s := &sustained{loaded: make(chan struct{}), stopping: make(chan struct{})}
	for _, call := range calls {
		s.clients.Add(1)
		go func() {
			defer s.clients.Done()
			for {
				select {
				case <-s.stopping:
					return
				default:
				}
				o := outcome{started: time.Now()}
				o.err = call()
				s.mu.Lock()
				s.outcomes = append(s.outcomes, o)
				if len(s.outcomes) == load {
					close(s.loaded)
				}
				s.mu.Unlock()
				if o.err != nil {
					return
				}
			}
		}()
	}
	return s
}

// stop ends the load and returns every outcome.
func (s *sustained) stop() []outcome {
	close(s.stopping)
	s.clients.Wait()
	return s.outcomes
}

// sigterm waits until the load has made load calls, sends SIGTERM, and
// waits for the process to exit; it returns when the signal went and how
// the process exited.
func (p *process) sigterm(t *testing.T, s *sustained, load int) (signalled time.Time, exitErr error) {
	t.Helper()
	select {
	case <-s.loaded:
	case <-time.After(30 * time.Second):
		t.Fatalf("fewer than %d calls answered in 30s; logs:\n%s", load, p.logs)
	}
	signalled = time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case exitErr = <-p.exited:
		p.exited <- exitErr // for the cleanup
	case <-time.After(15 * time.Second):
		t.Fatalf("still running 15s after SIGTERM; logs:\n%s", p.logs)
	}
	return signalled, exitErr
}

// checkDrained: the process exited 0, and every call sent before the
// signal, or while draining (less a margin for the one that meets the
// closing listener), was answered, under a sustained load (at least load
// calls before, 100 during).
func (p *process) checkDrained(t *testing.T, outcomes []outcome, signalled time.Time, exitErr error, drain time.Duration, load int) {
	t.Helper()
	if exitErr != nil {
		t.Errorf("exit after SIGTERM: %v, want exit code 0; logs:\n%s", exitErr, p.logs)
	}
	before, during := 0, 0
	for _, o := range outcomes {
		if o.started.After(signalled.Add(drain - 100*time.Millisecond)) {
			continue
		}
		if o.started.Before(signalled) {
			before++
		} else {
			during++
		}
		if o.err != nil {
			t.Errorf("call sent %v after SIGTERM: %v; want it answered", o.started.Sub(signalled).Round(time.Millisecond), o.err)
		}
	}
	if before < load || during < 100 {
		t.Errorf("%d calls before SIGTERM and %d while draining; want a sustained load (>= %d before, >= 100 during)", before, during, load)
	}
	t.Logf("%d calls before SIGTERM, %d while draining", before, during)
}

// Under sustained load, SIGTERM makes /readyz answer 503 first, every
// request sent before the signal (and during the drain) completes with 200,
// and the process exits 0.
func TestSIGTERMUnderLoad(t *testing.T) {
	const drain = time.Second
	p := startProcess(t, "SHUTDOWN_DRAIN="+drain.String())

	const load = 100 // requests answered before the signal
	calls := make([]func() error, 8)
	for c := range calls {
		client := recordingClient(t, &http.Transport{MaxIdleConnsPerHost: 1}, 10*time.Second)
		calls[c] = func() error {
			resp, err := client.Get(p.base + "/products")
			if err != nil {
				return err
			}
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("status %d, want 200", resp.StatusCode)
			}
			return err
		}
	}
	s := sustain(load, calls)

	// Readiness, as a load balancer polls it.
	var first503, firstRefused time.Time
	polled := make(chan struct{})
	stopPolling := make(chan struct{})
	poller := recordingClient(t, &http.Transport{}, time.Second)
	go func() {
		defer close(polled)
		for {
			select {
			case <-stopPolling:
				return
			default:
			}
			resp, err := poller.Get(p.base + "/readyz")
			now := time.Now()
			if err != nil {
				if firstRefused.IsZero() {
					firstRefused = now
				}
				return
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusServiceUnavailable && first503.IsZero() {
				first503 = now
			}
		}
	}()

	signalled, exitErr := p.sigterm(t, s, load)
	outcomes := s.stop()
	close(stopPolling)
	<-polled

	p.checkDrained(t, outcomes, signalled, exitErr, drain, load)
	switch {
	case first503.IsZero():
		t.Errorf("/readyz never answered 503 after SIGTERM")
	case first503.Before(signalled):
		t.Errorf("/readyz answered 503 before SIGTERM")
	case !firstRefused.IsZero() && firstRefused.Before(first503):
		t.Errorf("connections were refused (%v) before /readyz answered 503 (%v)", firstRefused, first503)
	}
	t.Logf("/readyz 503 after %v", first503.Sub(signalled).Round(time.Millisecond))
}

// Many idle connections cost a bounded amount each, and connections that
// never send a request are closed by ReadHeaderTimeout, their goroutines
// and buffers released.
func TestIdleConnectionsStayBounded(t *testing.T) {
	p := startProcess(t)
	addr := strings.TrimPrefix(p.base, "http://")
	baseGoroutines := p.metric(t, "go_goroutines")
	baseRSS := p.metric(t, "process_resident_memory_bytes")

	const keepAlive, silent = 500, 500
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < keepAlive; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		// One request, then the connection sits idle, kept alive.
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Each silent connection has a reader that reports when the server
	// closes it.
	closedBy := make(chan error, silent)
	for i := 0; i < silent; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		go func() {
			_, err := c.Read(make([]byte, 1))
			closedBy <- err
		}()
	}
	// The server runs a goroutine per connection it has accepted: wait until
	// it has accepted them all (a few of the baseline's own come and go: the
	// connection /metrics was read over, the log flusher).
	all := baseGoroutines + keepAlive + silent - 5
	goroutines := p.metricReaches(t, "go_goroutines", func(v float64) bool { return v >= all })
	rss := p.metric(t, "process_resident_memory_bytes")
	perConn := (rss - baseRSS) / (keepAlive + silent)
	t.Logf("%d idle connections: goroutines %v -> %v, RSS %.1f -> %.1f MB (%.1f KB each)",
		keepAlive+silent, baseGoroutines, goroutines, baseRSS/1e6, rss/1e6, perConn/1e3)
	if perConn > 64<<10 {
		t.Errorf("each idle connection costs %.0f KB of RSS, want at most 64 KB", perConn/1e3)
	}

	// ReadHeaderTimeout (5s) closes the silent ones: time itself is under
	// test, bounded by a deadline.
	deadline := time.After(10 * time.Second)
	for closed := 0; closed < silent; closed++ {
		select {
		case err := <-closedBy:
			if err != io.EOF {
				t.Fatalf("a silent connection ended with %v, want io.EOF (closed by the server)", err)
			}
		case <-deadline:
			t.Fatalf("the server closed %d of %d silent connections within 10s, want all (ReadHeaderTimeout is 5s)", closed, silent)
		}
	}
	p.metricReaches(t, "go_goroutines", func(v float64) bool { return v < baseGoroutines+keepAlive+silent/10 })
}

// metricReaches reads name from /metrics until cond holds, and returns the
// value that met it; each read is a request, so the loop waits on the
// server, not on a timer. It fails the test after 10s.
func (p *process) metricReaches(t *testing.T, name string, cond func(float64) bool) float64 {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := p.metric(t, name)
		if cond(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after 10s, still short of the condition", name, v)
		}
	}
}

// A stream of distinct queries that the trigram index cannot narrow (two
// runes: every product is a candidate; some match much, most nothing) on a 100k
// catalog keeps the process's memory within a fixed bound above its warm
// baseline: nothing kept per query outlives its request unbounded.
func TestDistinctBroadQueriesKeepMemoryBounded(t *testing.T) {
	const (
		products = 100_000
		warm     = 2000
		stream   = 4000
		chunk    = 250
		// RSS swings with the collector's timing by a few tens of MB
		// between runs (measured +0 to +27 MB); the leak this guards
		// against grew the heap by 966 MB.
		rssBound  = 64 << 20
		goalBound = 96 << 20
	)
	p := startProcess(t, "PRODUCT_CATALOG_DIR="+writeGenerated(t, products, 1), "ACCESS_LOG=off")
	queries := distinctShortQueries(warm + stream)
	// Memory follows the collector's sawtooth: the heap grows to its goal,
	// is collected, grows again. Each phase's figure is its peak over
	// samples taken every chunk queries, and the warm phase lasts several
	// cycles, so the baseline is the sawtooth's top, not a point on it.
	peak := func(queries []string) (rss, goal float64) {
		for len(queries) > 0 {
			n := min(chunk, len(queries))
			searchAll(t, p.client, p.base, queries[:n])
			queries = queries[n:]
			rss = max(rss, p.metric(t, "process_resident_memory_bytes"))
			goal = max(goal, p.metric(t, "go_memstats_next_gc_bytes"))
		}
		return rss, goal
	}
	baseRSS, baseGoal := peak(queries[:warm])
	rss, goal := peak(queries[warm:])
	// RSS alone would miss memory that is held but never written: a
	// candidate-sized array the Go runtime takes fresh from the kernel stays
	// out of RSS until its pages are reused. The heap goal (twice the heap
	// still live at the last collection, under the default GOGC) counts it.
	for _, m := range []struct {
		name             string
		base, got, bound float64
	}{
		{"process_resident_memory_bytes", baseRSS, rss, rssBound},
		{"go_memstats_next_gc_bytes", baseGoal, goal, goalBound},
	} {
		t.Logf("%d distinct two-rune queries over %d products: peak %s %.1f MB warm, %.1f MB after (%+.1f MB; bound +%.0f MB)",
			stream, products, m.name, m.base/1e6, m.got/1e6, (m.got-m.base)/1e6, m.bound/(1<<20))
		if m.got-m.base > m.bound {
			t.Errorf("peak %s grew by %.1f MB over %d distinct queries, want at most %.0f MB", m.name, (m.got-m.base)/1e6, stream, m.bound/(1<<20))
		}
	}
}

// distinctShortQueries returns n different two-rune queries, percent-
// encoded: one in three is two letters or digits, which match much of a
// catalog (while 36*36 pairs last), the rest are CJK, which match nothing.
func distinctShortQueries(n int) []string {
	const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"
	queries := make([]string, n)
	for i := range queries {
		pair := string([]rune{rune(0x4e00 + i/300), rune(0x4e00 + i%300)})
		if j := i / 3; i%3 == 0 && j < len(alnum)*len(alnum) {
			pair = string([]byte{alnum[j/len(alnum)], alnum[j%len(alnum)]})
		}
		queries[i] = url.QueryEscape(pair)
	}
	return queries
}

// searchAll sends each query once, over four connections.
func searchAll(t *testing.T, client *http.Client, base string, queries []string) {
	t.Helper()
	next := make(chan string)
	errs := make(chan error, 4)
	for c := 0; c < 4; c++ {
		go func() {
			for q := range next {
				resp, err := client.Get(base + "/products?limit=1&q=" + q)
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("GET /products?q=%s: status %d, want 200", q, resp.StatusCode)
					return
				}
			}
			errs <- nil
		}()
	}
	for _, q := range queries {
		select {
		case next <- q:
		case err := <-errs:
			close(next)
			t.Fatal(err)
		}
	}
	close(next)
	for c := 0; c < 4; c++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
