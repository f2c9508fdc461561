package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/catalog/generate"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// discardWriter is the cheapest ResponseWriter, so the benchmarks measure
// the handler chain rather than a recorder's buffering.
type discardWriter struct {
	header http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.header }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkServer runs whole requests through the real handler chain
// (routing, request ids, logging at info into io.Discard, metrics) on the
// repository's catalog and on generated catalogs.
func BenchmarkServer(b *testing.B) {
	repository, err := catalog.Load(os.DirFS("../../products"), "products", catalog.DefaultLimits)
	if err != nil {
		b.Fatal(err)
	}
	catalogs := []struct {
		name    string
		catalog *catalog.Catalog
		id      string
	}{{"repository", repository, "BRW-0001"}}
	for _, n := range []int{1_000, 10_000, 100_000} {
		c, err := catalog.New(generate.Products(n, 42))
		if err != nil {
			b.Fatal(err)
		}
		catalogs = append(catalogs, struct {
			name    string
			catalog *catalog.Catalog
			id      string
		}{fmt.Sprintf("n=%d", n), c, "GEN-0000500"})
	}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(io.Discard), zapcore.InfoLevel)
	for _, cat := range catalogs {
		logger := zap.New(core)
		h := NewServer(logger, logger, metrics.New("bench"), &Readiness{}, Options{})
		if err := h.Publish(cat.catalog); err != nil {
			b.Fatal(err)
		}
		requests := []struct{ name, target string }{
			{"get", "/products/" + cat.id},
			{"list", "/products?limit=20"},
			{"list-all", "/products"},
			{"category", "/products?category=kettles&limit=20"},
			{"search", "/products?q=copper&limit=20"},
		}
		for _, req := range requests {
			b.Run(req.name+"/"+cat.name, func(b *testing.B) {
				r := httptest.NewRequest(http.MethodGet, req.target, nil)
				w := &discardWriter{header: http.Header{}}
				h.ServeHTTP(w, r) // build the snapshot's encodings outside the timing
				if w.status != 0 && w.status != http.StatusOK {
					b.Fatalf("GET %s: status %d", req.target, w.status)
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					clear(w.header)
					h.ServeHTTP(w, r)
				}
			})
		}
	}
}
