package httpapi

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/mux"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/requestid"
	"github.com/product-catalog/product-catalog/service/wiretap"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func testCatalog(t testing.TB) *catalog.Catalog {
	t.Helper()
	c, err := catalog.Load(os.DirFS("testdata/catalog"), "testdata/catalog", catalog.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// newTestServer serves c (nothing when c is nil: before the first Publish).
func newTestServer(t testing.TB, c *catalog.Catalog) (*Server, *observer.ObservedLogs, *Readiness) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	readiness := &Readiness{}
	logger := zap.New(core)
	s := NewServer(logger, logger, metrics.New("test"), readiness, Options{})
	if c != nil {
		if err := s.Publish(c); err != nil {
			t.Fatal(err)
		}
	}
	return s, logs, readiness
}

// do serves one request, and records the exchange for build/contract's
// validator when CONTRACT_EXCHANGES_DIR is set.
func do(t testing.TB, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	tap, err := wiretap.Open(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	defer tap.Close()
	if err := tap.Record(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestEndpoints(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	tests := []struct {
		name, target string
		wantStatus   int
	}{
		{"list", "/products", 200},
		{"search", "/products?q=KETTLE", 200},
		{"search unicode", "/products?q=caf%C3%89", 200},
		{"category", "/products?category=Cups", 200},
		{"page", "/products?limit=1&offset=1", 200},
		{"page past the end", "/products?offset=50", 200},
		{"get", "/products/B2", 200},
		{"categories", "/categories", 200},
		{"unknown id", "/products/NOPE", 404},
		{"unknown route", "/nope", 404},
		{"bad limit", "/products?limit=0", 400},
		{"limit too large", "/products?limit=1001", 400},
		{"bad offset", "/products?offset=-1", 400},
		{"long query", "/products?q=" + strings.Repeat("x", 257), 400},
		{"control character", "/products?q=a%00b", 400},
		{"invalid utf-8", "/products?q=%ff", 400},
		{"repeated parameter", "/products?q=a&q=b", 400},
		{"unknown parameter", "/products?sort=price", 400},
		{"healthz", "/healthz", 200},
		{"readyz", "/readyz", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, h, http.MethodGet, tt.target, nil)
			if rec.Code != tt.wantStatus {
				t.Errorf("GET %s status = %d, want %d; body %s", tt.target, rec.Code, tt.wantStatus, rec.Body)
			}
			if got := rec.Header().Get("Content-Type"); got != "application/json" {
				t.Errorf("GET %s Content-Type = %q, want application/json", tt.target, got)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("GET %s body is not JSON: %s", tt.target, rec.Body)
			}
			golden(t, strings.ReplaceAll(t.Name(), "/", "_"), rec.Body.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("body differs from %s (-want +got):\n%s", path, diff)
	}
}

func TestListBodyMatchesStandardEncoding(t *testing.T) {
	c := testCatalog(t)
	h, _, _ := newTestServer(t, c)
	rec := do(t, h, http.MethodGet, "/products", nil)
	var got struct {
		Products []catalog.Product `json:"products"`
		Total    int               `json:"total"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	var want []catalog.Product
	for i := 0; i < c.Len(); i++ {
		want = append(want, c.At(i))
	}
	if diff := cmp.Diff(want, got.Products); diff != "" || got.Total != c.Len() {
		t.Errorf("GET /products total = %d, want %d; products (-want +got):\n%s", got.Total, c.Len(), diff)
	}
}

func TestETag(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	for _, target := range []string{"/products", "/products?q=mug&limit=5", "/products/A1", "/categories"} {
		t.Run(target, func(t *testing.T) {
			first := do(t, h, http.MethodGet, target, nil)
			etag := first.Header().Get("ETag")
			if !regexp.MustCompile(`^"[a-z]-[0-9a-f-]+"$`).MatchString(etag) {
				t.Fatalf("GET %s ETag = %q, want a strong quoted validator", target, etag)
			}
			if again := do(t, h, http.MethodGet, target, nil).Header().Get("ETag"); again != etag {
				t.Errorf("ETag changed between identical requests: %q then %q", etag, again)
			}
			for _, inm := range []string{etag, `"other", ` + etag, "W/" + etag, "*"} {
				rec := do(t, h, http.MethodGet, target, http.Header{"If-None-Match": {inm}})
				if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 || rec.Header().Get("ETag") != etag {
					t.Errorf("If-None-Match %s: status %d, body %d bytes, ETag %q; want 304, empty, %q",
						inm, rec.Code, rec.Body.Len(), rec.Header().Get("ETag"), etag)
				}
			}
			if rec := do(t, h, http.MethodGet, target, http.Header{"If-None-Match": {`"stale"`}}); rec.Code != http.StatusOK {
				t.Errorf("If-None-Match stale: status %d, want 200", rec.Code)
			}
		})
	}
	a := do(t, h, http.MethodGet, "/products?q=mug", nil).Header().Get("ETag")
	b := do(t, h, http.MethodGet, "/products?q=kettle", nil).Header().Get("ETag")
	if a == b {
		t.Errorf("different queries share ETag %q", a)
	}
}

func TestETagChangesWithTheCatalog(t *testing.T) {
	c := testCatalog(t)
	h, _, _ := newTestServer(t, c)
	before := do(t, h, http.MethodGet, "/products", nil).Header().Get("ETag")
	beforeA1 := do(t, h, http.MethodGet, "/products/A1", nil).Header().Get("ETag")
	products := []catalog.Product{c.At(0), c.At(1), c.At(2)}
	products[1].Name += " (new)"
	next, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Publish(next); err != nil {
		t.Fatal(err)
	}
	if after := do(t, h, http.MethodGet, "/products", nil).Header().Get("ETag"); after == before {
		t.Errorf("list ETag %q did not change when a product changed", after)
	}
	if afterA1 := do(t, h, http.MethodGet, "/products/A1", nil).Header().Get("ETag"); afterA1 != beforeA1 {
		t.Errorf("ETag of unchanged product A1 changed: %q -> %q", beforeA1, afterA1)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	for _, target := range []string{"/products", "/products/A1", "/healthz"} {
		rec := do(t, h, http.MethodPost, target, nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s = %d, Allow %q; want 405, %q", target, rec.Code, rec.Header().Get("Allow"), "GET, HEAD")
		}
		var body struct{ Error apiError }
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != codeMethodNotAllowed {
			t.Errorf("POST %s body = %s, want a method_not_allowed error", target, rec.Body)
		}
	}
	if rec := do(t, h, http.MethodHead, "/products/A1", nil); rec.Code != http.StatusOK {
		t.Errorf("HEAD /products/A1 = %d, want 200", rec.Code)
	}
}

func TestPanicBecomes500(t *testing.T) {
	core, logs := observer.New(zap.DebugLevel)
	logger := zap.New(core)
	h := observe(logger, metrics.New("test"), requestid.New(), recoverPanics(logger,
		func(*statusRecorder, *http.Request) { panic("boom") }))
	rec := do(t, h, http.MethodGet, "/products", nil)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status = %d, want 500", rec.Code)
	}
	if want := `{"error":{"code":"internal","message":"internal error"}}` + "\n"; rec.Body.String() != want {
		t.Errorf("body = %q, want %q (no panic details for the client)", rec.Body, want)
	}
	entries := logs.FilterMessage("handler panicked").All()
	if len(entries) != 1 || entries[0].ContextMap()["panic"] != "boom" {
		t.Errorf("panic log entries = %v, want one with panic=boom", entries)
	}
}

func TestRequestLogAndID(t *testing.T) {
	h, logs, _ := newTestServer(t, testCatalog(t))
	rec := do(t, h, http.MethodGet, "/products/A1", http.Header{"X-Request-Id": {"trace-123"}})
	if got := rec.Header().Get("X-Request-ID"); got != "trace-123" {
		t.Errorf("X-Request-ID = %q, want the client's trace-123", got)
	}
	generated := do(t, h, http.MethodGet, "/products/A1", http.Header{"X-Request-Id": {"bad id\n"}}).Header().Get("X-Request-ID")
	if !regexp.MustCompile(`^[0-9a-f]{16}-[0-9a-z]+$`).MatchString(generated) {
		t.Errorf("X-Request-ID for a malformed id = %q, want a generated one", generated)
	}
	if next := do(t, h, http.MethodGet, "/products/A1", nil).Header().Get("X-Request-ID"); next == generated {
		t.Errorf("two requests got the same generated id %q", next)
	}
	do(t, h, http.MethodGet, "/healthz", nil)
	requests := logs.FilterMessage("request").All()
	if len(requests) != 4 {
		t.Fatalf("request log lines = %d, want 4", len(requests))
	}
	got := requests[0].ContextMap()
	for key, want := range map[string]any{"request_id": "trace-123", "method": "GET", "route": "/products/{id}", "status": int64(200)} {
		if got[key] != want {
			t.Errorf("log field %s = %v, want %v", key, got[key], want)
		}
	}
	if got["bytes"].(int64) <= 0 || got["duration_us"] == nil {
		t.Errorf("log fields bytes=%v duration_us=%v, want both", got["bytes"], got["duration_us"])
	}
	if requests[0].Level != zap.InfoLevel || requests[3].Level != zap.DebugLevel {
		t.Errorf("levels = %v, %v; want info for the API, debug for probes", requests[0].Level, requests[3].Level)
	}
}

func TestReadiness(t *testing.T) {
	h, _, readiness := newTestServer(t, testCatalog(t))
	if rec := do(t, h, http.MethodGet, "/readyz", nil); rec.Code != http.StatusOK {
		t.Errorf("readyz = %d before shutdown, want 200", rec.Code)
	}
	readiness.ShutDown()
	if rec := do(t, h, http.MethodGet, "/readyz", nil); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz = %d while shutting down, want 503", rec.Code)
	}
	if rec := do(t, h, http.MethodGet, "/healthz", nil); rec.Code != http.StatusOK {
		t.Errorf("healthz = %d while shutting down, want 200 (alive)", rec.Code)
	}
	empty, _, _ := newTestServer(t, nil)
	if rec := do(t, empty, http.MethodGet, "/readyz", nil); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz = %d with no catalog, want 503", rec.Code)
	}
}

func TestMetrics(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	do(t, h, http.MethodGet, "/products/A1", nil)
	do(t, h, http.MethodGet, "/products/NOPE", nil)
	do(t, h, http.MethodGet, "/nope/nope", nil)
	body, _ := io.ReadAll(do(t, h, http.MethodGet, "/metrics", nil).Body)
	for _, want := range []string{
		`product_catalog_http_requests_total{code="200",method="GET",route="/products/{id}"} 1`,
		`product_catalog_http_requests_total{code="404",method="GET",route="/products/{id}"} 1`,
		`product_catalog_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`product_catalog_http_request_duration_seconds_bucket{method="GET",route="/products/{id}",le="+Inf"} 2`,
		`product_catalog_build_info{goversion=`,
		`product_catalog_catalog_reload_failures_total 0`,
		`go_goroutines`,
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// /metrics says in one Vary line what it varies on, plain or gzip: clients
// that keep one line per header name must not lose Accept-Encoding.
func TestMetricsVaryInOneLine(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	for _, accept := range []string{"", "gzip"} {
		rec := do(t, h, http.MethodGet, "/metrics", http.Header{"Accept-Encoding": {accept}})
		if got, want := rec.Header().Values("Vary"), []string{"Accept, Accept-Encoding"}; !slices.Equal(got, want) {
			t.Errorf("GET /metrics (Accept-Encoding %q): Vary lines %q, want %q", accept, got, want)
		}
		if got, want := rec.Header().Get("Content-Encoding"), accept; got != want {
			t.Errorf("GET /metrics (Accept-Encoding %q): Content-Encoding %q, want %q", accept, got, want)
		}
	}
}

// Every route must be documented, with the methods it accepts.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	router := newRouter(apiRoutes(&published{}, metrics.New("test"), &Readiness{}, &responder{})).mux
	routes := 0
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl := route.GetName() // routes are named by their path templates
		if tpl == "" {
			t.Errorf("a route has no name")
		}
		methods, _ := route.GetMethods()
		for _, m := range methods {
			if m == http.MethodHead {
				continue // OpenAPI implies HEAD with GET
			}
			if _, ok := doc.Paths[tpl][strings.ToLower(m)]; !ok {
				t.Errorf("openapi.json lacks %s %s", m, tpl)
			}
		}
		routes++
		return nil
	})
	if err != nil || routes == 0 {
		t.Fatalf("walk routes: %d routes, %v", routes, err)
	}
	if len(doc.Paths) != routes {
		t.Errorf("openapi.json documents %d paths, the router has %d routes", len(doc.Paths), routes)
	}
	h, _, _ := newTestServer(t, testCatalog(t))
	if rec := do(t, h, http.MethodGet, "/openapi.json", nil); !bytes.Equal(rec.Body.Bytes(), openAPIDocument) {
		t.Errorf("GET /openapi.json does not serve the embedded document")
	}
}

// Publish swaps in a view built whole: the request before it is served from
// the old catalog, the request after from the new one, and no request
// builds a view of its own.
func TestPublishSwapsTheWholeView(t *testing.T) {
	old := testCatalog(t)
	s, _, _ := newTestServer(t, old)
	before := s.published.load()
	if before.catalog != old {
		t.Fatalf("the view served is of %p, want the published %p", before.catalog, old)
	}
	products := []catalog.Product{old.At(0), old.At(1)}
	next, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(next); err != nil {
		t.Fatal(err)
	}
	after := s.published.load()
	if after == before || after.catalog != next {
		t.Fatalf("after Publish the view served is not the new catalog's")
	}
	var body struct{ Total int }
	if err := json.Unmarshal(do(t, s, http.MethodGet, "/products", nil).Body.Bytes(), &body); err != nil || body.Total != 2 {
		t.Errorf("GET /products after Publish: total %d (%v), want 2", body.Total, err)
	}
	if s.published.load() != after {
		t.Errorf("a request replaced the published view")
	}
}

// The query rule is the same on every endpoint: bad percent-encoding, ";"
// and unknown names are refused with 400 naming the pair; "_" names are
// ignored everywhere.
func TestQueryRulesOnEveryEndpoint(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	for _, path := range []string{"/products", "/products/A1", "/categories", "/healthz", "/readyz", "/metrics", "/openapi.json"} {
		for _, tt := range []struct {
			query      string
			wantStatus int
			wantBody   string
		}{
			{"_=1712345", http.StatusOK, ""},
			{"q=kettle%ZZ", http.StatusBadRequest, `not valid percent-encoding`},
			{"limit=1;offset=3", http.StatusBadRequest, `is not a separator`},
			{"nope=1", http.StatusBadRequest, `unknown query parameter \"nope\"`},
		} {
			rec := do(t, h, http.MethodGet, path+"?"+tt.query, nil)
			if rec.Code != tt.wantStatus || !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("GET %s?%s = %d %s, want %d with %q", path, tt.query, rec.Code, rec.Body, tt.wantStatus, tt.wantBody)
			}
		}
	}
}

// An error repeats at most 64 bytes of what the client sent.
func TestErrorsRepeatBoundedInput(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	long := strings.Repeat("x", 64<<10)
	for _, target := range []string{"/products/" + long, "/" + long, "/products?q=" + long + "%ZZ"} {
		rec := do(t, h, http.MethodGet, target, nil)
		if rec.Code < 400 || rec.Body.Len() > 400 {
			t.Errorf("GET %s...: %d with %d bytes of body, want an error of at most 400 bytes", target[:20], rec.Code, rec.Body.Len())
		}
	}
}

// A path that is not clean is redirected to its clean form in the API's
// envelope, with the usual headers: 301 for GET and HEAD, 308 otherwise.
func TestUncleanPathsAnswerInTheEnvelope(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	for _, tt := range []struct {
		method, target, wantLocation string
		wantStatus                   int
	}{
		{http.MethodGet, "//products?limit=1", "/products?limit=1", http.StatusMovedPermanently},
		{http.MethodPost, "/./products", "/products", http.StatusPermanentRedirect},
	} {
		rec := do(t, h, tt.method, tt.target, nil)
		if rec.Code != tt.wantStatus || rec.Header().Get("Location") != tt.wantLocation {
			t.Errorf("%s %s = %d Location %q, want %d %q", tt.method, tt.target, rec.Code, rec.Header().Get("Location"), tt.wantStatus, tt.wantLocation)
		}
		if !strings.Contains(rec.Body.String(), `"code":"moved_permanently"`) || rec.Header().Get("Content-Type") != "application/json" ||
			rec.Header().Get("X-Request-ID") == "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: body %s, headers %v; want the JSON envelope and the usual headers", tt.method, tt.target, rec.Body, rec.Header())
		}
	}
}

func TestMetricsRefuseSniffingAndCount405UnderTheirRoute(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	do(t, h, http.MethodDelete, "/products/A1", nil)
	rec := do(t, h, http.MethodGet, "/metrics", nil)
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("/metrics X-Content-Type-Options = %q, want nosniff", got)
	}
	if want := `product_catalog_http_requests_total{code="405",method="DELETE",route="/products/{id}"} 1`; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// newTestServerWith serves c with opts (nothing when c is nil).
func newTestServerWith(t *testing.T, c *catalog.Catalog, opts Options) *Server {
	t.Helper()
	s := NewServer(zap.NewNop(), zap.NewNop(), metrics.New("test"), &Readiness{}, opts)
	if c != nil {
		if err := s.Publish(c); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// A large generated catalog, so list pages are worth compressing.
func largeCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	products := make([]catalog.Product, 50)
	for i := range products {
		products[i] = catalog.Product{ID: fmt.Sprintf("P%03d", i), Name: "Product " + strconv.Itoa(i),
			Description: strings.Repeat("A fine product. ", 10), PriceUSD: catalog.Money{CurrencyCode: "USD", Units: 1},
			Categories: []string{"things"}}
	}
	c, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Responses negotiate gzip: each encoding has its own strong ETag and its
// own 304; small bodies stay as they are; every catalog response varies on
// Accept-Encoding.
func TestCompression(t *testing.T) {
	s := newTestServerWith(t, largeCatalog(t), Options{})
	for _, target := range []string{"/products", "/products?limit=40", "/categories", "/products/P001"} {
		plain := do(t, s, http.MethodGet, target, nil)
		zipped := do(t, s, http.MethodGet, target, http.Header{"Accept-Encoding": {"br;q=1, gzip;q=0.8"}})
		refused := do(t, s, http.MethodGet, target, http.Header{"Accept-Encoding": {"*, gzip;q=0"}})
		for name, rec := range map[string]*httptest.ResponseRecorder{"plain": plain, "gzip": zipped, "gzip;q=0": refused} {
			if rec.Code != http.StatusOK || rec.Header().Get("Vary") != "Accept-Encoding" {
				t.Errorf("GET %s (%s) = %d, Vary %q; want 200 and Vary: Accept-Encoding", target, name, rec.Code, rec.Header().Get("Vary"))
			}
		}
		if refused.Header().Get("Content-Encoding") != "" {
			t.Errorf("GET %s with gzip;q=0 came gzipped", target)
		}
		if plain.Body.Len() < compressMin {
			if zipped.Header().Get("Content-Encoding") != "" {
				t.Errorf("GET %s: a %d-byte body was gzipped, want it sent as it is", target, plain.Body.Len())
			}
			continue
		}
		if zipped.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("GET %s accepting gzip: Content-Encoding %q, want gzip", target, zipped.Header().Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(zipped.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
			t.Errorf("GET %s: the gzip body does not decode to the plain one (%v)", target, err)
		}
		plainTag, zipTag := plain.Header().Get("ETag"), zipped.Header().Get("ETag")
		if plainTag == "" || zipTag == "" || plainTag == zipTag {
			t.Errorf("GET %s: ETags %q and %q, want two distinct strong validators", target, plainTag, zipTag)
		}
		for tag, accept := range map[string]string{plainTag: "", zipTag: "gzip"} {
			rec := do(t, s, http.MethodGet, target, http.Header{"If-None-Match": {tag}, "Accept-Encoding": {accept}})
			if rec.Code != http.StatusNotModified || rec.Header().Get("ETag") != tag {
				t.Errorf("GET %s If-None-Match %s (Accept-Encoding %q) = %d, want 304 with that ETag", target, tag, accept, rec.Code)
			}
		}
	}
}

func TestCacheControl(t *testing.T) {
	for _, tt := range []struct {
		opts Options
		want string
	}{
		{Options{}, "no-cache"},
		{Options{CacheMaxAge: time.Minute}, "public, max-age=60"},
	} {
		s := newTestServerWith(t, testCatalog(t), tt.opts)
		for _, target := range []string{"/products", "/products/A1", "/categories", "/products?q=mug"} {
			if got := do(t, s, http.MethodGet, target, nil).Header().Get("Cache-Control"); got != tt.want {
				t.Errorf("GET %s with %+v: Cache-Control %q, want %q", target, tt.opts, got, tt.want)
			}
		}
	}
}

// CORS is off unless origins are configured; then only those origins get
// the headers, and a preflight for the read endpoints is answered.
func TestCORS(t *testing.T) {
	origin := "https://shop.example"
	off := newTestServerWith(t, testCatalog(t), Options{})
	if got := do(t, off, http.MethodGet, "/products", http.Header{"Origin": {origin}}).Header().Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("CORS off: Access-Control-Allow-Origin %q, want none", got)
	}
	on := newTestServerWith(t, testCatalog(t), Options{CORSOrigins: []string{origin}})
	allowed := do(t, on, http.MethodGet, "/products", http.Header{"Origin": {origin}}).Header()
	if got := allowed.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("GET from %s: Access-Control-Allow-Origin %q, want it", origin, got)
	}
	// A shared cache must not hand one origin's answer to another; and
	// one line, for clients that keep one line per header name.
	if got, want := allowed.Values("Vary"), []string{"Origin, Accept-Encoding"}; !slices.Equal(got, want) {
		t.Errorf("GET from %s: Vary %q, want %q", origin, got, want)
	}
	// The README promises a page may read ETag and X-Request-ID; header
	// names are case-insensitive, so the list is compared as a set.
	if got, want := exposedHeaders(allowed), []string{"etag", "x-request-id"}; !slices.Equal(got, want) {
		t.Errorf("GET from %s: Access-Control-Expose-Headers %q, want %q", origin, allowed.Values("Access-Control-Expose-Headers"), want)
	}
	other := do(t, on, http.MethodGet, "/products", http.Header{"Origin": {"https://evil.example"}}).Header()
	if got := other.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("GET from another origin: Access-Control-Allow-Origin %q, want none", got)
	}
	if got := other.Values("Access-Control-Expose-Headers"); len(got) != 0 {
		t.Errorf("GET from another origin: Access-Control-Expose-Headers %q, want none", got)
	}
	preflight := do(t, on, http.MethodOptions, "/products/A1", http.Header{
		"Origin": {origin}, "Access-Control-Request-Method": {"GET"}, "Access-Control-Request-Headers": {"if-none-match"},
	})
	if preflight.Code >= 300 || preflight.Header().Get("Access-Control-Allow-Origin") != origin ||
		!strings.Contains(preflight.Header().Get("Access-Control-Allow-Methods"), "GET") ||
		preflight.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Errorf("preflight = %d %v, want it allowed for GET, without credentials", preflight.Code, preflight.Header())
	}
}

