// Package httpapi serves the catalog over HTTP with gorilla/mux: the
// product, category, health, metrics and OpenAPI endpoints, with request
// logging, metrics and panic recovery around them.
package httpapi

import (
	_ "embed"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/requestid"
	"github.com/product-catalog/product-catalog/service/telemetry"
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
	handler   http.Handler
	published *published
}

// published holds the view being served: one pointer, swapped whole, so a
// request reads one snapshot from start to end.
type published struct{ current atomic.Pointer[view] }

// load is the view being served, nil before the first Publish.
func (p *published) load() *view { return p.current.Load() }

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Publish makes c the catalog served: it encodes everything a request
// needs (each product, the first page, the categories), then swaps it in
// at once, so no request waits for the encoding or sees half of it. Start-
// up and every reload call it. An error means c cannot be served, and the
// catalog served before stays.
func (s *Server) Publish(c *catalog.Catalog) error {
	v, err := newView(c)
	if err != nil {
		return err
	}
	s.published.current.Store(v)
	return nil
}

// Options are the server's settings.
type Options struct {
	// CacheMaxAge lets clients and caches reuse a catalog response for this
	// long without asking; 0 makes them revalidate every time (with the
	// ETag, which costs a 304).
	CacheMaxAge time.Duration
	// CORSOrigins are the exact origins (scheme://host[:port]) whose pages
	// may read the API from a browser; none turns CORS off.
	CORSOrigins []string
	// Telemetry traces and measures each request when it is on; nil or
	// off, nothing is recorded.
	Telemetry *telemetry.Telemetry
}

// NewServer returns the service's HTTP handler.
//
// logger takes what an operator must see (panics, failures to encode a
// catalog); accessLog takes one line per request and may sample or drop
// them.
func NewServer(logger, accessLog *zap.Logger, m *metrics.Metrics, readiness *Readiness, opts Options) *Server {
	p := &published{}
	cacheControl := []string{"no-cache"}
	if opts.CacheMaxAge > 0 {
		cacheControl = []string{"public, max-age=" + strconv.Itoa(int(opts.CacheMaxAge.Seconds()))}
	}
	rs := newResponder(cacheControl)
	rt := newRouter(apiRoutes(p, m, readiness, rs))
	serve := rt.dispatch
	if len(opts.CORSOrigins) > 0 {
		serve = withCORS(opts.CORSOrigins, rt, serve)
	}
	return &Server{handler: observe(accessLog, m, requestid.New(), traced(opts.Telemetry, recoverPanics(logger, serve))), published: p}
}
