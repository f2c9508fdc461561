package httpapi

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// compressMin is the body size from which gzip is offered: below it the
// gzip header and trailer (18 bytes) and the work outweigh the saving, and
// a single product (about 300 bytes) stays as it is.
const compressMin = 1 << 10

// Header values shared by every compressed response.
var (
	gzipEncoding       = []string{"gzip"}
	varyAcceptEncoding = []string{"Accept-Encoding"}
)

// newGzipped compresses a snapshot's body once, when it is published.
func newGzipped(body []byte, etag string) *representation {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return compressed(zw, body, etag)
}

// gzipWriters keep per-request compression from allocating a compressor
// (about 800 KB of state at BestSpeed) for every list response.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// gzipPerRequest compresses a body built for one request.
func gzipPerRequest(body []byte, etag string) *representation {
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	return compressed(zw, body, etag)
}

// compressed is body's gzip encoding, written with zw: a representation of
// its own, with its own strong validator (a validator names one
// representation, and the two encodings are two).
func compressed(zw *gzip.Writer, body []byte, etag string) *representation {
	var b bytes.Buffer
	zw.Reset(&b)
	_, _ = zw.Write(body) // a bytes.Buffer does not fail
	_ = zw.Close()
	if etag != "" {
		etag = gzipETag(etag)
	}
	rep := newRepresentation(b.Bytes(), etag)
	return &rep
}

// gzipETag is the validator of the gzip encoding of the representation
// whose validator is etag.
func gzipETag(etag string) string { return strings.TrimSuffix(etag, `"`) + `-gzip"` }

// acceptsGzip reads Accept-Encoding (RFC 9110 12.5.3): gzip (or x-gzip)
// with a non-zero q, or else * with a non-zero q.
func acceptsGzip(r *http.Request) bool {
	header := r.Header["Accept-Encoding"]
	if len(header) == 0 {
		return false
	}
	gzipQ, anyQ := -1.0, -1.0
	for _, line := range header {
		for _, item := range strings.Split(line, ",") {
			name, params, _ := strings.Cut(strings.TrimSpace(item), ";")
			q := 1.0
			if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				if parsed, err := strconv.ParseFloat(v, 64); err == nil {
					q = parsed
				}
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "gzip", "x-gzip":
				gzipQ = q
			case "*":
				anyQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}