// exposedHeaders is the sorted, lower-cased set of header names h's
// Access-Control-Expose-Headers lines list.
func exposedHeaders(h http.Header) []string {
	var names []string
	for _, line := range h.Values("Access-Control-Expose-Headers") {
		for _, name := range strings.Split(line, ",") {
			if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// A preflight is a request like any other: it carries an X-Request-ID, is
// logged and counted under the route it asks about; and a preflight for a
// path no route serves is not allowed but answered 404.
func TestPreflightsAreObservedAndRouted(t *testing.T) {
	origin := "https://shop.example"
	core, logs := observer.New(zap.DebugLevel)
	logger := zap.New(core)
	s := NewServer(logger, logger, metrics.New("test"), &Readiness{}, Options{CORSOrigins: []string{origin}})
	if err := s.Publish(testCatalog(t)); err != nil {
		t.Fatal(err)
	}
	preflight := http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}}
	tests := []struct {
		target     string
		wantStatus int
		wantRoute  string
	}{
		{"/products/A1", http.StatusNoContent, "/products/{id}"},
		{"/nope", http.StatusNotFound, "unmatched"},
		{"/products/A1/more", http.StatusNotFound, "unmatched"},
	}
	for _, tt := range tests {
		rec := do(t, s, http.MethodOptions, tt.target, preflight)
		if rec.Code != tt.wantStatus || rec.Header().Get("X-Request-ID") == "" {
			t.Errorf("preflight OPTIONS %s = %d, X-Request-ID %q; want %d with an id", tt.target, rec.Code, rec.Header().Get("X-Request-ID"), tt.wantStatus)
		}
		if tt.wantStatus == http.StatusNotFound && rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight OPTIONS %s allowed a path no route serves", tt.target)
		}
		lines := logs.FilterMessage("request").FilterField(zap.String("route", tt.wantRoute)).FilterField(zap.String("method", http.MethodOptions)).All()
		if len(lines) == 0 {
			t.Errorf("preflight OPTIONS %s: no access log line with route %q", tt.target, tt.wantRoute)
		}
	}
	body := do(t, s, http.MethodGet, "/metrics", nil).Body.String()
	if want := `product_catalog_http_requests_total{code="204",method="OPTIONS",route="/products/{id}"} 1`; !strings.Contains(body, want) {
		t.Errorf("/metrics lacks %s", want)
	}
}

