package httpapi

import (
	"net/http"

	"github.com/rs/cors"
)

// withCORS lets pages from origins read the API from a browser, with
// rs/cors: simple GET and HEAD requests, and the preflight OPTIONS a
// browser sends first when a request carries If-None-Match or
// X-Request-ID. No credentials: the API has none to share.
func withCORS(origins []string, next http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodHead},
		AllowedHeaders:   []string{"If-None-Match", "X-Request-ID"},
		ExposedHeaders:   []string{"ETag", "X-Request-ID"},
		AllowCredentials: false,
		MaxAge:           600,
	}).Handler(next)
}
