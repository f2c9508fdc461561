package httpapi

import (
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/metrics"
	"github.com/product-catalog/product-catalog/service/requestid"
	"github.com/product-catalog/product-catalog/service/telemetry"
)

// requestIDHeaderKey is X-Request-ID in net/http's canonical form, so the
// header map is read and written without canonicalising on every request.
const requestIDHeaderKey = "X-Request-Id"

// observe gives each request its id (a well-formed X-Request-ID from the
// client is kept, so a request can be followed across services), then logs
// one line per request and records its metrics, labelled with the route
// template ("unmatched" for 404 and 405). The recorder is handed down by
// type, so dispatch always has it to write the route into.
func observe(logger *zap.Logger, m *metrics.Metrics, ids *requestid.Generator, next func(*statusRecorder, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, route: "unmatched"}
		if values := r.Header[requestIDHeaderKey]; len(values) > 0 {
			rec.id = values[0]
		}
		if !requestid.Valid(rec.id) {
			rec.id = ids.Next()
		}
		rec.idHeader[0] = rec.id
		w.Header()[requestIDHeaderKey] = rec.idHeader[:]
		next(rec, r)
		elapsed := time.Since(start)
		status := rec.statusCode()
		m.ObserveRequest(rec.route, r.Method, status, elapsed)
		level := zapcore.InfoLevel
		if rec.probe {
			level = zapcore.DebugLevel
		}
		if ce := logger.Check(level, "request"); ce != nil {
			fields := []zap.Field{
				zap.String("request_id", rec.id),
				zap.String("method", r.Method),
				zap.String("route", rec.route),
				zap.Int("status", status),
				zap.Int("bytes", rec.bytes),
				zap.Int64("duration_us", elapsed.Microseconds()),
			}
			if rec.spanContext != nil {
				fields = telemetry.AppendSpanFields(fields, *rec.spanContext)
			}
			ce.Write(fields...)
		}
	})
}

// statusRecorder is the ResponseWriter every handler writes to. It records
// what observe logs, and carries the request's id and route template.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
	id     string
	route  string // the matched route's path template, set by dispatch
	probe  bool   // the matched route is a probe, set by dispatch
	// idHeader backs the X-Request-ID header's value, saving it an
	// allocation of its own.
	idHeader [1]string
	// spanContext is the request's span, when telemetry is on (set by
	// traced): its ids join the access log line. A pointer, so that with
	// telemetry off the recorder, made for every request, stays in its
	// size class (a SpanContext in place cost 64 bytes a request).
	spanContext *trace.SpanContext
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
		oneVaryLine(s.Header())
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
		oneVaryLine(s.Header())
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *statusRecorder) statusCode() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// recoverPanics turns a panicking handler into a logged error and a 500.
func recoverPanics(logger *zap.Logger, next func(*statusRecorder, *http.Request)) func(*statusRecorder, *http.Request) {
	return func(rec *statusRecorder, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // the server's own signal to abort the response
			}
			logger.Error("handler panicked",
				zap.String("request_id", rec.id), zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.Any("panic", p), zap.StackSkip("stack", 1))
			writeError(rec, errorf(codeInternal, "internal error"))
		}()
		next(rec, r)
	}
}

// oneVaryLine merges the response's Vary lines into one, as they are
// written: CORS adds "Vary: Origin" and the handlers theirs ("Accept-
// Encoding"; promhttp "Accept" and "Accept-Encoding"), and clients that
// keep one line per header name (validating proxies among them) would read
// only the first.
func oneVaryLine(h http.Header) {
	if v := h["Vary"]; len(v) > 1 {
		h["Vary"] = []string{strings.Join(v, ", ")}
	}
}
