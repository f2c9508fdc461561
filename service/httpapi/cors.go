package httpapi

import (
	"net/http"

	"github.com/rs/cors"
)

// withCORS lets pages from origins read the API from a browser, with
// rs/cors: simple GET and HEAD requests, and the preflight OPTIONS a
// browser sends first when a request carries If-None-Match or
// X-Request-ID. No credentials: the API has none to share.
//
// It runs inside observe, so a preflight gets an X-Request-ID, an access
// log line and a metric under its route like any request; and a preflight
// for a path no route serves goes to the router, which answers 404, rather
// than being allowed.
func withCORS(origins []string, rt *router, next func(*statusRecorder, *http.Request)) func(*statusRecorder, *http.Request) {
	handler := cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead},
		AllowedHeaders:   []string{"If-None-Match", "X-Request-ID"},
		ExposedHeaders:   []string{"ETag", "X-Request-ID"},
		AllowCredentials: false,
		MaxAge:           600,
	}).Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// rs/cors hands on the writer it was given: the recorder.
		next(w.(*statusRecorder), r)
	}))
	return func(rec *statusRecorder, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			served := rt.routeOf(r)
			if served == nil {
				next(rec, r)
				return
			}
			rec.route, rec.probe = served.template, served.probe
		}
		handler.ServeHTTP(rec, r)
	}
}
