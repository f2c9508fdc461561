package httpapi

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

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
		{"limit=1&limit=2", catalog.Query{}, `query parameter "limit": given 2 times`},
		{"Q=x", catalog.Query{}, `unknown query parameter "Q"`},
	}
	for _, tt := range tests {
		values, err := url.ParseQuery(tt.raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseListQuery(values)
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
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseListQuery(values)
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
		if !utf8.ValidString(q.Text) || utf8.RuneCountInString(q.Text) > maxTextRunes {
			t.Fatalf("parseListQuery(%q) accepted text %q", raw, q.Text)
		}
	})
}
