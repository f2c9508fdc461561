package httpapi

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/product-catalog/product-catalog/service/catalog"
)

func TestParseListQuery(t *testing.T) {
	tests := []struct {
		raw     string
		want    catalog.Query
		wantErr string
	}{
		{"", catalog.Query{Limit: defaultLimit}, ""},
		{"q=Kettle&category=brewing&limit=5&offset=10", catalog.Query{Text: "Kettle", Category: "brewing", Limit: 5, Offset: 10}, ""},
		{"limit=1000", catalog.Query{Limit: 1000}, ""},
		{"q=" + strings.Repeat("é", 256), catalog.Query{Text: strings.Repeat("é", 256), Limit: defaultLimit}, ""},
		{"limit=abc", catalog.Query{}, `query parameter "limit": must be an integer from 1 to 1000, got "abc"`},
		{"offset=1e3", catalog.Query{}, `query parameter "offset"`},
		{"q=" + strings.Repeat("é", 257), catalog.Query{}, `query parameter "q": at most 256 characters, got 257`},
		{"category=%0a", catalog.Query{}, `query parameter "category": must not contain control characters`},
		{"limit=1&limit=2", catalog.Query{}, `query parameter "limit": given more than once`},
		{"Q=x", catalog.Query{}, `unknown query parameter "Q"`},
		{"_=1712345&limit=5", catalog.Query{Limit: 5}, ""},
	}
	for _, tt := range tests {
		got, err := parseQueryThenList(tt.raw)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseListQuery(%q) error = %v, want %q", tt.raw, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseListQuery(%q) = %+v, %v; want %+v", tt.raw, got, err, tt.want)
		}
	}
}

func FuzzParseListQuery(f *testing.F) {
	for _, seed := range []string{"", "q=kettle", "limit=10&offset=5", "category=cups&q=%C3%A9", "limit=-1", "q=%ff", "x=1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseQueryThenList(raw)
		if err != nil {
			var apiErr *apiError
			if !errors.As(err, &apiErr) || apiErr.Code != codeInvalid || statusOf(apiErr.Code) != 400 {
				t.Fatalf("parseListQuery(%q) error %v is not a 400 invalid_argument", raw, err)
			}
			return
		}
		if q.Limit < 1 || q.Limit > maxLimit || q.Offset < 0 {
			t.Fatalf("parseListQuery(%q) = %+v, outside the documented bounds", raw, q)
		}
		if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) > catalog.MaxTextRunes {
			t.Fatalf("parseListQuery(%q) accepted text %q", raw, q.Text)
		}
	})
}

// parseQueryThenList is what GET /products does with its raw query.
func parseQueryThenList(raw string) (catalog.Query, error) {
	values, err := parseQuery(raw, listParameters)
	if err != nil {
		return catalog.Query{}, err
	}
	return parseListQuery(values)
}

// One rule for every endpoint's query: strict percent-encoding, "&" only,
// known names once, names starting with "_" ignored.
func TestParseQuery(t *testing.T) {
	long := strings.Repeat("x", 64<<10)
	tests := []struct {
		raw     string
		known   []string
		want    url.Values
		wantErr string
	}{
		{"", nil, nil, ""},
		{"_=1712345", nil, url.Values{}, ""},
		{"q=a%20b&&limit=2&", listParameters, url.Values{"q": {"a b"}, "limit": {"2"}}, ""},
		{"q=kettle%ZZ", listParameters, nil, `query pair "q=kettle%ZZ": not valid percent-encoding`},
		{"limit=%ZZ", listParameters, nil, `query pair "limit=%ZZ": not valid percent-encoding`},
		{"li%mit=1", listParameters, nil, `query pair "li%mit=1": not valid percent-encoding`},
		{"limit=1;offset=3", listParameters, nil, `query pair "limit=1;offset=3": ";" is not a separator`},
		{"x=1", nil, nil, `unknown query parameter "x": this endpoint takes none`},
		{"q=1&q=2", listParameters, nil, `query parameter "q": given more than once`},
		{"q=" + long + "%ZZ", listParameters, nil, `… (65541 bytes)`},
	}
	for _, tt := range tests {
		got, err := parseQuery(tt.raw, tt.known)
		name := tt.raw
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("parseQuery(%q) error = %v, want %q", name, err, tt.wantErr)
			}
			if err != nil && len(err.Error()) > 300 {
				t.Errorf("parseQuery(%q) error is %d bytes long: it repeats too much of the request", name, len(err.Error()))
			}
			continue
		}
		if err != nil || !cmp.Equal(got, tt.want, cmpopts.EquateEmpty()) {
			t.Errorf("parseQuery(%q) = %v, %v; want %v", name, got, err, tt.want)
		}
	}
}
