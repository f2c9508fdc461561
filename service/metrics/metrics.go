// Package metrics holds the service's Prometheus metrics in a registry of
// its own, so tests and several servers in one process never share state.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "product_catalog"

// latencyBuckets fit a service that answers in tens of microseconds.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1}

// Metrics records what the service does.
type Metrics struct {
	registry       *prometheus.Registry
	requests       *prometheus.CounterVec
	duration       *prometheus.HistogramVec
	series         sync.Map // seriesKey -> *requestSeries
	rpcs           *prometheus.CounterVec
	rpcDuration    *prometheus.HistogramVec
	rpcSeries      sync.Map // rpcKey -> *requestSeries
	products       prometheus.Gauge
	reloads        prometheus.Counter
	reloadFailures prometheus.Counter
}

// New registers the service's metrics, the Go runtime's and the process's,
// and a build_info gauge labelled with version.
func New(version string) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests by route template, method and status code.",
		}, []string{"route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:    "HTTP request latency by route template and method.",
			Buckets: latencyBuckets,
		}, []string{"route", "method"}),
		rpcs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "grpc_requests_total",
			Help: "gRPC calls by full method and status code.",
		}, []string{"method", "code"}),
		rpcDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "grpc_request_duration_seconds",
			Help:    "gRPC call latency by full method.",
			Buckets: latencyBuckets,
		}, []string{"method"}),
		products: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: namespace, Name: "products",
			Help: "Products in the catalog being served.",
		}),
		reloads: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "catalog_reloads_total",
			Help: "Catalog reloads that replaced the served catalog.",
		}),
		reloadFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace, Name: "catalog_reload_failures_total",
			Help: "Catalog changes that failed to load or validate; the last good catalog kept serving.",
		}),
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; labelled with the build's version and Go version.",
		ConstLabels: prometheus.Labels{"version": version, "goversion": runtime.Version()},
	})
	buildInfo.Set(1)
	m.registry.MustRegister(
		m.requests, m.duration, m.rpcs, m.rpcDuration, m.products, m.reloads, m.reloadFailures, buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// WatchGRPCBacklog exports owed, the gRPC answer bytes queued for clients
// and not yet written (service/backlog), read at each scrape.
func (m *Metrics) WatchGRPCBacklog(owed func() int64) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "grpc_unread_answer_bytes",
		Help: "gRPC answer bytes queued for clients and not yet written to them.",
	}, func() float64 { return float64(owed()) }))
}

// Handler serves the metrics in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// ObserveRequest records one finished request. route is the route
// template, never the raw path, so label values stay few.
func (m *Metrics) ObserveRequest(route, method string, status int, elapsed time.Duration) {
	key := seriesKey{route, knownMethod(method), status}
	s, ok := m.series.Load(key)
	if !ok {
		// Label values are hashed once per series, not once per request:
		// 51 ns a request against 140 ns through WithLabelValues each
		// time (BenchmarkObserveRequest, in make bench), of about 3.4 µs.
		s, _ = m.series.LoadOrStore(key, &requestSeries{
			requests: m.requests.WithLabelValues(key.route, key.method, strconv.Itoa(status)),
			duration: m.duration.WithLabelValues(key.route, key.method),
		})
	}
	rs := s.(*requestSeries)
	rs.requests.Inc()
	rs.duration.Observe(elapsed.Seconds())
}

// seriesKey names one request series; routes, methods and codes are few, so
// the set of keys stays small.
type seriesKey struct {
	route, method string
	status        int
}

type requestSeries struct {
	requests prometheus.Counter
	duration prometheus.Observer
}

// ObserveRPC records one finished gRPC call. Its method is one the server
// registered, or "unmatched" (grpcapi maps any other name to it), so label
// values stay few.
func (m *Metrics) ObserveRPC(fullMethod, code string, elapsed time.Duration) {
	key := rpcKey{fullMethod, code}
	s, ok := m.rpcSeries.Load(key)
	if !ok {
		s, _ = m.rpcSeries.LoadOrStore(key, &requestSeries{
			requests: m.rpcs.WithLabelValues(fullMethod, code),
			duration: m.rpcDuration.WithLabelValues(fullMethod),
		})
	}
	rs := s.(*requestSeries)
	rs.requests.Inc()
	rs.duration.Observe(elapsed.Seconds())
}

type rpcKey struct{ method, code string }

// CatalogServed records the size of the catalog now being served.
func (m *Metrics) CatalogServed(products int) { m.products.Set(float64(products)) }

// Reloaded counts a successful reload.
func (m *Metrics) Reloaded() { m.reloads.Inc() }

// ReloadFailed counts a change that could not be served.
func (m *Metrics) ReloadFailed() { m.reloadFailures.Inc() }

// knownMethod keeps arbitrary client-chosen methods out of label values.
func knownMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}
