package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
	"go.uber.org/zap"

	"github.com/product-catalog/product-catalog/service/metrics"
)

// addRoutes is the whole API surface; openapi.json documents each route.
func addRoutes(r *mux.Router, logger *zap.Logger, source Source, m *metrics.Metrics, readiness *Readiness) {
	vs := &views{source: source}
	get := []string{http.MethodGet, http.MethodHead}
	r.Handle("/products", handleListProducts(logger, vs)).Methods(get...)
	r.Handle("/products/{id}", handleGetProduct(logger, vs)).Methods(get...)
	r.Handle("/categories", handleListCategories(logger, vs)).Methods(get...)
	r.Handle("/healthz", handleHealthz()).Methods(get...)
	r.Handle("/readyz", handleReadyz(source, readiness)).Methods(get...)
	r.Handle("/metrics", m.Handler()).Methods(get...)
	r.Handle("/openapi.json", handleOpenAPI()).Methods(get...)
}

// probeRoutes are polled by orchestrators and scrapers; logging them at
// info level would drown the request log.
func isProbeRoute(route string) bool {
	switch route {
	case "/healthz", "/readyz", "/metrics":
		return true
	}
	return false
}
