package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/product-catalog/product-catalog/service/catalog/generate"
	"github.com/product-catalog/product-catalog/service/freeport"
	"github.com/product-catalog/product-catalog/service/wiretap"
)

// syncBuffer collects the logs that run writes from several goroutines,
// and tells waiters each time it grows: tests wait for a log line rather
// than for a guessed time.
type syncBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	grown chan struct{} // closed and replaced at each write
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{grown: make(chan struct{})} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	close(b.grown)
	b.grown = make(chan struct{})
	return b.buf.Write(p)
}

// count is how many times s occurs in the logs, and a channel closed at
// the next write.
func (b *syncBuffer) count(s string) (int, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Count(b.buf.String(), s), b.grown
}

// waitFor waits until s occurs at least n times in the logs, failing the
// test if exited closes first or the deadline passes.
func (b *syncBuffer) waitFor(t *testing.T, s string, n int, exited chan error) {
	t.Helper()
	if err := b.waitOrExit(t, s, n, exited); err != nil {
		t.Fatal(err)
	}
}

// waitOrExit waits until s occurs at least n times in the logs, and
// returns nil; or, if the program exits first, an error that wraps how it
// exited and holds its logs, leaving the exit on exited (buffered) for
// whoever waits for it next: the test's cleanup. It fails the test when
// the deadline passes.
func (b *syncBuffer) waitOrExit(t *testing.T, s string, n int, exited chan error) error {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		got, grown := b.count(s)
		if got >= n {
			return nil
		}
		select {
		case <-grown:
		case err := <-exited:
			exited <- err
			if err == nil {
				err = errors.New("no error")
			}
			return fmt.Errorf("exited (%w) before logging %s %d times; logs:\n%s", err, s, n, b)
		case <-deadline:
			t.Fatalf("%s logged %d times in 30s, want %d; logs:\n%s", s, got, n, b)
		}
	}
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one run of the real program, in process.
type server struct {
	base   string
	client *http.Client // records its exchanges for build/contract
	logs   *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs the program with env (plus a free port) and waits until it
// is ready; the server is stopped when the test ends.
func start(t *testing.T, env map[string]string) *server {
	t.Helper()
	var s *server
	freeport.Start(t, func(port int) (exit error) {
		s, exit = startOn(t, port, env)
		return exit
	})
	t.Cleanup(func() { s.stop(t) })
	return s
}

// startOn runs the program on port and returns once it serves, or returns
// how it exited, with its logs, if it exits first.
func startOn(t *testing.T, port int, env map[string]string) (*server, error) {
	t.Helper()
	vars := map[string]string{"PRODUCT_CATALOG_PORT": strconv.Itoa(port)}
	for k, v := range env {
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{base: fmt.Sprintf("http://127.0.0.1:%d", port), client: recordingClient(t, &http.Transport{}, 0),
		logs: newSyncBuffer(), cancel: cancel, done: make(chan error, 1)}
	go func() {
		s.done <- run(ctx, []string{"product-catalog"}, func(k string) string { return vars[k] }, s.logs, io.Discard)
	}()
	// run logs "serving" once it listens, its catalog published.
	if exit := s.logs.waitOrExit(t, `"msg":"serving"`, 1, s.done); exit != nil {
		cancel()
		return s, exit
	}
	return s, nil
}

func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case err, ok := <-s.done:
		if ok && err != nil {
			t.Errorf("run returned %v, want nil after shutdown", err)
		}
		close(s.done)
	case <-time.After(15 * time.Second):
		t.Errorf("run did not return after shutdown")
	}
}

// recordingClient is a client over a copy of transport whose exchanges
// are recorded for build/contract's validator.
func recordingClient(t *testing.T, transport *http.Transport, timeout time.Duration) *http.Client {
	t.Helper()
	tap, err := wiretap.Open(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tap.Close() })
	return tap.Client(transport, timeout)
}

func getJSON(t *testing.T, client *http.Client, url string, v any) int {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
	return resp.StatusCode
}

