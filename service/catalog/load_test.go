package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMergesFilesInIDOrder(t *testing.T) {
	c, err := Load(os.DirFS("testdata/good"), "testdata/good")
	if err != nil {
		t.Fatalf("Load(testdata/good) error = %v", err)
	}
	var got []string
	for i := 0; i < c.Len(); i++ {
		got = append(got, c.At(i).ID)
	}
	if want := []string{"A1", "B2", "C3"}; !cmp.Equal(got, want) {
		t.Errorf("ids = %v, want %v (merged, sorted by id)", got, want)
	}
	wantCategories := []CategoryCount{{"cups", 2}, {"kettles", 1}, {"Outdoor", 1}}
	if diff := cmp.Diff(wantCategories, c.Categories()); diff != "" {
		t.Errorf("Categories() mismatch (-want +got):\n%s", diff)
	}
}

// The OpenTelemetry demo's catalog file must load unchanged: users of the
// demo bring exactly this file.
func TestLoadOpenTelemetryDemoCatalog(t *testing.T) {
	path := filepath.Join("..", "..", "..", "shared", "fixtures", "otel-demo", "products.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the compatibility fixture is required (shared/ beside the repository): %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "products.json"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := Load(os.DirFS(dir), dir)
	if err != nil {
		t.Fatalf("Load(otel-demo products.json) error = %v", err)
	}
	if c.Len() < 10 {
		t.Errorf("Len() = %d, want the demo's full catalog", c.Len())
	}
	pos, ok := c.Position("OLJCESPC7Z")
	if !ok {
		t.Fatalf("Position(%q) not found", "OLJCESPC7Z")
	}
	p := c.At(pos)
	if p.PriceUSD != (Money{CurrencyCode: "USD", Units: 101, Nanos: 960000000}) || p.Categories[0] != "telescopes" {
		t.Errorf("At(%d) = %+v, want the Explorascope as in the file", pos, p)
	}
	if got := c.Search(Query{Text: "TELESCOPE"}); got.Total == 0 {
		t.Errorf("Search(TELESCOPE).Total = 0, want matches")
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(os.DirFS("testdata/broken"), "testdata/broken")
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load(testdata/broken) error = %v, want *ValidationError", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`testdata/broken/fields.json: products[0]: id: is required and must not be empty`,
		`testdata/broken/fields.json: products[0]: name: is required and must not be empty`,
		`testdata/broken/fields.json: products[0]: priceUsd.currencyCode: must be 3 upper-case letters (ISO 4217), got "usd"`,
		`testdata/broken/fields.json: products[0]: priceUsd.units: must not be negative, got -1`,
		`testdata/broken/fields.json: products[0]: priceUsd.nanos: must be within 0..999999999, got 1000000000`,
		`testdata/broken/fields.json: products[0]: categories[0]: must not be empty`,
		`testdata/broken/fields.json: products[1] (id "X2"): colour: unknown field`,
		`testdata/broken/fields.json: products[1] (id "X2"): priceUsd.cents: unknown field`,
		`testdata/broken/fields.json: products[1] (id "X2"): priceUsd.units: must be an integer (64-bit), got string`,
		`testdata/broken/syntax.json:3:1: invalid JSON: invalid character ']' looking for beginning of object key string`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "invalid catalog: 10 problems\n") {
		t.Errorf("Error() = %q, want a count then one line per problem", msg)
	}
}

func TestLoadRejectsDuplicateIDsNamingBothFiles(t *testing.T) {
	_, err := Load(os.DirFS("testdata/duplicate"), "testdata/duplicate")
	want := `testdata/duplicate/b.json: products[0] (id "A1"): id: duplicate id: already used by testdata/duplicate/a.json products[1]`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load(testdata/duplicate) error = %v, want it to contain %q", err, want)
	}
}

func TestLoadRejectsEmptyCatalogs(t *testing.T) {
	tests := []struct {
		name, dir, want string
	}{
		{"no products", "testdata/empty", "no products in testdata/empty (1 files)"},
		{"no json files", t.TempDir(), "no *.json files in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(os.DirFS(tt.dir), tt.dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%s) error = %v, want it to contain %q", tt.dir, err, tt.want)
			}
		})
	}
}

func TestNewValidatesLikeLoad(t *testing.T) {
	valid := Product{ID: "P1", Name: "n", PriceUSD: Money{CurrencyCode: "USD"}}
	if _, err := New([]Product{valid, valid}); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Errorf("New(duplicate ids) error = %v, want duplicate id", err)
	}
	if _, err := New(nil); err == nil {
		t.Errorf("New(nil) error = nil, want an error")
	}
	c, err := New([]Product{valid})
	if err != nil || c.Len() != 1 {
		t.Errorf("New(one product) = %v, %v; want a catalog of 1", c, err)
	}
}
