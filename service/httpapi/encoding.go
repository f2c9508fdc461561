package httpapi

import (
	"bytes"
	"compress/gzip"
	"net/http"
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
// with a non-zero weight, or else * with a non-zero weight. No parser in
// our dependency graph reads Accept-Encoding (goautoneg, prometheus's,
// takes only type/subtype media ranges), so this one follows the grammar:
// parameters may come before the weight, "q" is case-insensitive, and an
// item whose weight is not a qvalue is ignored rather than taken as q=1.
func acceptsGzip(r *http.Request) bool {
	header := r.Header["Accept-Encoding"]
	if len(header) == 0 {
		return false
	}
	gzipQ, anyQ := -1, -1
	for _, line := range header {
		for item := range strings.SplitSeq(line, ",") {
			name, q, ok := parseCoding(item)
			if !ok {
				continue
			}
			switch name {
			case "gzip", "x-gzip":
				gzipQ = max(gzipQ, q)
			case "*":
				anyQ = max(anyQ, q)
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return anyQ > 0
}

// parseCoding reads one Accept-Encoding item: its lower-cased coding and
// its weight in thousandths (1000 when it has none); ok is false for an
// empty item or a malformed weight.
func parseCoding(item string) (name string, q int, ok bool) {
	name, params, _ := strings.Cut(item, ";")
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return "", 0, false
	}
	q = 1000
	for param := range strings.SplitSeq(params, ";") {
		key, value, _ := strings.Cut(strings.TrimSpace(param), "=")
		if !strings.EqualFold(strings.TrimSpace(key), "q") {
			continue
		}
		if q, ok = parseQValue(strings.TrimSpace(value)); !ok {
			return "", 0, false
		}
	}
	return name, q, true
}

// parseQValue reads a qvalue, "0" ["." 0*3DIGIT] or "1" ["." 0*3("0")], in
// thousandths.
func parseQValue(v string) (int, bool) {
	if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
		return 0, false
	}
	whole, frac, dotted := strings.Cut(v, ".")
	if len(whole) != 1 || (dotted && len(frac) > 3) {
		return 0, false
	}
	q := int(whole[0]-'0') * 1000
	for i, scale := 0, 100; i < len(frac); i, scale = i+1, scale/10 {
		if frac[i] < '0' || frac[i] > '9' {
			return 0, false
		}
		q += int(frac[i]-'0') * scale
	}
	return q, q <= 1000
}
