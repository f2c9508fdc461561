package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/metrics"
)

// checkRoutesMatchTemplates checks that each route matches path exactly
// when mux's path template, the route's name, would, and that the
// variables it passes its handler are those mux would extract.
func checkRoutesMatchTemplates(t testing.TB, routes []route, path string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.Path = path
	for i := range routes {
		r := &routes[i]
		template := mux.NewRouter().Path(r.template)
		var want mux.RouteMatch
		matches, templateMatches := r.matches(req, nil), template.Match(req, &want)
		if matches != templateMatches {
			t.Fatalf("route %s matches %q: %v, want %v (mux's template)", r.template, path, matches, templateMatches)
		}
		if matches && r.vars(path).id != want.Vars["id"] {
			t.Fatalf("route %s passes id %q for %q, want %v (mux's template)", r.template, r.vars(path).id, path, want.Vars)
		}
	}
}

// newTestRoutes are the API's routes, their templates split as newRouter
// splits them.
func newTestRoutes() []route {
	routes := apiRoutes(&published{}, metrics.New("test"), &Readiness{}, &responder{})
	newRouter(routes)
	return routes
}

func TestRoutesMatchTheirTemplates(t *testing.T) {
	routes := newTestRoutes()
	for _, path := range []string{
		"/products/BRW-0001",
		"/products/a",
		"/products/caf\u00e9",
		"/products/a%2Fb",
		"/products/",
		"/products",
		"/products//",
		"/products/a/",
		"/products/a/b",
		"/productsX/a",
		"/product/a",
		"//products/a",
		"/PRODUCTS/a",
		"/products/..",
		"/categories",
		"/categories/",
		"/healthz",
		"/readyz",
		"/metrics",
		"/metricsx",
		"/openapi.json",
		"/openapi_json",
		"/",
		"",
	} {
		t.Run(path, func(t *testing.T) { checkRoutesMatchTemplates(t, routes, path) })
	}
}

func FuzzRoutes(f *testing.F) {
	for _, seed := range []string{"/products/BRW-0001", "/products/", "/products/a/b", "/products", "/healthz", "/x"} {
		f.Add(seed)
	}
	routes := newTestRoutes()
	f.Fuzz(func(t *testing.T, path string) { checkRoutesMatchTemplates(t, routes, path) })
}

