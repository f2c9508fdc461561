package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// writeJSON encodes v as the response body. It is for small, per-request
// bodies; catalog data is encoded once per snapshot (see view.go).
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	writeBody(w, status, "", append(body, '\n'))
}

// Header values shared by every response. net/http only reads them, so one
// slice serves all requests: no per-request allocation or key
// canonicalisation for headers every response carries.
var (
	jsonContentType = []string{"application/json"}
	noSniff         = []string{"nosniff"}
)

// writeBody writes pre-encoded JSON, with its ETag when it has one. The
// explicit Content-Length lets net/http send the body as is, never chunked.
func writeBody(w http.ResponseWriter, status int, etag string, body []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = noSniff
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	if etag != "" {
		h["Etag"] = []string{etag}
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeCacheable answers 304 Not Modified when the client already holds
// this representation, and the body otherwise.
func writeCacheable(w http.ResponseWriter, r *http.Request, etag string, body []byte) {
	if !notModified(w, r, etag) {
		writeBody(w, http.StatusOK, etag, body)
	}
}

// notModified answers 304 and reports true when the client's If-None-Match
// holds etag, so a handler can skip building a body the client has.
func notModified(w http.ResponseWriter, r *http.Request, etag string) bool {
	if !etagMatches(r.Header.Get("If-None-Match"), etag) {
		return false
	}
	w.Header().Set("ETag", etag)
	w.WriteHeader(http.StatusNotModified)
	return true
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
