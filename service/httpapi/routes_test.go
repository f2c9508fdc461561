package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/metrics"
)

// checkRoutesMatchTemplates checks that each route matches path exactly
// when mux's path template, the route's name, would, and that for
// /products/{id} productID is the {id} mux would extract.
func checkRoutesMatchTemplates(t testing.TB, router *mux.Router, path string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.URL.Path = path
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		template := mux.NewRouter().Path(route.GetName())
		var want, got mux.RouteMatch
		matches, templateMatches := route.Match(req, &got), template.Match(req, &want)
		if matches != templateMatches {
			t.Fatalf("route %s matches %q: %v, want %v (mux's template)", route.GetName(), path, matches, templateMatches)
		}
		if id, ok := want.Vars["id"]; ok && matches && productID(req) != id {
			t.Fatalf("productID(%q) = %q, want %q (mux's template)", path, productID(req), id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func newTestRouter() *mux.Router {
	router := mux.NewRouter()
	addRoutes(router, zap.NewNop(), &views{source: &stubSource{}}, &stubSource{}, metrics.New("test"), &Readiness{})
	return router
}

func TestRoutesMatchTheirTemplates(t *testing.T) {
	router := newTestRouter()
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
		t.Run(path, func(t *testing.T) { checkRoutesMatchTemplates(t, router, path) })
	}
}

func FuzzRoutes(f *testing.F) {
	for _, seed := range []string{"/products/BRW-0001", "/products/", "/products/a/b", "/products", "/healthz", "/x"} {
		f.Add(seed)
	}
	router := newTestRouter()
	f.Fuzz(func(t *testing.T, path string) { checkRoutesMatchTemplates(t, router, path) })
}

// A path mux would clean is redirected to its clean form, as
// Router.ServeHTTP does, rather than matched as it is.
func TestUncleanPathsRedirect(t *testing.T) {
	h, _, _ := newTestServer(t, &stubSource{testCatalog(t)})
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
	}
	for _, tt := range tests {
		rec := do(h, http.MethodGet, tt.target, nil)
		if rec.Code != tt.wantStatus || rec.Header().Get("Location") != tt.wantLocation {
			t.Errorf("GET %s: got %d Location %q, want %d Location %q",
				tt.target, rec.Code, rec.Header().Get("Location"), tt.wantStatus, tt.wantLocation)
		}
	}
}
