package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/gorilla/mux"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/metrics"
)

const requestIDHeader = "X-Request-ID"

type contextKey int

const (
	requestIDKey contextKey = iota
	routeKey
)

// requestID honours a well-formed X-Request-ID from the client, so a
// request can be followed across services, and generates one otherwise.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(requestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(requestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// validRequestID accepts short, printable ids; anything else could forge
// log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '='
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return hex.EncodeToString(b[:])
}

// recordRoute runs inside the router, after a route matched, and hands the
// route template to observe, which runs outside it.
func recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if slot, ok := r.Context().Value(routeKey).(*string); ok {
			if tpl, err := mux.CurrentRoute(r).GetPathTemplate(); err == nil {
				*slot = tpl
			}
		}
		next.ServeHTTP(w, r)
	})
}

// observe logs one line per request and records its metrics, labelled with
// the route template ("unmatched" for 404 and 405).
func observe(logger *zap.Logger, m *metrics.Metrics, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		route := "unmatched"
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey, &route)))
		elapsed := time.Since(start)
		status := rec.statusCode()
		m.ObserveRequest(route, r.Method, status, elapsed)
		level := zapcore.InfoLevel
		if isProbeRoute(route) {
			level = zapcore.DebugLevel
		}
		if ce := logger.Check(level, "request"); ce != nil {
			id, _ := r.Context().Value(requestIDKey).(string)
			ce.Write(
				zap.String("request_id", id),
				zap.String("method", r.Method),
				zap.String("route", route),
				zap.Int("status", status),
				zap.Int("bytes", rec.bytes),
				zap.Duration("duration", elapsed),
			)
		}
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
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
func recoverPanics(logger *zap.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if p == http.ErrAbortHandler {
				panic(p) // the server's own signal to abort the response
			}
			id, _ := r.Context().Value(requestIDKey).(string)
			logger.Error("handler panicked",
				zap.String("request_id", id), zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.Any("panic", p), zap.StackSkip("stack", 1))
			writeError(w, errorf(codeInternal, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}