// openapi.json describes every answer the server gives: an operationId on
// every operation, HEAD beside GET, the error responses every endpoint can
// give, and the document's own metadata.
func TestOpenAPIDescribesEveryAnswer(t *testing.T) {
	var doc struct {
		Info     struct{ License struct{ Name string } }
		Servers  []struct{ URL string }
		Security *[]any
		Paths    map[string]map[string]struct {
			OperationID string `json:"operationId"`
			Responses   map[string]any
		}
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Info.License.Name == "" || len(doc.Servers) == 0 || doc.Security == nil || len(*doc.Security) != 0 {
		t.Errorf("openapi.json lacks a license, servers or an empty security list")
	}
	ids := map[string]bool{}
	for path, ops := range doc.Paths {
		for _, method := range []string{"get", "head"} {
			op, ok := ops[method]
			if !ok {
				t.Errorf("%s has no %s operation", path, method)
				continue
			}
			if op.OperationID == "" || ids[op.OperationID] {
				t.Errorf("%s %s: operationId %q missing or not unique", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
			for _, code := range []string{"200", "400", "500"} {
				if _, ok := op.Responses[code]; !ok {
					t.Errorf("%s %s lacks a %s response", method, path, code)
				}
			}
		}
	}
}

// Every answer openapi.json documents is one the server gives: each
// operation's each status, produced here from the document itself, so a
// status added to it without a way to produce it fails. The exchanges are
// recorded, and build/contract holds them to the document (only 500 comes
// from TestPanicBecomes500 instead).
func TestEveryDocumentedAnswer(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct{ Responses map[string]any }
	}
	if err := json.Unmarshal(openAPIDocument, &doc); err != nil {
		t.Fatal(err)
	}
	origin := "https://shop.example"
	withCORS := newTestServerWith(t, testCatalog(t), Options{CORSOrigins: []string{origin}})
	// With CORS off, and on with every request from a listed origin: the
	// contract (build/contract) holds the recorded answers of both to the
	// document.
	for _, cors := range []bool{false, true} {
		t.Run(fmt.Sprintf("cors=%v", cors), func(t *testing.T) {
			opts := Options{}
			var header http.Header
			if cors {
				opts.CORSOrigins = []string{origin}
				header = http.Header{"Origin": {origin}}
			}
			with := func(kv ...string) http.Header {
				h := header.Clone()
				if h == nil {
					h = http.Header{}
				}
				for i := 0; i < len(kv); i += 2 {
					h.Set(kv[i], kv[i+1])
				}
				return h
			}
			ready := newTestServerWith(t, testCatalog(t), opts)
			unpublished := newTestServerWith(t, nil, opts)
			for path, ops := range doc.Paths {
				target := strings.ReplaceAll(path, "{id}", "A1")
				for method, op := range ops {
					method = strings.ToUpper(method)
					for status := range op.Responses {
						var rec *httptest.ResponseRecorder
						switch status {
						case "200":
							rec = do(t, ready, method, target, with())
						case "304":
							etag := do(t, ready, method, target, with()).Header().Get("ETag")
							rec = do(t, ready, method, target, with("If-None-Match", etag))
						case "400":
							rec = do(t, ready, method, target+"?undocumented=1", with())
						case "404":
							rec = do(t, ready, method, strings.ReplaceAll(path, "{id}", "NOPE"), with())
						case "503":
							rec = do(t, unpublished, method, target, with())
						case "204":
							rec = do(t, withCORS, method, target, http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"GET"}})
						case "405":
							rec = do(t, ready, method, target, with())
						case "500":
							continue
						default:
							t.Errorf("%s %s documents %s, which this test cannot produce", method, path, status)
							continue
						}
						if got := strconv.Itoa(rec.Code); got != status {
							t.Errorf("%s %s: got %s, want the documented %s", method, target, got, status)
						}
					}
				}
			}
		})
	}
}