// A path mux would clean is redirected to its clean form, as
// Router.ServeHTTP does, rather than matched as it is.
func TestUncleanPathsRedirect(t *testing.T) {
	h, _, _ := newTestServer(t, testCatalog(t))
	tests := []struct {
		target, wantLocation string
		wantStatus           int
	}{
		{"/products/../categories", "/categories", http.StatusMovedPermanently},
		{"//products", "/products", http.StatusMovedPermanently},
		{"/products/./B2", "/products/B2", http.StatusMovedPermanently},
		{"/products/B2/..", "/products", http.StatusMovedPermanently},
		{"/products/B2", "", http.StatusOK},
		{"/products/", "", http.StatusNotFound},
		// The clean path is sent escaped, a path on this host.
		{"/products/./a%20b", "/products/a%20b", http.StatusMovedPermanently},
		// The query is kept, made valid: a "#" in it would start a
		// fragment. A "%" that escapes nothing is refused, as the clean
		// path would refuse it.
		{"/products/./?q=a%20b&x=1", "/products/?q=a%20b&x=1", http.StatusMovedPermanently},
		{"/.?#x", "/?%23x", http.StatusMovedPermanently},
		{"/.?#%", "", http.StatusBadRequest},
		{"/products/..?q=%zz", "", http.StatusBadRequest},
		{"/products/..?q=%4", "", http.StatusBadRequest},
		// Paths whose clean form a browser reads as //evil.example (it
		// takes "\\" for "/" and drops tabs and newlines): not redirected.
		{"/./%5Cevil.example", "", http.StatusNotFound},
		{"/./%09/evil.example", "", http.StatusNotFound},
		{"/./%5C%5Cevil.example/x", "", http.StatusNotFound},
		{"/./%0A%5Cevil.example", "", http.StatusNotFound},
		{"/.//%5Cevil.example", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		rec := do(t, h, http.MethodGet, tt.target, nil)
		if rec.Code != tt.wantStatus || rec.Header().Get("Location") != tt.wantLocation {
			t.Errorf("GET %s: got %d Location %q, want %d Location %q",
				tt.target, rec.Code, rec.Header().Get("Location"), tt.wantStatus, tt.wantLocation)
		}
	}
}

// Every route is labelled by its template in logs and metrics, and marked
// a probe exactly when the table says so: a route that lost its label would
// be counted as "unmatched".
func TestEveryRouteIsLabelledByItsTemplate(t *testing.T) {
	h, logs, _ := newTestServer(t, testCatalog(t))
	for _, r := range apiRoutes(&published{}, metrics.New("test"), &Readiness{}, &responder{}) {
		path := strings.ReplaceAll(r.template, "{id}", "A1")
		if rec := do(t, h, http.MethodGet, path, nil); rec.Code != http.StatusOK {
			t.Errorf("GET %s = %d, want 200", path, rec.Code)
		}
		entries := logs.TakeAll()
		if len(entries) != 1 {
			t.Fatalf("GET %s logged %d lines, want 1", path, len(entries))
		}
		if got := entries[0].ContextMap()["route"]; got != r.template {
			t.Errorf("GET %s logged route %v, want %q", path, got, r.template)
		}
		if probe := entries[0].Level == zap.DebugLevel; probe != r.probe {
			t.Errorf("GET %s logged at %v; the table says probe=%v", path, entries[0].Level, r.probe)
		}
	}
}

// Handlers get their path's variables as an argument; dispatch never puts
// them where mux.Vars or mux.CurrentRoute would find them, so a handler
// that called either would silently get nothing.
func TestHandlersDoNotUseMuxVars(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, banned := range []string{"mux.Vars(", "mux.CurrentRoute("} {
			if strings.Contains(string(src), banned) {
				t.Errorf("%s calls %s: dispatch does not fill it; take routeVars instead", file, banned)
			}
		}
	}
}

func TestSplitTemplateRefusesOtherShapes(t *testing.T) {
	for _, template := range []string{"/a/{x}/b", "/a/{x}{y}", "/a{x}", "/a/{x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("splitTemplate(%q) accepted a shape the matcher does not handle", template)
				}
			}()
			splitTemplate(template)
		}()
	}
}

// BenchmarkRouting serves GET /products/{id} through the route table and
// dispatch, and through gorilla/mux used as designed (path templates,
// Router.ServeHTTP, mux.Vars): the table stays only while it costs less.
func BenchmarkRouting(b *testing.B) {
	p := &published{}
	routes := apiRoutes(p, metrics.New("bench"), &Readiness{}, &responder{})
	s := NewServer(zap.NewNop(), zap.NewNop(), metrics.New("bench"), &Readiness{}, Options{})
	if err := s.Publish(testCatalog(b)); err != nil {
		b.Fatal(err)
	}
	p.current.Store(s.published.load())
	table := newRouter(routes)
	designed := mux.NewRouter()
	for _, r := range routes {
		designed.Path(r.template).Methods(http.MethodGet, http.MethodHead).Handler(http.HandlerFunc(
			func(w http.ResponseWriter, req *http.Request) { r.serve(w, req, routeVars{id: mux.Vars(req)["id"]}) }))
	}
	req := httptest.NewRequest(http.MethodGet, "/products/A1", nil)
	w := &discardWriter{header: http.Header{}}
	b.Run("table", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			clear(w.header)
			table.dispatch(&statusRecorder{ResponseWriter: w}, req)
		}
	})
	b.Run("mux-as-designed", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			clear(w.header)
			designed.ServeHTTP(&statusRecorder{ResponseWriter: w}, req)
		}
	})
}

