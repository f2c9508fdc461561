package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const validProduct = `{"id": "P1", "name": "Pot", "description": "d", "picture": "p.jpg",
  "priceUsd": {"currencyCode": "USD", "units": 1, "nanos": 5}, "categories": ["c"]}`

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []string // Problem.String() of each problem, in order
	}{
		{"valid", `{"products": [` + validProduct + `]}`, nil},
		{"empty products array", `{"products": []}`, nil},
		{"not JSON", `products`, []string{"f.json:1:1: invalid JSON: invalid character 'p' looking for beginning of value"}},
		{"syntax error on line 2", "{\"products\": [\n  {\"id\": }]}", []string{"f.json:2:10: invalid JSON: invalid character '}' looking for beginning of value"}},
		{"truncated", `{"products": [`, []string{"f.json:1:14: invalid JSON: unexpected end of JSON input"}},
		{"top level array", `[]`, []string{`f.json: must be a JSON object with a "products" array`}},
		{"null document", `null`, []string{`f.json: must be a JSON object with a "products" array`}},
		{"missing products", `{}`, []string{`f.json: products: is required: the file must hold {"products": [...]}`}},
		{"products not an array", `{"products": {}}`, []string{"f.json: products: must be an array of products"}},
		{"unknown top-level field", `{"products": [], "version": 2}`, []string{"f.json: version: unknown field"}},
		{"trailing data", `{"products": []} {}`, []string{"f.json:1:18: invalid JSON: invalid character '{' after top-level value"}},
		{"product not an object", `{"products": [1]}`, []string{"f.json: products[0]: must be a JSON object"}},
		{"missing id and name", `{"products": [{"priceUsd": {"currencyCode": "USD"}}]}`, []string{
			"f.json: products[0]: id: is required and must not be empty",
			"f.json: products[0]: name: is required and must not be empty",
		}},
		{"id with a slash", `{"products": [{"id": "a/b", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a/b"): id: must not contain U+002F (a slash): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a space", `{"products": [{"id": "a b", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a b"): id: must not contain U+0020 (white space): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a zero-width space", `{"products": [{"id": "a\u200bb", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a\u200bb"): id: must not contain U+200B (a format character): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a U+2010 hyphen", `{"products": [{"id": "a\u2010b", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a\u2010b"): id: must not contain U+2010 (neither a letter, a mark, a digit nor one of - . _ ~): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a right-to-left override", `{"products": [{"id": "a\u202eb", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a\u202eb"): id: must not contain U+202E (a bidirectional control): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a byte order mark", `{"products": [{"id": "\ufeffa", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "\ufeffa"): id: must not contain U+FEFF (a format character): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a variation selector", `{"products": [{"id": "a\ufe0f", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a\ufe0f"): id: must not contain U+FE0F (a default-ignorable character): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id with a private-use character", `{"products": [{"id": "a\ue000", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "a\ue000"): id: must not contain U+E000 (a private-use or surrogate code point): it is part of the URL /products/{id}, and ids that look alike must be equal`,
		}},
		{"id in NFD", `{"products": [{"id": "e\u0301", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "e\u0301"): id: must be in Unicode normalization form C (NFC), as "\u00e9" is: ids that look alike must be equal`,
		}},
		{"id dot", `{"products": [{"id": ".", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id "."): id: must not be ".": a URL removes that path segment, so /products/. would never reach it`,
		}},
		{"id dot dot", `{"products": [{"id": "..", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[0] (id ".."): id: must not be "..": a URL removes that path segment, so /products/.. would never reach it`,
		}},
		{"ids of any script, in NFC, with unreserved punctuation", `{"products": [{"id": "Caf\u00e9-\u6771\u4eac_1.2~x", "name": "n", "priceUsd": {"currencyCode": "USD"}}]}`, nil},
		{"currency code", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "US"}}]}`, []string{
			`f.json: products[0] (id "a"): priceUsd.currencyCode: must be 3 upper-case letters (ISO 4217), got "US"`,
		}},
		{"negative nanos", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "USD", "nanos": -1}}]}`, []string{
			`f.json: products[0] (id "a"): priceUsd.nanos: must be within 0..999999999, got -1`,
		}},
		{"nanos beyond int32", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "USD", "nanos": 5000000000}}]}`, []string{
			`f.json: products[0] (id "a"): priceUsd.nanos: must be an integer (32-bit), got number 5000000000`,
		}},
		{"fractional units", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "USD", "units": 1.5}}]}`, []string{
			`f.json: products[0] (id "a"): priceUsd.units: must be an integer (64-bit), got number 1.5`,
		}},
		{"price not an object", `{"products": [{"id": "a", "name": "n", "priceUsd": 3}]}`, []string{
			`f.json: products[0] (id "a"): priceUsd: must be a JSON object`,
		}},
		{"categories not strings", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "USD"}, "categories": [1]}]}`, []string{
			`f.json: products[0] (id "a"): categories: must be an array of strings, got number`,
		}},
		{"blank category", `{"products": [{"id": "a", "name": "n", "priceUsd": {"currencyCode": "USD"}, "categories": ["x", "  "]}]}`, []string{
			`f.json: products[0] (id "a"): categories[1]: must not be empty`,
		}},
		{"second product only", `{"products": [` + validProduct + `, {"id": "Q", "name": "", "priceUsd": {"currencyCode": "USD"}}]}`, []string{
			`f.json: products[1] (id "Q"): name: is required and must not be empty`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := Parse("f.json", []byte(tt.data))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%s) problems mismatch (-want +got):\n%s", tt.data, diff)
			}
		})
	}
}

func TestParseKeepsEveryField(t *testing.T) {
	products, problems := Parse("f.json", []byte(`{"products": [`+validProduct+`]}`))
	if len(problems) > 0 {
		t.Fatalf("Parse problems = %v", problems)
	}
	want := []Product{{ID: "P1", Name: "Pot", Description: "d", Picture: "p.jpg",
		PriceUSD: Money{CurrencyCode: "USD", Units: 1, Nanos: 5}, Categories: []string{"c"}}}
	if diff := cmp.Diff(want, products); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
}

func TestValidationErrorIsBounded(t *testing.T) {
	var problems []Problem
	for i := 0; i < maxReported+7; i++ {
		problems = append(problems, Problem{File: "f.json", Index: i, Field: "name", Message: "bad"})
	}
	msg := (&ValidationError{Problems: problems}).Error()
	if got := strings.Count(msg, "\n"); got != maxReported+1 {
		t.Errorf("Error() has %d lines after the first, want %d", got, maxReported+1)
	}
	if !strings.HasSuffix(msg, "... and 7 more") {
		t.Errorf("Error() ends %q, want the count of problems left out", msg[len(msg)-20:])
	}
}

// FuzzParse checks that Parse never panics and that what it accepts
// survives a round trip through build and search.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*", "*.json"))
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		products, problems := Parse("fuzz.json", data)
		for _, p := range problems {
			if p.File != "fuzz.json" || p.Message == "" {
				t.Fatalf("problem %+v lacks its file or message", p)
			}
		}
		if len(problems) > 0 || len(products) == 0 {
			return
		}
		c, err := New(products)
		if err != nil {
			return // duplicate ids are found across the catalog, not by Parse
		}
		if got := c.Search(Query{}).Total; got != len(products) {
			t.Fatalf("Search(all).Total = %d, want %d", got, len(products))
		}
	})
}
