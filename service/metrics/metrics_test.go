package metrics

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

// BenchmarkObserveRequest records one request through the per-series cache
// (ObserveRequest) and, for comparison, through client_golang's own
// WithLabelValues lookups, which hash the label values on every call. The
// cache stays only while it saves a measurable share (see ObserveRequest).
func BenchmarkObserveRequest(b *testing.B) {
	m := New("bench")
	b.Run("series-cache", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m.ObserveRequest("/products/{id}", http.MethodGet, http.StatusOK, 42*time.Microsecond)
		}
	})
	b.Run("WithLabelValues", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			m.requests.WithLabelValues("/products/{id}", http.MethodGet, strconv.Itoa(http.StatusOK)).Inc()
			m.duration.WithLabelValues("/products/{id}", http.MethodGet).Observe((42 * time.Microsecond).Seconds())
		}
	})
}
