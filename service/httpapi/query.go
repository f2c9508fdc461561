package httpapi

import (
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/echo"
)

// Limits of GET /products, documented in openapi.json.
const (
	defaultLimit = catalog.MaxResults
	maxLimit     = catalog.MaxResults
)

// parseQuery reads a raw query string strictly, the same rule for every
// endpoint: pairs are separated by "&" only (a ";" is refused, not taken
// as a separator), every name and value is valid percent-encoding, each
// name is one the route knows and is given once. Names that start with "_"
// are ignored anywhere: clients add them to bust caches ("_=1712345").
// net/http's own parsing would drop a bad pair silently and answer as if
// it had not been sent. The error names the pair at fault, bounded.
func parseQuery(raw string, known []string) (url.Values, error) {
	if raw == "" {
		return nil, nil
	}
	values := url.Values{}
	for _, pair := range strings.Split(raw, "&") {
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, errorf(codeInvalid, "query pair %s: %q is not a separator; use %q", echo.Quoted(pair), ";", "&")
		}
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		if err == nil {
			var value string
			if value, err = url.QueryUnescape(rawValue); err == nil {
				if strings.HasPrefix(name, "_") {
					continue
				}
				if !slices.Contains(known, name) {
					return nil, unknownParameter(name, known)
				}
				if values.Has(name) {
					return nil, errorf(codeInvalid, "query parameter %s: given more than once, at most once", echo.Quoted(name))
				}
				values.Set(name, value)
				continue
			}
		}
		return nil, errorf(codeInvalid, "query pair %s: not valid percent-encoding", echo.Quoted(pair))
	}
	return values, nil
}

func unknownParameter(name string, known []string) error {
	if len(known) == 0 {
		return errorf(codeInvalid, "unknown query parameter %s: this endpoint takes none (names starting with _ are ignored)", echo.Quoted(name))
	}
	return errorf(codeInvalid, "unknown query parameter %s: known ones are %s (names starting with _ are ignored)", echo.Quoted(name), strings.Join(known, ", "))
}

// listParameters are the query parameters of GET /products.
var listParameters = []string{"q", "category", "limit", "offset"}

// parseListQuery turns the checked query of GET /products into a catalog
// query, or an error naming the parameter at fault.
func parseListQuery(values url.Values) (catalog.Query, error) {
	q := catalog.Query{Limit: defaultLimit}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		value := values.Get(name)
		var err error
		switch name {
		case "q":
			q.Text, err = parseText(name, value)
		case "category":
			q.Category, err = parseText(name, value)
		case "limit":
			q.Limit, err = parseInt(name, value, 1, maxLimit)
		case "offset":
			q.Offset, err = parseInt(name, value, 0, int(^uint32(0)>>1))
		default:
			err = unknownParameter(name, listParameters)
		}
		if err != nil {
			return catalog.Query{}, err
		}
	}
	return q, nil
}

func parseText(name, value string) (string, error) {
	if err := catalog.CheckText(value); err != nil {
		return "", errorf(codeInvalid, "query parameter %q: %v", name, err)
	}
	return value, nil
}

func parseInt(name, value string, min, max int) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < min || n > max {
		return 0, errorf(codeInvalid, "query parameter %q: must be an integer from %d to %d, got %s", name, min, max, echo.Quoted(value))
	}
	return n, nil
}