// Pages built for one request (a search, a page past the first) are
// bounded in number: with every slot taken a request waits, then gets 503
// with Retry-After; what needs no building is served meanwhile; a slot
// comes back once its page is built.
func TestPagesBuiltAtOnceAreBounded(t *testing.T) {
	v, err := newView(testCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	p := &published{}
	p.current.Store(v)
	rs := newResponder([]string{"no-cache"})
	rs.searchWait = 10 * time.Millisecond
	h := observe(zap.NewNop(), metrics.New("test"), requestid.New(), newRouter(apiRoutes(p, metrics.New("test"), &Readiness{}, rs)).dispatch)
	for range cap(rs.searches) {
		rs.searches <- struct{}{}
	}
	busy := do(t, h, http.MethodGet, "/products?q=kettle", nil)
	if busy.Code != http.StatusServiceUnavailable || busy.Header().Get("Retry-After") != "1" || !strings.Contains(busy.Body.String(), `"unavailable"`) {
		t.Errorf("a search with every slot taken = %d, Retry-After %q, %s; want 503, Retry-After 1, unavailable", busy.Code, busy.Header().Get("Retry-After"), busy.Body)
	}
	if got := do(t, h, http.MethodGet, "/products", nil).Code; got != http.StatusOK {
		t.Errorf("the first page with every slot taken = %d, want 200: it is built when published", got)
	}
	<-rs.searches
	if got := do(t, h, http.MethodGet, "/products?q=kettle", nil).Code; got != http.StatusOK {
		t.Errorf("a search with a slot free = %d, want 200", got)
	}
	if got, want := len(rs.searches), cap(rs.searches)-1; got != want {
		t.Errorf("%d slots taken after the search, want %d: its slot was not given back", got, want)
	}
}

// The README's bound on pages built at once: 2 per core, 4 at least, and a
// second's wait for a slot. TestPagesBuiltAtOnceAreBounded fills whatever
// room newResponder made and shortens the wait, so the numbers themselves
// are pinned here. GOMAXPROCS is what "core" means to the runtime (and
// what a container's CPU limit sets), so it is varied and put back.
func TestResponderBoundsPagesBuiltAtOnce(t *testing.T) {
	// Restored to the runtime's own choice (container-aware, updated as
	// limits change), not to a fixed number that would turn that off.
	defer runtime.SetDefaultGOMAXPROCS()
	tests := []struct {
		procs, wantSlots int
	}{
		{1, 4},
		{2, 4},
		{3, 6},
		{8, 16},
	}
	for _, tt := range tests {
		runtime.GOMAXPROCS(tt.procs)
		rs := newResponder([]string{"no-cache"})
		if got := cap(rs.searches); got != tt.wantSlots {
			t.Errorf("GOMAXPROCS %d: %d pages built at once, want %d", tt.procs, got, tt.wantSlots)
		}
		if got, want := rs.searchWait, time.Second; got != want {
			t.Errorf("GOMAXPROCS %d: a request waits %v for a slot, want %v", tt.procs, got, want)
		}
	}
}
