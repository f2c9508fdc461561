package contract

import (
	"bufio"
	"context"
	"fmt"
	"io"
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

	"github.com/product-catalog/product-catalog/service/freeport"
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
		{"unclean path with a query the clean path would refuse, refused", Exchange{Method: "GET", Target: "/./products?q=%ZZ", Status: 400, ResponseHeader: header("X-Request-ID", "1"), Body: envelope("invalid_argument")}, ""},
		{"unclean path with a query the clean path would refuse, redirected", Exchange{Method: "GET", Target: "/./products?q=%ZZ", Status: 301, ResponseHeader: header("X-Request-ID", "1", "Location", "/products?q=%ZZ"), Body: envelope("moved_permanently")}, "want 400"},
		{"unclean path with a # in its query, redirected", Exchange{Method: "GET", Target: "/./products?#x", Status: 301, ResponseHeader: header("X-Request-ID", "1", "Location", "/products?%23x"), Body: envelope("moved_permanently")}, ""},
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
	port := freeport.Start(t, func(port int) error {
		if output, served := serveOn(t, bin, root, port); !served {
			return fmt.Errorf("the service exited before serving:\n%s", output)
		}
		return nil
	})
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// serveOn runs the service on port until the test ends, and reports
// whether it serves; if it exits first, it returns what it printed.
func serveOn(t *testing.T, bin, root string, port int) (output string, served bool) {
	t.Helper()
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
	type result struct {
		output string
		served bool
	}
	serving := make(chan result, 1)
	go func() {
		var printed strings.Builder
		scanner := bufio.NewScanner(stdout)
		for scanner.Scan() {
			printed.WriteString(scanner.Text() + "\n")
			if strings.Contains(scanner.Text(), `"msg":"serving"`) {
				serving <- result{served: true}
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
		}
		serving <- result{output: printed.String()}
	}()
	select {
	case r := <-serving:
		return r.output, r.served
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not log serving within 30s")
		return "", false
	}
}
