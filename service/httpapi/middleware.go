package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/metrics"
)

// requestIDHeaderKey is X-Request-ID in net/http's canonical form, so the
// header map is read and written without canonicalising on every request.
const requestIDHeaderKey = "X-Request-Id"

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

// generate builds the next id in one allocation: the Builder hands over
// its buffer.
func (ids *requestIDs) generate() string {
	var digits [13]byte // a uint64 in base 36
	n := strconv.AppendUint(digits[:0], ids.next.Add(1), 36)
	var b strings.Builder
	b.Grow(len(ids.prefix) + len(n))
	b.WriteString(ids.prefix)
	b.Write(n)
	return b.String()
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

// observe gives each request its id (a well-formed X-Request-ID from the
// client is kept, so a request can be followed across services), then logs
// one line per request and records its metrics, labelled with the route
// template ("unmatched" for 404 and 405). The recorder is handed down by
// type, so dispatch always has it to write the route into.
func observe(logger *zap.Logger, m *metrics.Metrics, ids *requestIDs, next func(*statusRecorder, *http.Request)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, route: "unmatched"}
		if values := r.Header[requestIDHeaderKey]; len(values) > 0 {
			rec.id = values[0]
		}
		if !validRequestID(rec.id) {
			rec.id = ids.generate()
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
			ce.Write(
				zap.String("request_id", rec.id),
				zap.String("method", r.Method),
				zap.String("route", rec.route),
				zap.Int("status", status),
				zap.Int("bytes", rec.bytes),
				zap.Int64("duration_us", elapsed.Microseconds()),
			)
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
