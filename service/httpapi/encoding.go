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

// gzipped is a body's gzip encoding with its own strong ETag: a validator
// names one representation, and the two encodings are two.
type gzipped struct {
	body       []byte
	etag       string
	etagHeader []string
	length     []string
}

// newGzipped compresses a snapshot's body once, when it is published.
func newGzipped(body []byte, etag string, level int) *gzipped {
	zw, _ := gzip.NewWriterLevel(nil, level) // level is a constant known to be valid
	return compressed(zw, body, etag)
}

// gzipWriters keep per-request compression from allocating a compressor
// (about 800 KB of state at BestSpeed) for every list response.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// gzipPerRequest compresses a body built for one request.
func gzipPerRequest(body []byte, etag string) *gzipped {
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	return compressed(zw, body, etag)
}

// compressed is body's gzip encoding, written with zw, and its validator.
func compressed(zw *gzip.Writer, body []byte, etag string) *gzipped {
	var b bytes.Buffer
	zw.Reset(&b)
	_, _ = zw.Write(body) // a bytes.Buffer does not fail
	_ = zw.Close()
	g := &gzipped{body: b.Bytes(), length: []string{strconv.Itoa(b.Len())}}
	if etag != "" {
		g.etag = gzipETag(etag)
		g.etagHeader = []string{g.etag}
	}
	return g
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