type productList struct {
	Products []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"products"`
	Total int `json:"total"`
}

func TestRunServesTheRepositoryCatalog(t *testing.T) {
	s := start(t, nil)
	var list productList
	if code := getJSON(t, s.client, s.base+"/products", &list); code != 200 || list.Total < 12 || len(list.Products) != list.Total {
		t.Fatalf("GET /products = %d with %d of %d products, want 200 and the whole repository catalog", code, len(list.Products), list.Total)
	}
	var product struct{ ID string }
	if code := getJSON(t, s.client, s.base+"/products/"+list.Products[0].ID, &product); code != 200 || product.ID != list.Products[0].ID {
		t.Errorf("GET /products/%s = %d %+v", list.Products[0].ID, code, product)
	}
	if !strings.Contains(s.logs.String(), `"source":"directory products"`) {
		t.Errorf("logs do not say the catalog came from the products directory:\n%s", s.logs)
	}
}

// Outside the repository, with no PRODUCT_CATALOG_DIR, the binary serves
// the catalog embedded in it.
func TestRunFallsBackToTheEmbeddedCatalog(t *testing.T) {
	repo, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = os.Chdir(repo) }()
	s := start(t, nil)
	var list productList
	getJSON(t, s.client, s.base+"/products", &list)
	entries, _ := filepath.Glob(filepath.Join(repo, "products", "*.json"))
	if list.Total < 12 || len(entries) < 2 {
		t.Errorf("embedded catalog has %d products from %d files, want the repository's", list.Total, len(entries))
	}
	if !strings.Contains(s.logs.String(), `"source":"embedded"`) {
		t.Errorf("logs do not name the embedded source:\n%s", s.logs)
	}
}

func TestRunRefusesToStart(t *testing.T) {
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "bad.json"), []byte(`{"products": [{"id": "X"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", ":0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"bad configuration", map[string]string{"PRODUCT_CATALOG_PORT": "none", "LOG_LEVEL": "loud"},
			[]string{`PRODUCT_CATALOG_PORT="none"`, `LOG_LEVEL="loud"`}},
		{"missing catalog directory", map[string]string{"PRODUCT_CATALOG_DIR": "/does/not/exist"},
			[]string{`PRODUCT_CATALOG_DIR="/does/not/exist"`, "no such file or directory"}},
		{"broken catalog", map[string]string{"PRODUCT_CATALOG_DIR": broken},
			[]string{filepath.Join(broken, "bad.json") + `: products[0] (id "X"): name: is required`, "PRODUCT_CATALOG_DIR"}},
		{"port in use", map[string]string{"PRODUCT_CATALOG_PORT": busyPort},
			[]string{"listen on port " + busyPort + " (PRODUCT_CATALOG_PORT)", "address already in use"}},
		{"unknown command", map[string]string{"ARGS": "serve-please"}, []string{`unknown command "serve-please"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"product-catalog"}
			if a := tt.env["ARGS"]; a != "" {
				args = append(args, a)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := run(ctx, args, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil {
				t.Fatalf("run(%v) = nil, want an error", tt.env)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run(%v) error = %q, want it to contain %q", tt.env, err, want)
				}
			}
		})
	}
}

func TestSubcommands(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"product-catalog", "version"}, os.Getenv, &out, io.Discard); err != nil || !strings.HasPrefix(out.String(), "product-catalog dev go") {
		t.Errorf("version = %q, %v; want the version line", out.String(), err)
	}
	s := start(t, nil)
	port := strings.TrimPrefix(s.base, "http://127.0.0.1:")
	env := func(k string) string {
		if k == "PRODUCT_CATALOG_PORT" {
			return port
		}
		return ""
	}
	if err := run(context.Background(), []string{"product-catalog", "healthcheck"}, env, io.Discard, io.Discard); err != nil {
		t.Errorf("healthcheck against a ready server = %v, want nil", err)
	}
	closed := strconv.Itoa(freeport.Pick(t))
	err := run(context.Background(), []string{"product-catalog", "healthcheck"}, func(k string) string {
		if k == "PRODUCT_CATALOG_PORT" {
			return closed
		}
		return ""
	}, io.Discard, io.Discard)
	if err == nil {
		t.Errorf("healthcheck with no server = nil, want an error")
	}
}

// writeGenerated writes a generated catalog of n products of about size
// bytes each into a new directory. The padding goes into picture, which is
// not indexed for search, so loading stays quick.
func writeGenerated(t *testing.T, n, size int) string {
	t.Helper()
	products := generate.Products(n, 1)
	for i := range products {
		products[i].Picture = "https://images.example/" + strings.Repeat("x", size) + ".jpg"
	}
	dir := t.TempDir()
	data, err := json.Marshal(map[string]any{"products": products})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "generated.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A request in flight when shutdown begins completes, and run returns nil.
func TestRunShutsDownGracefully(t *testing.T) {
	// A response of about 16 MB, far more than the socket buffers hold, to
	// a client that does not read yet: the request is in flight when
	// shutdown begins.
	s := start(t, map[string]string{"PRODUCT_CATALOG_DIR": writeGenerated(t, 1000, 16<<10), "SHUTDOWN_TIMEOUT": "10s"})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /products?limit=1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	// The response's head has arrived: the request is being served, and
	// its 16 MB body cannot finish while this test does not read it.
	response := bufio.NewReader(conn)
	resp, err := http.ReadResponse(response, nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	s.cancel()
	s.logs.waitFor(t, `"msg":"shutting down"`, 1, s.done)
	select {
	case err := <-s.done:
		t.Fatalf("run returned (%v) with a request in flight", err)
	default:
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 || len(body) < 8<<20 || !bytes.HasSuffix(body, []byte(`],"total":1000}`+"\n")) {
		t.Fatalf("in-flight request = %d, %d bytes (%v), want 200 and the complete list", resp.StatusCode, len(body), err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("run = %v after shutdown, want nil", err)
		}
		s.done <- nil
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return")
	}
	logs := s.logs.String()
	if i, j := strings.Index(logs, `"msg":"shutting down"`), strings.Index(logs, `"msg":"stopped"`); i < 0 || j < i {
		t.Errorf("logs lack shutting down then stopped:\n%s", logs)
	}
}

// replaceFile writes data to path in one step, renaming a temporary file
// over it.
func replaceFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp" // not *.json: the reloader ignores it
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// catalogFile renders one catalog file whose products all carry gen in
// their name, so a response shows which version of the file it came from.
func catalogFile(prefix string, gen int) []byte {
	var products []string
	for i := 0; i < 20; i++ {
		products = append(products, fmt.Sprintf(`{"id": "%s-%02d", "name": "%s item gen=%d", "description": "d", "picture": "p", "priceUsd": {"currencyCode": "USD", "units": %d, "nanos": 0}, "categories": ["c"]}`, prefix, i, prefix, gen, gen))
	}
	return []byte(`{"products": [` + strings.Join(products, ",\n") + `]}`)
}

// Editing catalog files while requests are served: no request fails, each
// response holds one version of each file, versions never go backwards,
// and broken edits are counted and never served.
func TestReloadWhileServing(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"A": filepath.Join(dir, "a.json"), "B": filepath.Join(dir, "b.json")}
	for prefix, path := range files {
		if err := os.WriteFile(path, catalogFile(prefix, 0), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := start(t, map[string]string{"PRODUCT_CATALOG_DIR": dir, "PRODUCT_CATALOG_RELOAD_INTERVAL": "100ms"})

	stop := make(chan struct{})
	var clients sync.WaitGroup
	var requests sync.Map // client -> count
	for c := 0; c < 8; c++ {
		clients.Add(1)
		go func(c int) {
			defer clients.Done()
			last := map[string]int{}
			n := 0
			defer func() { requests.Store(c, n) }()
			for {
				select {
				case <-stop:
					return
				default:
				}
				var list productList
				resp, err := s.client.Get(s.base + "/products")
				if err != nil {
					t.Errorf("client %d: %v", c, err)
					return
				}
				err = json.NewDecoder(resp.Body).Decode(&list)
				resp.Body.Close()
				if err != nil || resp.StatusCode != 200 || list.Total != 40 {
					t.Errorf("client %d: status %d, total %d, %v; want 200 with 40 products", c, resp.StatusCode, list.Total, err)
					return
				}
				n++
				gens := map[string]int{}
				for _, p := range list.Products {
					prefix, _, _ := strings.Cut(p.ID, "-")
					_, genText, _ := strings.Cut(p.Name, "gen=")
					gen, _ := strconv.Atoi(genText)
					if g, seen := gens[prefix]; seen && g != gen {
						t.Errorf("client %d: one response mixes versions %d and %d of file %s", c, g, gen, prefix)
						return
					}
					gens[prefix] = gen
				}
				for prefix, gen := range gens {
					if gen < last[prefix] {
						t.Errorf("client %d: file %s went back from version %d to %d", c, prefix, last[prefix], gen)
						return
					}
					last[prefix] = gen
				}
			}
		}(c)
	}

	// Each edit replaces a file whole (by rename) and waits for the reload
	// it causes to be logged: no poll can see a file half-written, and none
	// is guessed at.
	const versions = 6
	reloads, failures := 0, 0
	for gen := 1; gen <= versions; gen++ {
		for _, prefix := range []string{"A", "B"} {
			data := catalogFile(prefix, gen)
			if gen%2 == 0 {
				// A broken edit, refused, then a good one.
				replaceFile(t, files[prefix], data[:len(data)/2])
				failures++
				s.logs.waitFor(t, `"msg":"catalog reload failed`, failures, s.done)
			}
			replaceFile(t, files[prefix], data)
			reloads++
			s.logs.waitFor(t, `"msg":"catalog reloaded"`, reloads, s.done)
		}
	}
	var last productList
	getJSON(t, s.client, s.base+"/products?q=gen="+strconv.Itoa(versions), &last)
	if last.Total != 40 {
		t.Errorf("after the last reload %d products are of the last version, want all 40", last.Total)
	}
	close(stop)
	clients.Wait()
	requests.Range(func(c, n any) bool {
		if n.(int) == 0 {
			t.Errorf("client %v made no request", c)
		}
		return true
	})

	resp, err := s.client.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	value := func(name string) float64 {
		for _, line := range strings.Split(string(metrics), "\n") {
			if strings.HasPrefix(line, name+" ") {
				v, _ := strconv.ParseFloat(strings.TrimPrefix(line, name+" "), 64)
				return v
			}
		}
		return -1
	}
	for _, name := range []string{"product_catalog_catalog_reloads_total", "product_catalog_catalog_reload_failures_total"} {
		if v := value(name); v < 1 {
			t.Errorf("%s = %v, want at least 1", name, v)
		}
	}
	if v := value("product_catalog_products"); v != 40 {
		t.Errorf("product_catalog_products = %v, want 40", v)
	}
	if !strings.Contains(s.logs.String(), "catalog reload failed; still serving the last good catalog") ||
		!strings.Contains(s.logs.String(), `a.json:`) {
		t.Errorf("logs do not report the failed reload naming the file")
	}
}

