package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/product-catalog/product-catalog/service/freeport"
)

// Every variable is validated before the server listens, and every
// problem is reported at once, naming its variable (README,
// Configuration): one bad variable of each group, the service's own,
// OpenTelemetry's and flagd's, all reported in one error. The port is
// held by this test: had run tried to listen before validating, its
// error would say "address already in use"; and nothing is logged, so
// nothing started.
func TestRunReportsEveryBadVariableAtOnce(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := strconv.Itoa(busy.Addr().(*net.TCPAddr).Port)
	for _, tt := range []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"port, exporter, flagd port", map[string]string{
			"PRODUCT_CATALOG_PORT": "0", "OTEL_TRACES_EXPORTER": "zipkin", "FLAGD_PORT": "x",
		}, []string{`PRODUCT_CATALOG_PORT="0"`, `OTEL_TRACES_EXPORTER="zipkin"`, `FLAGD_PORT="x"`}},
		{"on a busy port, with a catalog directory that is not there", map[string]string{
			"PRODUCT_CATALOG_PORT": busyPort, "LOG_LEVEL": "loud", "PRODUCT_CATALOG_DIR": "/does/not/exist",
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "udp",
			"FLAGD_HOST": "127.0.0.1", "FLAGD_PORT": "65536",
		}, []string{`LOG_LEVEL="loud"`, `PRODUCT_CATALOG_DIR="/does/not/exist"`, `OTEL_EXPORTER_OTLP_PROTOCOL="udp"`, `FLAGD_PORT="65536"`}},
		{"telemetry's file", map[string]string{
			"SHUTDOWN_TIMEOUT": "0", "OTEL_CONFIG_FILE": "/does/not/exist.yml", "FLAGD_PORT": "-1",
		}, []string{`SHUTDOWN_TIMEOUT="0"`, "OTEL_CONFIG_FILE=/does/not/exist.yml", `FLAGD_PORT="-1"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			logs := newSyncBuffer()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, []string{"product-catalog"}, func(k string) string { return tt.env[k] }, logs, io.Discard)
			if err == nil {
				t.Fatalf("run(%v) = nil, want an error", tt.env)
			}
			for _, want := range tt.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run(%v) error does not name %s; error:\n%v", tt.env, want, err)
				}
			}
			if got, want := strings.Count(err.Error(), "\n")+1, len(tt.want); got != want {
				t.Errorf("run(%v) reports %d problems, want %d; error:\n%v", tt.env, got, want, err)
			}
			if strings.Contains(err.Error(), "listen") || strings.Contains(err.Error(), "address already in use") {
				t.Errorf("run(%v) tried to listen before reporting bad variables: %v", tt.env, err)
			}
			if logs.String() != "" {
				t.Errorf("run(%v) logged, so started something:\n%s", tt.env, logs)
			}
		})
	}
}

// writeCatalog writes files (name: content) into a new directory.
func writeCatalog(t *testing.T, files map[string][]byte) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// get does a GET with headers and returns the response, its body read.
func get(t *testing.T, client *http.Client, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// firstName is the name of the first product /products lists.
func firstName(t *testing.T, s *server) string {
	t.Helper()
	var list productList
	if code := getJSON(t, s.client, s.base+"/products", &list); code != 200 || len(list.Products) == 0 {
		t.Fatalf("GET /products = %d with %d products", code, len(list.Products))
	}
	return list.Products[0].Name
}

// Each of the README's catalog and HTTP variables, set on the real
// program, does what the README says it does: the limits refuse a
// catalog at start, naming the file or the limit; the cache age and the
// CORS origins show in the headers; a reload interval of 0 leaves a
// changed file unread while a short one reads it.
func TestEnvironmentVariables(t *testing.T) {
	twoFiles := writeCatalog(t, map[string][]byte{"a.json": catalogFile("A", 0), "b.json": catalogFile("B", 0)})
	fileSize := len(catalogFile("A", 0)) // about 3.5 KB, each file alike
	reloaded := writeCatalog(t, map[string][]byte{"a.json": catalogFile("A", 0)})
	for _, tt := range []struct {
		name    string
		env     map[string]string
		refused []string // parts of run's error, when it must refuse to start
		check   func(t *testing.T, s *server)
	}{
		{
			name:    "PRODUCT_CATALOG_MAX_FILE_BYTES refuses a larger file",
			env:     map[string]string{"PRODUCT_CATALOG_DIR": twoFiles, "PRODUCT_CATALOG_MAX_FILE_BYTES": "1KiB"},
			refused: []string{filepath.Join(twoFiles, "a.json") + ": " + strconv.Itoa(fileSize) + " bytes, larger than the limit of 1024 bytes per file", "PRODUCT_CATALOG_DIR"},
		},
		{
			name:    "PRODUCT_CATALOG_MAX_BYTES refuses the whole catalog",
			env:     map[string]string{"PRODUCT_CATALOG_DIR": twoFiles, "PRODUCT_CATALOG_MAX_BYTES": "5KiB"},
			refused: []string{"hold more than the limit of 5120 bytes in all (passed at " + filepath.Join(twoFiles, "b.json") + ")"},
		},
		{
			name: "limits that the catalog fits start",
			env:  map[string]string{"PRODUCT_CATALOG_DIR": twoFiles, "PRODUCT_CATALOG_MAX_FILE_BYTES": "4KiB", "PRODUCT_CATALOG_MAX_BYTES": "8KiB"},
			check: func(t *testing.T, s *server) {
				var list productList
				if code := getJSON(t, s.client, s.base+"/products", &list); code != 200 || list.Total != 40 {
					t.Errorf("GET /products = %d with %d products, want 200 and both files' 40", code, list.Total)
				}
			},
		},
		{
			name:  "PRODUCT_CATALOG_CACHE_MAX_AGE unset: no-cache",
			env:   map[string]string{"PRODUCT_CATALOG_DIR": twoFiles},
			check: cacheControlIs("no-cache"),
		},
		{
			name:  "PRODUCT_CATALOG_CACHE_MAX_AGE=90s",
			env:   map[string]string{"PRODUCT_CATALOG_DIR": twoFiles, "PRODUCT_CATALOG_CACHE_MAX_AGE": "90s"},
			check: cacheControlIs("public, max-age=90"),
		},
		{
			name: "PRODUCT_CATALOG_CORS_ORIGINS",
			env:  map[string]string{"PRODUCT_CATALOG_DIR": twoFiles, "PRODUCT_CATALOG_CORS_ORIGINS": "https://shop.example, http://localhost:8080"},
			check: func(t *testing.T, s *server) {
				for _, tt := range []struct {
					origin  string
					allowed bool
				}{
					{"https://shop.example", true},
					{"http://localhost:8080", true},
					{"https://evil.example", false},
					{"https://shop.example:8443", false},
				} {
					resp := get(t, s.client, s.base+"/products", map[string]string{"Origin": tt.origin})
					allow, expose := resp.Header.Get("Access-Control-Allow-Origin"), strings.ToLower(resp.Header.Get("Access-Control-Expose-Headers"))
					if !tt.allowed {
						if allow != "" || expose != "" {
							t.Errorf("Origin %s: Access-Control-Allow-Origin %q, -Expose-Headers %q; want neither", tt.origin, allow, expose)
						}
						continue
					}
					if allow != tt.origin {
						t.Errorf("Origin %s: Access-Control-Allow-Origin = %q, want the origin", tt.origin, allow)
					}
					for _, header := range []string{"etag", "x-request-id"} {
						if !strings.Contains(expose, header) {
							t.Errorf("Origin %s: Access-Control-Expose-Headers = %q, want it to name %s", tt.origin, expose, header)
						}
					}
					if got := resp.Header.Get("Access-Control-Allow-Credentials"); got != "" {
						t.Errorf("Origin %s: Access-Control-Allow-Credentials = %q, want none", tt.origin, got)
					}
				}
			},
		},
		{
			name: "PRODUCT_CATALOG_CORS_ORIGINS unset: CORS off",
			env:  map[string]string{"PRODUCT_CATALOG_DIR": twoFiles},
			check: func(t *testing.T, s *server) {
				if got := get(t, s.client, s.base+"/products", map[string]string{"Origin": "https://shop.example"}).Header.Get("Access-Control-Allow-Origin"); got != "" {
					t.Errorf("Access-Control-Allow-Origin = %q, want none", got)
				}
			},
		},
		{
			// A second server on the same directory polls every 100ms: once
			// it has logged the reload of the edit (an event, no guessed
			// wait), this one, with reloading off, has had the same chance
			// and must still serve the file as it was.
			name: "PRODUCT_CATALOG_RELOAD_INTERVAL=0 reads no edit",
			env:  map[string]string{"PRODUCT_CATALOG_DIR": reloaded, "PRODUCT_CATALOG_RELOAD_INTERVAL": "0"},
			check: func(t *testing.T, s *server) {
				witness := start(t, map[string]string{"PRODUCT_CATALOG_DIR": reloaded, "PRODUCT_CATALOG_RELOAD_INTERVAL": "100ms"})
				before := firstName(t, s)
				replaceFile(t, filepath.Join(reloaded, "a.json"), catalogFile("A", 1))
				witness.logs.waitFor(t, `"msg":"catalog reloaded"`, 1, witness.done)
				if got, want := firstName(t, witness), "A item gen=1"; got != want {
					t.Errorf("RELOAD_INTERVAL=100ms: after the reload the first product is %q, want %q", got, want)
				}
				if got := firstName(t, s); got != before {
					t.Errorf("RELOAD_INTERVAL=0: the first product changed from %q to %q, want the edit unread", before, got)
				}
				if n, _ := s.logs.count("catalog reload"); n != 0 {
					t.Errorf("RELOAD_INTERVAL=0: %d reload lines logged, want none:\n%s", n, s.logs)
				}
				// Off, not the 10s default, which this test is too short
				// to tell apart by waiting.
				for _, tt := range []struct {
					s    *server
					want string
				}{{s, `"reload":"off"`}, {witness, `"reload":"100ms"`}} {
					if n, _ := tt.s.logs.count(tt.want); n != 1 {
						t.Errorf("the serving line holds %s %d times, want once:\n%s", tt.want, n, tt.s.logs)
					}
				}
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.refused == nil {
				tt.check(t, start(t, tt.env))
				return
			}
			env := map[string]string{"PRODUCT_CATALOG_PORT": strconv.Itoa(freeport.Pick(t))}
			for k, v := range tt.env {
				env[k] = v
			}
			logs := newSyncBuffer()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := run(ctx, []string{"product-catalog"}, func(k string) string { return env[k] }, logs, io.Discard)
			if err == nil {
				t.Fatalf("run(%v) = nil, want the catalog refused", tt.env)
			}
			for _, want := range tt.refused {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("run(%v) error = %q, want it to hold %q", tt.env, err, want)
				}
			}
			if n, _ := logs.count(`"msg":"serving"`); n != 0 {
				t.Errorf("run(%v) served before refusing the catalog", tt.env)
			}
		})
	}
}

// An in-flight request that outlasts SHUTDOWN_TIMEOUT is cut off: run
// returns about the timeout after shutdown began, with an error naming
// SHUTDOWN_TIMEOUT (main prints it and exits 1), the client gets a
// truncated answer, and "stopped", the line of a clean exit, is not logged.
func TestRunCutsRequestsAtShutdownTimeout(t *testing.T) {
	const timeout = 1500 * time.Millisecond
	// As in TestRunShutsDownGracefully: about 16 MB to a client that does
	// not read cannot finish, here not within the timeout.
	s := start(t, map[string]string{"PRODUCT_CATALOG_DIR": writeGenerated(t, 1000, 16<<10), "SHUTDOWN_TIMEOUT": timeout.String()})
	// A small receive buffer, set before connecting so that the window
	// is small too: the answer cannot fit in the sockets' buffers
	// however large the host's defaults are.
	dialer := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var sockErr error
		if err := c.Control(func(fd uintptr) {
			sockErr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		}); err != nil {
			return err
		}
		return sockErr
	}}
	conn, err := dialer.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "GET /products?limit=1000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	began := time.Now()
	s.cancel()
	var runErr error
	select {
	case runErr = <-s.done:
		s.done <- nil // stop, at cleanup, finds run returned
	case <-time.After(timeout + 10*time.Second):
		t.Fatalf("run did not return %v after SHUTDOWN_TIMEOUT=%v", timeout+10*time.Second, timeout)
	}
	// The timeout is counted from "shutting down", after the signal: run
	// cannot return sooner. The bound above is only for a stuck run.
	if elapsed := time.Since(began); elapsed < timeout {
		t.Errorf("run returned %v after shutdown began, before SHUTDOWN_TIMEOUT=%v", elapsed, timeout)
	}
	if want := "shut down within 1.5s (SHUTDOWN_TIMEOUT): context deadline exceeded"; runErr == nil || runErr.Error() != want {
		t.Errorf("run = %v, want %q", runErr, want)
	}
	body, err := io.ReadAll(resp.Body)
	if err == nil && bytes.HasSuffix(body, []byte(`],"total":1000}`+"\n")) {
		t.Errorf("the in-flight request got its whole answer (%d bytes), want it cut off", len(body))
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"msg":"shutting down"`) || strings.Contains(logs, `"msg":"stopped"`) {
		t.Errorf("logs should say shutting down and not stopped:\n%s", logs)
	}
}

// cacheControlIs checks that every catalog route answers with the
// Cache-Control header want.
func cacheControlIs(want string) func(*testing.T, *server) {
	return func(t *testing.T, s *server) {
		for _, path := range []string{"/products", "/products/A-00", "/categories"} {
			if got := get(t, s.client, s.base+path, nil).Header.Get("Cache-Control"); got != want {
				t.Errorf("GET %s: Cache-Control = %q, want %q", path, got, want)
			}
		}
	}
}
