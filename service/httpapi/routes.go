package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/gorilla/mux"

	"github.com/product-catalog/product-catalog/service/echo"
	"github.com/product-catalog/product-catalog/service/metrics"
)

// route is one entry of the API surface.
type route struct {
	// template is the path template: the route's name in logs and metrics,
	// and its key in openapi.json.
	template string
	// probe marks the routes orchestrators and scrapers poll: their
	// requests log at debug level, so they do not drown the request log.
	probe bool
	// params are the query parameters the route takes (parseQuery).
	params []string
	serve  routeHandler
	// prefix and variable: a template ending in one {variable} segment
	// matches prefix and one non-empty segment; without a variable, the
	// template itself.
	prefix, variable string
}

// routeVars are the variables of the path a route matched, and its query,
// checked. They are passed to its handler: no handler parses the path or
// the query again, and none can reach mux.Vars, which dispatch never fills
// (TestHandlersDoNotUseMuxVars).
type routeVars struct {
	id    string
	query url.Values
}

// routeHandler serves a request of one route.
type routeHandler func(w http.ResponseWriter, r *http.Request, vars routeVars)

// apiRoutes is the whole API surface; openapi.json documents each route.
// The hottest routes come first: mux tries them in order.
func apiRoutes(p *published, m *metrics.Metrics, readiness *Readiness, rs *responder) []route {
	return []route{
		{template: "/products/{id}", serve: handleGetProduct(p, rs)},
		{template: "/products", params: listParameters, serve: handleListProducts(p, rs)},
		{template: "/categories", serve: handleListCategories(p, rs)},
		{template: "/healthz", probe: true, serve: withoutVars(handleHealthz())},
		{template: "/readyz", probe: true, serve: withoutVars(handleReadyz(p, readiness))},
		{template: "/metrics", probe: true, serve: withoutVars(noSniffing(m.Handler()))},
		{template: "/openapi.json", serve: withoutVars(handleOpenAPI())},
	}
}

func withoutVars(h http.Handler) routeHandler {
	return func(w http.ResponseWriter, r *http.Request, _ routeVars) { h.ServeHTTP(w, r) }
}

// noSniffing adds to a handler not written here the header all of ours send.
func noSniffing(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Content-Type-Options"] = noSniff
		h.ServeHTTP(w, r)
	})
}

// router matches requests to routes with gorilla/mux.
//
// Routes match paths with string comparisons rather than mux path
// templates: mux turns each template into a regexp and runs it for every
// route it tries, and for a template with a variable runs it again to
// extract the variable. Those runs were a third of the cost of
// GET /products/{id} in BenchmarkServer. mux used as designed (templates,
// Router.ServeHTTP, mux.Vars) still costs about three times as much:
// BenchmarkRouting, 1 µs and 3 allocations against 3-6 µs and 9, with
// Go 1.26. TestRoutesMatchTheirTemplates and FuzzRoutes check each route
// against mux's own matching of its template.
type router struct {
	mux    *mux.Router
	routes []route
}

func newRouter(routes []route) *router {
	rt := &router{mux: mux.NewRouter(), routes: routes}
	get := []string{http.MethodGet, http.MethodHead}
	for i := range routes {
		r := &routes[i]
		r.prefix, r.variable = splitTemplate(r.template)
		rt.mux.MatcherFunc(r.matches).Methods(get...).Handler(r).Name(r.template)
	}
	rt.mux.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(codeNotFound, "no route for %s %s", echo.Cut(r.Method), echo.Cut(r.URL.Path)))
	})
	rt.mux.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := rt.allowedMethods(r)
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, errorf(codeMethodNotAllowed, "%s is not allowed on %s; allowed: %s", echo.Cut(r.Method), echo.Cut(r.URL.Path), strings.Join(allowed, ", ")))
	})
	return rt
}

// splitTemplate reads the two shapes of template the API has: a fixed path,
// or a fixed prefix and one {variable} as the last segment. Any other shape
// is a programming error, caught when the server is built.
func splitTemplate(template string) (prefix, variable string) {
	i := strings.IndexByte(template, '{')
	if i < 0 {
		return template, ""
	}
	if !strings.HasSuffix(template, "}") || template[i-1] != '/' || strings.ContainsAny(template[i+1:len(template)-1], "{}/") {
		panic(fmt.Sprintf("route template %q: only a trailing {variable} segment is supported", template))
	}
	return template[:i], template[i+1 : len(template)-1]
}

// matches is what mux's matching of the template would decide.
func (r *route) matches(req *http.Request, _ *mux.RouteMatch) bool {
	if r.variable == "" {
		return req.URL.Path == r.prefix
	}
	value, ok := strings.CutPrefix(req.URL.Path, r.prefix)
	return ok && value != "" && !strings.Contains(value, "/")
}

// vars are the variables of a path the route matched.
func (r *route) vars(path string) routeVars {
	if r.variable == "" {
		return routeVars{}
	}
	return routeVars{id: strings.TrimPrefix(path, r.prefix)}
}

// varsOf are the path's variables and the checked query of a request the
// route matched, or the error naming what in the query is wrong.
func (r *route) varsOf(req *http.Request) (routeVars, error) {
	vars := r.vars(req.URL.Path)
	var err error
	vars.query, err = parseQuery(req.URL.RawQuery, r.params)
	return vars, err
}

// ServeHTTP exists for mux's Handler type only: dispatch calls serve with
// the route's variables.
func (r *route) ServeHTTP(http.ResponseWriter, *http.Request) {
	panic("route " + r.template + " served outside dispatch")
}

