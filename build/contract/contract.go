// Package contract holds the service's HTTP exchanges to openapi.json
// with kin-openapi's validator, a third party's reading of the document
// rather than ours.
package contract

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Exchange is one request and its response as service/wiretap records
// them, a JSON line each.
type Exchange struct {
	Source         string      `json:"source"`
	Method         string      `json:"method"`
	Target         string      `json:"target"`
	RequestHeader  http.Header `json:"requestHeader"`
	Status         int         `json:"status"`
	ResponseHeader http.Header `json:"responseHeader"`
	Body           []byte      `json:"body"`
}

// genericHeaders may be on any response without the document naming
// them: they describe the message itself, not the API.
var genericHeaders = []string{"Content-Type", "Content-Length", "Date", "X-Content-Type-Options"}

// Contract is a loaded, validated document and its router.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
	errors *openapi3.Schema
}

// Load reads and validates the document at file.
func Load(ctx context.Context, file string) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(file)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("%s is not a valid OpenAPI document: %w", file, err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	envelope, ok := doc.Components.Schemas["Error"]
	if !ok || envelope.Value == nil {
		return nil, fmt.Errorf("%s: components.schemas.Error is missing", file)
	}
	return &Contract{doc: doc, router: router, errors: envelope.Value}, nil
}

// Operation names one documented answer: "GET /products/{id} 404".
type Operation struct {
	Method, Path string
}

func (o Operation) String() string { return o.Method + " " + o.Path }

// Documented lists every operation and the statuses it documents.
func (c *Contract) Documented() map[Operation][]string {
	out := map[Operation][]string{}
	for p, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			out[Operation{method, p}] = slices.Sorted(maps.Keys(op.Responses.Map()))
		}
	}
	return out
}

// Verdict is what Check found of one exchange.
type Verdict struct {
	// Operation is the documented operation the request routed to; zero
	// for a path or method the document does not have.
	Operation Operation
	// RequestInvalid says why the document calls the request invalid, or
	// is empty.
	RequestInvalid string
}

// Check holds one exchange to the document: a request the document calls
// invalid must have been refused, a valid one must not have been, and the
// response (status, headers, body) must be one the operation documents.
// Requests to paths or methods the document lacks must get its error
// envelope: 404, 405 with Allow, or a redirect to the clean path.
func (c *Contract) Check(ctx context.Context, x Exchange) (Verdict, error) {
	req, err := http.NewRequestWithContext(ctx, x.Method, "http://product-catalog/", nil)
	if err != nil {
		return Verdict{}, fmt.Errorf("request: %w", err)
	}
	// The target as the server reads its request line: a "#" is part of
	// the query, not the start of a fragment.
	if req.URL, err = url.ParseRequestURI(x.Target); err != nil {
		return Verdict{}, fmt.Errorf("request target: %w", err)
	}
	req.URL.Scheme, req.URL.Host = "http", "product-catalog"
	req.Header = x.RequestHeader.Clone()
	body, err := decoded(x)
	if err != nil {
		return Verdict{}, err
	}
	route, pathParams, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		return Verdict{}, c.checkUnrouted(x, req.URL.Path, req.URL.RawQuery, body)
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return Verdict{}, c.checkMethodNotAllowed(x, body)
	case err != nil:
		return Verdict{}, fmt.Errorf("route: %w", err)
	}
	v := Verdict{Operation: Operation{x.Method, route.Path}}
	v.RequestInvalid = breaksQueryRules(req.URL.RawQuery, route.Operation)
	// SkipSettingDefaults: otherwise the validator rewrites the request's
	// query with its defaults filled in, and drops the pairs it cannot parse.
	options := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true, SkipSettingDefaults: true}
	input := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: options}
	if err := openapi3filter.ValidateRequest(ctx, input); err != nil && v.RequestInvalid == "" {
		v.RequestInvalid = err.Error()
	}
	refused := x.Status == http.StatusBadRequest || (x.Method == http.MethodOptions && x.Status == http.StatusMethodNotAllowed)
	switch {
	case v.RequestInvalid != "" && !refused:
		return v, fmt.Errorf("the document calls the request invalid (%s), but it was answered %d", v.RequestInvalid, x.Status)
	case v.RequestInvalid == "" && x.Status == http.StatusBadRequest:
		return v, fmt.Errorf("the document calls the request valid, but it was answered 400: %s", body)
	}
	responseOptions := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true, ExcludeResponseBody: x.Method == http.MethodHead}
	input.Options = responseOptions
	response := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: input, Status: x.Status, Header: x.ResponseHeader,
		Body: io.NopCloser(bytes.NewReader(body)), Options: responseOptions,
	}
	if err := openapi3filter.ValidateResponse(ctx, response); err != nil {
		return v, fmt.Errorf("response: %w", err)
	}
	return v, c.checkHeadersDocumented(x, route.Operation)
}

// decoded is the response body with its Content-Encoding undone, which
// the document describes the body without.
func decoded(x Exchange) ([]byte, error) {
	switch encoding := x.ResponseHeader.Get("Content-Encoding"); encoding {
	case "":
		return x.Body, nil
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(x.Body))
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip: %w", err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			return nil, fmt.Errorf("Content-Encoding gzip: %w", err)
		}
		return plain, nil
	default:
		return nil, fmt.Errorf("Content-Encoding %q is not one the document names", encoding)
	}
}

