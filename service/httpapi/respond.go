package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// writeJSON encodes v as the response body. It is for small, per-request
// bodies; catalog data is encoded once per snapshot (see view.go).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	writeBody(w, status, newRepresentation(append(body, '\n'), ""))
}

// Header values shared by every response. net/http only reads header
// values, so one slice serves all requests: no per-request allocation or
// key canonicalisation.
var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

// representation is a JSON body with its ETag, and the header values
// that go with them made once: a snapshot's representations are built with
// it, so serving one allocates nothing for its headers.
//
// A body is bytes, except a product's: that is text, a slice of the
// catalog's one string of encoded products, so that a snapshot holds each
// product's bytes once. Pages stay bytes because net/http writes a large
// []byte to the socket at once, and a string through its 2 KB buffer (a
// page of 1,000 products plain fell from 0.98 to 0.39 of the ceiling's
// throughput as a string).
type representation struct {
	body       []byte
	text       string          // the body, when it is a product's; then body is nil
	etag       string          // empty when the body has no validator
	etagHeader []string        // the ETag header's value, shared by every response
	length     []string        // the Content-Length header's value
	gzip       *representation // the gzip encoding, nil when the body is small
}

func newRepresentation(body []byte, etag string) representation {
	rep := representation{body: body, etag: etag, length: []string{strconv.Itoa(len(body))}}
	if etag != "" {
		rep.etagHeader = []string{etag}
	}
	return rep
}

// newCacheable is a representation of a snapshot, compressed once when it
// is built (by Publish), never per request.
func newCacheable(body []byte, etag string) representation {
	rep := newRepresentation(body, etag)
	if len(body) >= compressMin {
		rep.gzip = newGzipped(body, etag)
	}
	return rep
}

// newPerRequest is a representation built for one request (a search page):
// compressed only when the client takes gzip.
func newPerRequest(r *http.Request, body []byte, etag string) representation {
	rep := newRepresentation(body, etag)
	if len(body) >= compressMin && acceptsGzip(r) {
		rep.gzip = gzipPerRequest(body, etag)
	}
	return rep
}

// writeBody writes the representation. The explicit Content-Length lets
// net/http send the body as is, never chunked.
func writeBody(w http.ResponseWriter, status int, rep representation) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = noSniff
	h["Content-Length"] = rep.length
	if rep.etagHeader != nil {
		h["Etag"] = rep.etagHeader
	}
	w.WriteHeader(status)
	if rep.body == nil {
		_, _ = io.WriteString(w, rep.text)
		return
	}
	_, _ = w.Write(rep.body)
}

// responder writes the catalog's representations with the caching
// headers the server was configured with.
type responder struct {
	cacheControl []string // the Cache-Control header's value
	// searches holds a slot for each list page being built for one request
	// (a search, its page encoded, gzip): each takes up to a few MB and a
	// core, so their number is bounded whatever the clients send. A
	// request waits searchWait at most for a slot, then gets 503 with
	// Retry-After.
	searches   chan struct{}
	searchWait time.Duration
}

// Bounds of the per-request list pages being built at once.
const (
	searchesPerCore = 2
	minSearches     = 4
	searchWait      = time.Second
)

// newResponder returns a responder with cacheControl and room for
// searchesPerCore pages being built per core.
func newResponder(cacheControl []string) *responder {
	return &responder{
		cacheControl: cacheControl,
		searches:     make(chan struct{}, max(minSearches, searchesPerCore*runtime.GOMAXPROCS(0))),
		searchWait:   searchWait,
	}
}

// buildPage builds a per-request page with build once a slot is free, or
// answers 503 with Retry-After and reports false when none frees up in
// time. The slot is given back before the page is written: a slow reader
// holds its page, bounded by the write timeout, not a slot.
func (rs *responder) buildPage(w http.ResponseWriter, r *http.Request, build func() representation) (representation, bool) {
	select {
	case rs.searches <- struct{}{}:
	default:
		t := time.NewTimer(rs.searchWait)
		defer t.Stop()
		select {
		case rs.searches <- struct{}{}:
		case <-t.C:
			w.Header()["Retry-After"] = retryAfter
			writeError(w, errorf(codeUnavailable, "too many searches at once: retry in a second"))
			return representation{}, false
		case <-r.Context().Done():
			return representation{}, false
		}
	}
	defer func() { <-rs.searches }()
	return build(), true
}

var retryAfter = []string{"1"}

// writeCacheable answers 304 Not Modified when the client already holds
// this representation in the encoding it would get, and the body otherwise:
// gzip when the client takes it and the body is large enough.
func (rs *responder) writeCacheable(w http.ResponseWriter, r *http.Request, rep representation) {
	gzipped := rep.gzip != nil && acceptsGzip(r)
	if gzipped {
		rep = *rep.gzip
	}
	if rs.notModified(w, r, rep.etag) {
		return
	}
	h := w.Header()
	varyOnAcceptEncoding(h)
	h["Cache-Control"] = rs.cacheControl
	if gzipped {
		h["Content-Encoding"] = gzipEncoding
	}
	writeBody(w, http.StatusOK, rep)
}

// notModified answers 304 and reports true when the client's If-None-Match
// holds etag, so a handler can skip building a body the client has.
func (rs *responder) notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	if !etagMatches(r.Header.Get("If-None-Match"), etag) {
		return false
	}
	h := w.Header()
	h.Set("ETag", etag)
	varyOnAcceptEncoding(h)
	h["Cache-Control"] = rs.cacheControl
	w.WriteHeader(http.StatusNotModified)
	return true
}

// varyOnAcceptEncoding adds Accept-Encoding to Vary without dropping what
// the CORS layer put there first (Origin): a shared cache that lost it
// would hand one origin's Access-Control-Allow-Origin to another.
func varyOnAcceptEncoding(h http.Header) {
	if len(h["Vary"]) == 0 {
		h["Vary"] = varyAcceptEncoding // shared, not appended to: no allocation
		return
	}
	h["Vary"] = append(h["Vary"], varyAcceptEncoding[0])
}

// etagMatches applies If-None-Match's weak comparison (RFC 9110 13.1.2).
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, candidate := range strings.Split(header, ",") {
		candidate = strings.TrimSpace(candidate)
		if candidate == "*" || strings.TrimPrefix(candidate, "W/") == etag {
			return true
		}
	}
	return false
}