// dispatch routes a request with mux's matcher, records the matched route
// in rec, and calls its handler with the path's variables. Router.ServeHTTP
// would put the route and its path variables in the request's context
// instead, copying the request twice: those copies were a quarter of the
// cost of GET /products/{id} in BenchmarkServer. A path that is not clean
// is answered as Router.ServeHTTP would, with a redirect to the clean path
// (redirectToCleanPath).
func (rt *router) dispatch(rec *statusRecorder, r *http.Request) {
	if !isCleanPath(r.URL.Path) {
		redirectToCleanPath(rec, r)
		return
	}
	var match mux.RouteMatch
	// The router has NotFound and MethodNotAllowed handlers, so every
	// request matches a handler; only a route's is one of ours.
	rt.mux.Match(r, &match)
	if matched, ok := match.Handler.(*route); ok {
		rec.route, rec.probe = matched.template, matched.probe
		vars, err := matched.varsOf(r)
		if err != nil {
			writeError(rec, err)
			return
		}
		matched.serve(rec, r, vars)
		return
	}
	if match.MatchErr == mux.ErrMethodMismatch {
		// A 405 is counted under the route whose path it asked for.
		if served := rt.routeOf(r); served != nil {
			rec.route, rec.probe = served.template, served.probe
		}
	}
	match.Handler.ServeHTTP(rec, r)
}

// routeOf is the route that serves r's path, whatever the method, or nil.
func (rt *router) routeOf(r *http.Request) *route {
	for i := range rt.routes {
		if rt.routes[i].matches(r, nil) {
			return &rt.routes[i]
		}
	}
	return nil
}

// redirectToCleanPath answers a path with empty, "." or ".." segments as mux
// would, with a redirect to its clean form, but in the API's JSON envelope
// and with the usual headers: 301 for GET and HEAD, 308 for other methods,
// which keeps the method (the clean path then answers 405 if it must).
//
// The Location is always a path on this host: the clean path is sent
// escaped, so a "\" or a control character in it cannot become a second
// "/" in a browser, and a path that a browser would still read as
// "//host" (it drops tabs and newlines, and takes "\" for "/") is not
// redirected at all but answered 404: no route serves it.
func redirectToCleanPath(w http.ResponseWriter, r *http.Request) {
	cleaned := cleanPath(r.URL.Path)
	if !onThisHost(cleaned) {
		writeError(w, errorf(codeNotFound, "no route for %s %s", echo.Cut(r.Method), echo.Cut(r.URL.Path)))
		return
	}
	query, err := locationQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, err)
		return
	}
	target := (&url.URL{Path: cleaned, RawQuery: query}).String()
	status := http.StatusMovedPermanently
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		status = http.StatusPermanentRedirect
	}
	w.Header().Set("Location", target)
	writeJSON(w, status, struct {
		Error *apiError `json:"error"`
	}{&apiError{Code: codeMoved, Message: "the path is not clean; use " + echo.Cut(target)}})
}

// locationQuery is the request's raw query made valid for a Location. The
// server takes it from the request line as sent, so it may hold a "#"
// (which would start a fragment) or bytes no URL may hold: those are
// percent-encoded, and what RFC 3986 allows in a query is kept as it is, so
// every pair reaches the clean path with the same name and value. A "%"
// that escapes nothing has no such value: the query is refused, as the
// clean path would refuse it (parseQuery), rather than given a meaning the
// client did not send.
func locationQuery(raw string) (string, error) {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '%':
			if i+2 >= len(raw) || !isHex(raw[i+1]) || !isHex(raw[i+2]) {
				return "", errorf(codeInvalid, "query %s: the %q at byte %d escapes nothing; the query must be valid percent-encoding", echo.Quoted(raw), "%", i)
			}
			b.WriteByte(c)
		case allowedInQuery(c):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
	}
	return b.String(), nil
}

// allowedInQuery reports whether RFC 3986 allows c unescaped in a query:
// unreserved, sub-delims, ":", "@", "/" and "?".
func allowedInQuery(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// onThisHost reports whether a browser resolving the path p would stay on
// this host: after it drops ASCII tabs and newlines and reads "\" as "/"
// (the URL standard's special-scheme parsing), p must not start with "//".
func onThisHost(p string) bool {
	seen := 0
	for i := 0; i < len(p) && seen < 2; i++ {
		switch p[i] {
		case '\t', '\n', '\r':
			continue
		case '/', '\\':
			seen++
		default:
			return seen == 1
		}
	}
	return seen == 1
}

// isCleanPath reports whether mux would serve p as it is rather than
// redirect to its cleaned form: no empty, "." or ".." segments, a trailing
// slash allowed.
func isCleanPath(p string) bool { return p != "" && p[0] == '/' && cleanPath(p) == p }

// cleanPath is p as mux would clean it: path.Clean, keeping a trailing
// slash.
func cleanPath(p string) string {
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	cleaned := path.Clean(p)
	if p[len(p)-1] == '/' && cleaned != "/" {
		cleaned += "/"
	}
	return cleaned
}

// allowedMethods lists the methods of the routes whose path matches r.
func (rt *router) allowedMethods(r *http.Request) []string {
	seen := map[string]bool{}
	_ = rt.mux.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		var match mux.RouteMatch
		if route.Match(r, &match) || match.MatchErr == mux.ErrMethodMismatch {
			methods, _ := route.GetMethods()
			for _, m := range methods {
				seen[m] = true
			}
		}
		return nil
	})
	allowed := make([]string, 0, len(seen))
	for m := range seen {
		allowed = append(allowed, m)
	}
	sort.Strings(allowed)
	return allowed
}
