// Package httpapi serves the catalog over HTTP with gorilla/mux: the
// product, category, health, metrics and OpenAPI endpoints, with request
// logging, metrics and panic recovery around them.
package httpapi

import (
	_ "embed"
	"net/http"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/metrics"
)

//go:embed openapi.json
var openAPIDocument []byte

// Readiness is what /readyz reports besides the catalog: it turns false
// when shutdown starts, so load balancers stop sending traffic first.
type Readiness struct {
	shuttingDown atomic.Bool
}

// Ready reports whether the server accepts new traffic.
func (r *Readiness) Ready() bool { return !r.shuttingDown.Load() }

// ShutDown makes /readyz answer 503 from now on.
func (r *Readiness) ShutDown() { r.shuttingDown.Store(true) }

// Server is the service's HTTP handler.
type Server struct {
	handler http.Handler
	views   *views
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Prepare encodes c for the wire before it is served: call it before a
// snapshot becomes the source's current one, and no request waits for the
// encoding. An error means c cannot be served.
func (s *Server) Prepare(c *catalog.Catalog) error { return s.views.prepare(c) }

// NewServer returns the service's HTTP handler.
//
// logger takes what an operator must see (panics, failures to encode a
// catalog); accessLog takes one line per request and may sample or drop
// them.
func NewServer(logger, accessLog *zap.Logger, source Source, m *metrics.Metrics, readiness *Readiness) *Server {
	vs := &views{source: source}
	router := mux.NewRouter()
	addRoutes(router, logger, vs, source, m, readiness)
	router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(codeNotFound, "no route for %s %s", r.Method, r.URL.Path))
	})
	router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := allowedMethods(router, r)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, errorf(codeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allowed, ", ")))
	})
	return &Server{
		handler: observe(accessLog, m, newRequestIDs(), recoverPanics(logger, dispatch(router))),
		views:   vs,
	}
}

// allowedMethods lists the methods of the routes whose path matches r.
func allowedMethods(router *mux.Router, r *http.Request) []string {
	seen := map[string]bool{}
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		var match mux.RouteMatch
		if route.Match(r, &match) || match.MatchErr == mux.ErrMethodMismatch {
			methods, _ := route.GetMethods()
			for _, m := range methods {
				seen[m] = true
			}
		}
		return nil
	})
	allowed := make([]string, 0, len(seen))
	for m := range seen {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	return allowed
}