// breaksQueryRules applies the rules that info.description gives every
// endpoint and that OpenAPI 3.0 cannot express in a schema: "&" alone
// separates pairs, percent-encoding is valid, values are UTF-8, every name is a documented
// query parameter or starts with "_", and none repeats.
func breaksQueryRules(raw string, op *openapi3.Operation) string {
	known := map[string]bool{}
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			known[p.Value.Name] = true
		}
	}
	seen := map[string]bool{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return fmt.Sprintf("query pair %q holds a %q", pair, ";")
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err != nil {
			return fmt.Sprintf("query pair %q: %v", pair, err)
		}
		value, err := url.QueryUnescape(rawValue)
		if err != nil {
			return fmt.Sprintf("query pair %q: %v", pair, err)
		}
		if !utf8.ValidString(value) {
			return fmt.Sprintf("query pair %q: the value is not UTF-8", pair)
		}
		if strings.HasPrefix(name, "_") {
			continue
		}
		if !known[name] {
			return fmt.Sprintf("query parameter %q is not documented for this operation", name)
		}
		if seen[name] {
			return fmt.Sprintf("query parameter %q is given twice", name)
		}
		seen[name] = true
	}
	return ""
}

// checkUnrouted: a path the document lacks is either unclean, and
// redirected to its clean form (escaped, so that it is a path on this
// host), or unknown, and answered 404. An unclean path whose clean form a
// browser would read as another host ("//" once it drops tabs and newlines
// and reads "\\" as "/") is unknown: no redirect may name it.
func (c *Contract) checkUnrouted(x Exchange, p, rawQuery string, body []byte) error {
	clean := path.Clean(p)
	asBrowser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(clean)
	if clean != p && !(strings.HasSuffix(p, "/") && clean == strings.TrimSuffix(p, "/")) && !strings.HasPrefix(asBrowser, "//") {
		if !validPercentEncoding(rawQuery) {
			if x.Status != http.StatusBadRequest {
				return fmt.Errorf("unclean path %q with the query %q, not valid percent-encoding, answered %d, want 400", p, rawQuery, x.Status)
			}
			return c.checkEnvelope(x, body, "invalid_argument")
		}
		clean = (&url.URL{Path: clean}).EscapedPath()
		want := http.StatusPermanentRedirect
		if x.Method == http.MethodGet || x.Method == http.MethodHead {
			want = http.StatusMovedPermanently
		}
		if x.Status != want {
			return fmt.Errorf("unclean path %q answered %d, want %d", p, x.Status, want)
		}
		if location := x.ResponseHeader.Get("Location"); !strings.HasPrefix(location, clean) {
			return fmt.Errorf("unclean path %q redirected to %q, want %q", p, location, clean)
		}
		return c.checkEnvelope(x, body, "moved_permanently")
	}
	if x.Status != http.StatusNotFound {
		return fmt.Errorf("path %q is not in the document, but it was answered %d", p, x.Status)
	}
	return c.checkEnvelope(x, body, "not_found")
}

// validPercentEncoding reports whether every "%" in s starts an escape of
// two hex digits.
func validPercentEncoding(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHexDigit(s[i+1]) || !isHexDigit(s[i+2]) {
			return false
		}
		i += 2
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func (c *Contract) checkMethodNotAllowed(x Exchange, body []byte) error {
	if x.Status != http.StatusMethodNotAllowed {
		return fmt.Errorf("method %s is not in the document for this path, but it was answered %d", x.Method, x.Status)
	}
	if x.ResponseHeader.Get("Allow") == "" {
		return fmt.Errorf("405 without an Allow header")
	}
	return c.checkEnvelope(x, body, "method_not_allowed")
}

// checkEnvelope holds an answer the document has no operation for to its
// error schema, with kin-openapi's schema validator.
func (c *Contract) checkEnvelope(x Exchange, body []byte, code string) error {
	if x.ResponseHeader.Get("X-Request-ID") == "" {
		return fmt.Errorf("%d without an X-Request-ID", x.Status)
	}
	if x.Method == http.MethodHead {
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return fmt.Errorf("%d body is not JSON: %w", x.Status, err)
	}
	if err := c.errors.VisitJSON(value); err != nil {
		return fmt.Errorf("%d body is not the error envelope: %w", x.Status, err)
	}
	if got := value.(map[string]any)["error"].(map[string]any)["code"]; got != code {
		return fmt.Errorf("%d body has code %v, want %s", x.Status, got, code)
	}
	return nil
}

// checkHeadersDocumented: every header of the response is one the
// operation documents for that status, or a generic one.
func (c *Contract) checkHeadersDocumented(x Exchange, op *openapi3.Operation) error {
	response := op.Responses.Status(x.Status)
	if response == nil || response.Value == nil {
		return fmt.Errorf("status %d is not documented", x.Status)
	}
	for name := range x.ResponseHeader {
		if slices.Contains(genericHeaders, name) {
			continue
		}
		if _, ok := response.Value.Headers[name]; ok {
			continue
		}
		documented := false
		for key := range response.Value.Headers {
			documented = documented || http.CanonicalHeaderKey(key) == name
		}
		if !documented {
			return fmt.Errorf("response header %s is not documented for %d", name, x.Status)
		}
	}
	return nil
}
