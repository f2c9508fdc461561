package httpapi

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes are part of the API: clients may switch on them.
const (
	codeInvalid          = "invalid_argument"
	codeNotFound         = "not_found"
	codeMethodNotAllowed = "method_not_allowed"
	codeUnavailable      = "unavailable"
	codeInternal         = "internal"
	// codeMoved is not an error: the body of a redirect to a clean path,
	// in the same envelope so clients parse every answer alike.
	codeMoved = "moved_permanently"
)

// statusOf maps each error code to its HTTP status, in one place.
func statusOf(code string) int {
	switch code {
	case codeInvalid:
		return http.StatusBadRequest
	case codeNotFound:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case codeUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// apiError is an error a client is meant to read.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) error {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// writeError writes err as {"error": {"code", "message"}}. Anything that is
// not an *apiError is an internal error: the client sees a short message,
// and the caller has logged the details.
func writeError(w http.ResponseWriter, err error) {
	var e *apiError
	if !errors.As(err, &e) {
		e = &apiError{Code: codeInternal, Message: "internal error"}
	}
	writeJSON(w, statusOf(e.Code), struct {
		Error *apiError `json:"error"`
	}{e})
}