// The server's limits hold against abusive clients: oversized headers get
// 431, and a client trickling its headers is cut off by ReadHeaderTimeout.
func TestServerLimits(t *testing.T) {
	s := start(t, nil)
	addr := strings.TrimPrefix(s.base, "http://")

	t.Run("huge headers", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.base+"/products", nil)
		req.Header.Set("X-Padding", strings.Repeat("x", 100<<10))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Errorf("GET with 100 KiB of headers = %d, want 431", resp.StatusCode)
		}
	})

	t.Run("slow headers", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		closed := make(chan time.Duration, 1)
		started := time.Now()
		go func() {
			_, _ = io.ReadAll(conn) // returns when the server closes the connection
			closed <- time.Since(started)
		}()
		request := "GET /products HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("y", 100) + "\r\n\r\n"
		// checkClosedInTime holds the close to the header timeout, whether
		// the client sees it on its read or on its next write.
		checkClosedInTime := func(elapsed time.Duration) {
			if elapsed < 4*time.Second || elapsed > 8*time.Second {
				t.Errorf("connection closed after %v, want about the 5s ReadHeaderTimeout", elapsed)
			}
		}
		for i := 0; i < len(request); i++ {
			select {
			case elapsed := <-closed:
				checkClosedInTime(elapsed)
				return
			default:
			}
			if _, err := conn.Write([]byte{request[i]}); err != nil {
				// Closed by the server between two bytes: the reader
				// sees it too, and says when.
				checkClosedInTime(<-closed)
				return
			}
			// Time itself is under test: a client trickling its headers.
			// The loop is bounded by the request's length (15 s at most).
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("the server accepted headers trickled over %v", time.Since(started))
	})
}
