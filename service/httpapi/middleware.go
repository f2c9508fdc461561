package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/gorilla/mux"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/metrics"
)

const (
	requestIDHeader    = "X-Request-ID"
	requestIDHeaderKey = "X-Request-Id" // requestIDHeader in net/http's canonical form
)

type contextKey struct{}

// requestInfo travels in the request's context: one value, one
// context.WithValue and one request copy per request, however many
// middlewares read it.
type requestInfo struct {
	id    string
	route string // the matched route template, set by recordRoute
}

func infoFrom(ctx context.Context) *requestInfo {
	info, _ := ctx.Value(contextKey{}).(*requestInfo)
	if info == nil {
		return &requestInfo{}
	}
	return info
}

// requestIDs makes ids unique within the process and across restarts: a
// random prefix drawn once, then a counter. A request costs an atomic add,
// not a read from the system's random source.
type requestIDs struct {
	prefix string
	next   atomic.Uint64
}

func newRequestIDs() *requestIDs {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return &requestIDs{prefix: hex.EncodeToString(b[:]) + "-"}
}

func (ids *requestIDs) new() string {
	return ids.prefix + strconv.FormatUint(ids.next.Add(1), 36)
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

// recordRoute runs inside the router, after a route matched, and hands the
// route template to observe, which runs outside it.
func recordRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tpl, err := mux.CurrentRoute(r).GetPathTemplate(); err == nil {
			infoFrom(r.Context()).route = tpl
		}
		next.ServeHTTP(w, r)
	})
}

// observe gives each request its id (a well-formed X-Request-ID from the
// client is kept, so a request can be followed across services), then logs
// one line per request and records its metrics, labelled with the route
// template ("unmatched" for 404 and 405).
func observe(logger *zap.Logger, m *metrics.Metrics, ids *requestIDs, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// One allocation for both: they live exactly as long as the request.
		state := &struct {
			info requestInfo
			rec  statusRecorder
		}{info: requestInfo{route: "unmatched"}, rec: statusRecorder{ResponseWriter: w}}
		info, rec := &state.info, &state.rec
		if values := r.Header[requestIDHeaderKey]; len(values) > 0 {
			info.id = values[0]
		}
		if !validRequestID(info.id) {
			info.id = ids.new()
		}
		w.Header()[requestIDHeaderKey] = []string{info.id}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), contextKey{}, info)))
		elapsed := time.Since(start)
		status := rec.statusCode()
		m.ObserveRequest(info.route, r.Method, status, elapsed)
		level := zapcore.InfoLevel
		if isProbeRoute(info.route) {
			level = zapcore.DebugLevel
		}
		if ce := logger.Check(level, "request"); ce != nil {
			ce.Write(
				zap.String("request_id", info.id),
				zap.String("method", r.Method),
				zap.String("route", info.route),
				zap.Int("status", status),
				zap.Int("bytes", rec.bytes),
				zap.Int64("duration_us", elapsed.Microseconds()),
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
			logger.Error("handler panicked",
				zap.String("request_id", infoFrom(r.Context()).id), zap.String("method", r.Method), zap.String("path", r.URL.Path),
				zap.Any("panic", p), zap.StackSkip("stack", 1))
			writeError(w, errorf(codeInternal, "internal error"))
		}()
		next.ServeHTTP(w, r)
	})
}
