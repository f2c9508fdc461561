package contract

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

const document = "../../service/httpapi/openapi.json"

func load(t *testing.T) *Contract {
	t.Helper()
	c, err := Load(context.Background(), document)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

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

// The validator's verdicts themselves, on exchanges written here: a
// check that passed everything would pass the test above too.
func TestCheckRefusesWhatTheDocumentDoesNotSay(t *testing.T) {
	c := load(t)
	envelope := func(code string) []byte { return []byte(`{"error":{"code":"` + code + `","message":"m"}}`) }
	header := func(kv ...string) http.Header {
		h := http.Header{"Content-Type": {"application/json"}}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	ok := header("X-Request-ID", "1", "ETag", `"e"`, "Vary", "Accept-Encoding", "Cache-Control", "no-cache")
	product := []byte(`{"id":"A1","name":"n","description":"d","picture":"p.jpg","priceUsd":{"currencyCode":"USD","units":1,"nanos":0},"categories":["c"]}`)
	tests := []struct {
		name string
		x    Exchange
		want string // in the error; "" for none
	}{
		{"conforms", Exchange{Method: "GET", Target: "/products/A1", Status: 200, ResponseHeader: ok, Body: product}, ""},
		{"body off schema", Exchange{Method: "GET", Target: "/products/A1", Status: 200, ResponseHeader: ok, Body: []byte(`{"id":1}`)}, "response"},
		{"required header missing", Exchange{Method: "GET", Target: "/products/A1", Status: 200, ResponseHeader: header("X-Request-ID", "1"), Body: product}, "response"},
		{"undocumented header", Exchange{Method: "GET", Target: "/products/A1", Status: 200, ResponseHeader: header("X-Request-ID", "1", "ETag", `"e"`, "Vary", "Accept-Encoding", "Cache-Control", "no-cache", "X-Powered-By", "x"), Body: product}, "not documented"},
		{"undocumented status", Exchange{Method: "GET", Target: "/products/A1", Status: 418, ResponseHeader: ok, Body: product}, "response"},
		{"invalid request answered 200", Exchange{Method: "GET", Target: "/products?limit=0", Status: 200, ResponseHeader: ok, Body: []byte(`{"products":[],"total":0}`)}, "invalid"},
		{"query rule broken answered 200", Exchange{Method: "GET", Target: "/products?limit=1;offset=2", Status: 200, ResponseHeader: ok, Body: []byte(`{"products":[],"total":0}`)}, "invalid"},
		{"valid request refused", Exchange{Method: "GET", Target: "/products?limit=5&_=1", Status: 400, ResponseHeader: header("X-Request-ID", "1"), Body: envelope("invalid_argument")}, "valid"},
		{"gzip that is not", Exchange{Method: "GET", Target: "/products/A1", Status: 200, ResponseHeader: header("Content-Encoding", "gzip"), Body: product}, "gzip"},
		{"unknown path not 404", Exchange{Method: "GET", Target: "/nope", Status: 200, ResponseHeader: ok, Body: product}, "not in the document"},
		{"405 without Allow", Exchange{Method: "DELETE", Target: "/products", Status: 405, ResponseHeader: header("X-Request-ID", "1"), Body: envelope("method_not_allowed")}, "Allow"},
		{"redirect without envelope", Exchange{Method: "GET", Target: "//products", Status: 301, ResponseHeader: header("X-Request-ID", "1", "Location", "/products"), Body: nil}, "JSON"},
		{"redirect of POST as 301", Exchange{Method: "POST", Target: "/./products", Status: 301, ResponseHeader: header("X-Request-ID", "1", "Location", "/products"), Body: envelope("moved_permanently")}, "want 308"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.x.RequestHeader == nil {
				tt.x.RequestHeader = http.Header{}
			}
			_, err := c.Check(context.Background(), tt.x)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want it to conform", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// Requests that the document calls invalid, derived from it (each query
// parameter's type and bounds, and the query rules every endpoint has),
// are refused by the real binary, in the documented shape.
func TestInvalidRequestsAreRefused(t *testing.T) {
	c := load(t)
	base := startBinary(t)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	sent := 0
	for op := range c.Documented() {
		if op.Method != http.MethodGet && op.Method != http.MethodHead {
			continue
		}
		operation := c.doc.Paths.Find(op.Path).GetOperation(op.Method)
		target := examplePath(op.Path, operation)
		for _, query := range invalidQueries(operation) {
			x := exchange(t, client, op.Method, base, target+"?"+query)
			v, err := c.Check(context.Background(), x)
			if err != nil {
				t.Errorf("%s %s?%s -> %d: %v", op.Method, target, query, x.Status, err)
				continue
			}
			if v.RequestInvalid == "" {
				t.Errorf("%s %s?%s: the validator calls it valid; the generator made a valid request", op.Method, target, query)
			}
			if x.Status != http.StatusBadRequest {
				t.Errorf("%s %s?%s -> %d, want 400", op.Method, target, query, x.Status)
			}
			sent++
		}
	}
	if sent < 20 {
		t.Errorf("sent %d invalid requests, want at least 20 from the document", sent)
	}
	t.Logf("%d invalid requests refused", sent)
}

// examplePath fills path parameters with their documented examples.
func examplePath(template string, op *openapi3.Operation) string {
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInPath {
			template = strings.ReplaceAll(template, "{"+p.Value.Name+"}", url.PathEscape(fmt.Sprint(p.Value.Example)))
		}
	}
	return template
}

// invalidQueries are query strings the document rules out for op: for
// each query parameter, one value per constraint of its schema, and for
// every operation the rules of info.description.
func invalidQueries(op *openapi3.Operation) []string {
	queries := []string{"%ZZ=1", "a=1;b=2", "undocumented=1"}
	for _, p := range op.Parameters {
		if p.Value.In != openapi3.ParameterInQuery || p.Value.Schema == nil {
			continue
		}
		name, s := p.Value.Name, p.Value.Schema.Value
		queries = append(queries, name+"=1&"+name+"=1", name+"=%ZZ")
		if s.Type.Is(openapi3.TypeInteger) {
			queries = append(queries, name+"=x", name+"=1.5")
			if s.Min != nil {
				queries = append(queries, name+"="+strconv.FormatFloat(*s.Min-1, 'f', -1, 64))
			}
			if s.Max != nil {
				queries = append(queries, name+"="+strconv.FormatFloat(*s.Max+1, 'f', -1, 64))
			}
		}
		if s.MaxLength != nil {
			queries = append(queries, name+"="+strings.Repeat("a", int(*s.MaxLength)+1))
		}
	}
	slices.Sort(queries)
	return queries
}

func exchange(t *testing.T, client *http.Client, method, base, target string) Exchange {
	t.Helper()
	req, err := http.NewRequest(method, base+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Exchange{Source: t.Name(), Method: method, Target: target, RequestHeader: req.Header,
		Status: resp.StatusCode, ResponseHeader: resp.Header, Body: body}
}

// startBinary builds the service from the repository and runs it on a
// free port with the repository's catalog, until the test ends.
func startBinary(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "product-catalog")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = root
	build.Env = append(os.Environ(), "GOWORK=off", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cmd := exec.Command(bin)
	cmd.Env = []string{"PRODUCT_CATALOG_PORT=" + strconv.Itoa(port), "PRODUCT_CATALOG_DIR=" + filepath.Join(root, "products")}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// The service logs "serving" once it listens with its catalog
	// published; wait for that line, not for a guessed time.
	serving := make(chan bool, 1)
	go func() {
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			if strings.Contains(scanner.Text(), `"msg":"serving"`) {
				serving <- true
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		serving <- false
	}()
	select {
	case ok := <-serving:
		if !ok {
			t.Fatal("the service exited before serving")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not log serving within 30s")
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// bounded keeps a failure readable when a test sent a 64 KB target.
func bounded(s string) string {
	if len(s) <= 120 {
		return s
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:120], len(s))
}
