package httpapi

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// Limits of GET /products, documented in openapi.json.
const (
	maxTextRunes = 256
	defaultLimit = 1000
	maxLimit     = 1000
)

// parseListQuery turns the query string of GET /products into a catalog
// query, or an error naming the parameter at fault.
func parseListQuery(values url.Values) (catalog.Query, error) {
	q := catalog.Query{Limit: defaultLimit}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		vals := values[name]
		if len(vals) > 1 {
			return catalog.Query{}, errorf(codeInvalid, "query parameter %q: given %d times, at most once", name, len(vals))
		}
		value := vals[0]
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
			err = errorf(codeInvalid, "unknown query parameter %q: known ones are q, category, limit, offset", name)
		}
		if err != nil {
			return catalog.Query{}, err
		}
	}
	return q, nil
}

func parseText(name, value string) (string, error) {
	switch {
	case !utf8.ValidString(value):
		return "", errorf(codeInvalid, "query parameter %q: must be valid UTF-8", name)
	case utf8.RuneCountInString(value) > maxTextRunes:
		return "", errorf(codeInvalid, "query parameter %q: at most %d characters, got %d", name, maxTextRunes, utf8.RuneCountInString(value))
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		return "", errorf(codeInvalid, "query parameter %q: must not contain control characters", name)
	}
	return value, nil
}

func parseInt(name, value string, min, max int) (int, error) {
	n, err := strconv.Atoi(value)
	if err != nil || n < min || n > max {
		return 0, errorf(codeInvalid, "query parameter %q: must be an integer from %d to %d, got %q", name, min, max, value)
	}
	return n, nil
}