// Every Location the server sends, for any path, is a path on this host as
// a browser resolves it: it drops ASCII tabs and newlines and reads "\\"
// as "/" before it resolves the reference against the page's URL.
func FuzzRedirectStaysOnHost(f *testing.F) {
	for _, seed := range []string{"/./%5Cevil.example", "/./%09/evil.example", "//products", "/a/../b", "/./x?y=1", "/.%2F%2Fevil", "/.?#%"} {
		f.Add(seed)
	}
	h, _, _ := newTestServer(f, testCatalog(f))
	base, _ := url.Parse("http://catalog.example/products")
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || u.Host != "" || u.Scheme != "" {
			return
		}
		req := &http.Request{Method: http.MethodGet, URL: u, RequestURI: target, Header: http.Header{}, Host: base.Host}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		location := rec.Header().Get("Location")
		if location == "" {
			return
		}
		asBrowser := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, location)
		resolved, err := base.Parse(asBrowser)
		if err != nil || resolved.Host != base.Host || resolved.Scheme != base.Scheme || !strings.HasPrefix(location, "/") {
			t.Errorf("GET %q: Location %q resolves to %v (%v), want a path on %s", target, location, resolved, err, base.Host)
			return
		}
		if bad := invalidURIByte(location); bad >= 0 {
			t.Errorf("GET %q: Location %q: byte %d is not valid in a URI path or query (RFC 3986)", target, location, bad)
		}
		if resolved.Path != cleanPath(u.Path) || resolved.Fragment != "" {
			t.Errorf("GET %q: Location %q has path %q and fragment %q, want path %q and none", target, location, resolved.Path, resolved.Fragment, cleanPath(u.Path))
		}
		if got, want := queryPairs(resolved.RawQuery), queryPairs(u.RawQuery); !slices.Equal(got, want) {
			t.Errorf("GET %q: Location %q carries the query pairs %q, want %q", target, location, got, want)
		}
	})
}

// invalidURIByte is the index of the first byte of ref that RFC 3986 does
// not allow in a path and query (pchar, "/" and "?"), including a "%" that
// is not followed by two hex digits; -1 when there is none.
func invalidURIByte(ref string) int {
	for i := 0; i < len(ref); i++ {
		switch c := ref[i]; {
		case c == '%':
			if i+2 >= len(ref) || !isHex(ref[i+1]) || !isHex(ref[i+2]) {
				return i
			}
		case !allowedInQuery(c):
			return i
		}
	}
	return -1
}

// queryPairs is each "&"-separated pair of a raw query as name and value,
// decoded, as parseQuery reads them.
func queryPairs(raw string) []string {
	var pairs []string
	for _, pair := range strings.Split(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		n, errName := url.QueryUnescape(name)
		v, errValue := url.QueryUnescape(value)
		if errName != nil || errValue != nil {
			return []string{"invalid: " + pair}
		}
		pairs = append(pairs, n+"="+v)
	}
	return pairs
}

func TestLocationQuery(t *testing.T) {
	tests := []struct {
		raw, want string
		wantErr   string
	}{
		{"", "", ""},
		{"q=a%20b&x=1;y=2", "q=a%20b&x=1;y=2", ""},
		{"a=/b?c:d@e!$'()*+,~", "a=/b?c:d@e!$'()*+,~", ""},
		{"#frag", "%23frag", ""},
		{"%4a", "%4a", ""},
		{"a b\t\"<>\\^`{|}", "a%20b%09%22%3C%3E%5C%5E%60%7B%7C%7D", ""},
		{"\xff\x00", "%FF%00", ""},
		{"%", "", `the "%" at byte 0 escapes nothing`},
		{"q=%4", "", `the "%" at byte 2 escapes nothing`},
		{"q=1&r=%zz", "", `the "%" at byte 6 escapes nothing`},
	}
	for _, tt := range tests {
		got, err := locationQuery(tt.raw)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("locationQuery(%q) = %q, %v; want an error containing %q", tt.raw, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("locationQuery(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		}
	}
}
