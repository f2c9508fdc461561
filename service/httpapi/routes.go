package httpapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/metrics"
)

// addRoutes is the whole API surface; openapi.json documents each route.
//
// Routes match paths with string comparisons rather than mux path
// templates: mux turns each template into a regexp and runs it for every
// route it tries, and for a template with a variable runs it again to
// extract the variable. Those runs were a third of the cost of
// GET /products/{id} in BenchmarkServer. Each route is named by the
// template it stands for, the label logs and metrics use.
func addRoutes(r *mux.Router, logger *zap.Logger, vs *views, source Source, m *metrics.Metrics, readiness *Readiness) {
	get := []string{http.MethodGet, http.MethodHead}
	for _, route := range []struct {
		template string
		handler  http.Handler
		matches  mux.MatcherFunc // nil: the path is the template
	}{
		// The hottest routes first: one request per product page view.
		{productRoute, handleGetProduct(logger, vs), isProductPath},
		{"/products", handleListProducts(logger, vs), nil},
		{"/categories", handleListCategories(logger, vs), nil},
		{"/healthz", handleHealthz(), nil},
		{"/readyz", handleReadyz(source, readiness), nil},
		{"/metrics", m.Handler(), nil},
		{"/openapi.json", handleOpenAPI(), nil},
	} {
		matches := route.matches
		if matches == nil {
			matches = pathIs(route.template)
		}
		r.MatcherFunc(matches).Methods(get...).Handler(route.handler).Name(route.template)
	}
}

const (
	productRoute  = "/products/{id}"
	productPrefix = "/products/"
)

// pathIs matches what a template without variables would: that path, and
// no other.
func pathIs(path string) mux.MatcherFunc {
	return func(r *http.Request, _ *mux.RouteMatch) bool { return r.URL.Path == path }
}

// isProductPath matches what the template /products/{id} would: one
// non-empty path segment after /products/.
func isProductPath(r *http.Request, _ *mux.RouteMatch) bool {
	id, ok := strings.CutPrefix(r.URL.Path, productPrefix)
	return ok && id != "" && !strings.Contains(id, "/")
}

// productID is the {id} of a path isProductPath matched.
func productID(r *http.Request) string {
	return strings.TrimPrefix(r.URL.Path, productPrefix)
}

// isProbeRoute reports the routes orchestrators and scrapers poll; logging
// them at info level would drown the request log.
func isProbeRoute(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}
