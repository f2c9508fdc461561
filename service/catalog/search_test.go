package catalog_test

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/catalog/generate"
)

func product(id, name, desc string, categories ...string) catalog.Product {
	return catalog.Product{ID: id, Name: name, Description: desc,
		PriceUSD: catalog.Money{CurrencyCode: "USD"}, Categories: categories}
}

func mustNew(t testing.TB, products ...catalog.Product) *catalog.Catalog {
	t.Helper()
	c, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ids(c *catalog.Catalog, positions []int32) []string {
	out := []string{}
	for _, pos := range positions {
		out = append(out, c.At(int(pos)).ID)
	}
	return out
}

func TestSearch(t *testing.T) {
	c := mustNew(t,
		product("d", "Straße Kettle", "Brass and steel", "Kettles"),
		product("a", "Glass Dripper", "Pour-over cone", "brewing", "Glass"),
		product("c", "KELVIN Scale", "Weighs in grams", "scales"),
		product("b", "Café Mug", "Double-walled glass mug", "cups", "glass"),
		product("e", "Teapot 茶壶", "Cast iron teapot", "teaware"),
	)
	tests := []struct {
		query     catalog.Query
		wantIDs   []string
		wantTotal int
	}{
		{catalog.Query{}, []string{"a", "b", "c", "d", "e"}, 5},
		{catalog.Query{Text: "glass"}, []string{"a", "b"}, 2},            // name or description
		{catalog.Query{Text: "GLASS"}, []string{"a", "b"}, 2},            // case-insensitive
		{catalog.Query{Text: "CAFÉ"}, []string{"b"}, 1},                  // non-ASCII case folding
		{catalog.Query{Text: "\u212aelvin"}, []string{"c"}, 1},           // Kelvin sign folds to K
		{catalog.Query{Text: "茶壶"}, []string{"e"}, 1},                    // two-rune query, no trigram
		{catalog.Query{Text: "e"}, []string{"a", "b", "c", "d", "e"}, 5}, // one rune matches everywhere
		{catalog.Query{Text: "mugdouble"}, []string{}, 0},                // no match across name and description
		{catalog.Query{Text: "mug\x00double"}, []string{}, 0},            // nor through the separator
		{catalog.Query{Text: "cone"}, []string{"a"}, 1},
		{catalog.Query{Text: "missing"}, []string{}, 0},
		{catalog.Query{Category: "glass"}, []string{"a", "b"}, 2},
		{catalog.Query{Category: "KETTLES"}, []string{"d"}, 1},
		{catalog.Query{Category: "kettle"}, []string{}, 0}, // exact, not a substring
		{catalog.Query{Category: "glass", Text: "mug"}, []string{"b"}, 1},
		{catalog.Query{Limit: 2}, []string{"a", "b"}, 5},
		{catalog.Query{Offset: 3}, []string{"d", "e"}, 5},
		{catalog.Query{Offset: 1, Limit: 2}, []string{"b", "c"}, 5},
		{catalog.Query{Offset: 9}, []string{}, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.query), func(t *testing.T) {
			got := c.Search(tt.query)
			if diff := cmp.Diff(tt.wantIDs, ids(c, got.Positions)); diff != "" || got.Total != tt.wantTotal {
				t.Errorf("Search(%+v) total = %d, want %d; ids (-want +got):\n%s", tt.query, got.Total, tt.wantTotal, diff)
			}
		})
	}
}

// naiveSearch is the specification: fold both sides and scan everything.
func naiveSearch(products []catalog.Product, q catalog.Query) []string {
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			least := r
			for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
				if f < least {
					least = f
				}
			}
			return least
		}, s)
	}
	text := fold(q.Text)
	out := []string{}
	for _, p := range products {
		if q.Category != "" {
			found := false
			for _, c := range p.Categories {
				found = found || fold(c) == fold(q.Category)
			}
			if !found {
				continue
			}
		}
		if strings.Contains(fold(p.Name), text) || strings.Contains(fold(p.Description), text) {
			out = append(out, p.ID)
		}
	}
	return out
}

// The index must agree with a plain scan for every query, whatever its length.
func TestSearchAgreesWithScan(t *testing.T) {
	products := generate.Products(1000, 7)
	c := mustNew(t, products...)
	sorted := make([]catalog.Product, c.Len())
	for i := range sorted {
		sorted[i] = c.At(i)
	}
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 200; i++ {
		p := products[rng.Intn(len(products))]
		source := []rune(p.Name + " " + p.Description)
		start := rng.Intn(len(source))
		end := start + 1 + rng.Intn(12)
		if end > len(source) {
			end = len(source)
		}
		q := catalog.Query{Text: string(source[start:end])}
		if i%3 == 0 {
			q.Text = strings.ToUpper(q.Text)
		}
		if i%5 == 0 {
			q.Category = p.Categories[0]
		}
		got := c.Search(q)
		want := naiveSearch(sorted, q)
		if diff := cmp.Diff(want, ids(c, got.Positions)); diff != "" || got.Total != len(want) {
			t.Fatalf("Search(%+v) disagrees with a scan (-want +got):\n%s", q, diff)
		}
	}
}

// Broad queries are answered from the snapshot's cache the second time:
// the answer must be the same as the first time and as a plain scan, in any
// order of queries, including a category filter on the same text.
func TestSearchCachedAgreesWithScan(t *testing.T) {
	c := mustNew(t, generate.Products(5_000, 11)...) // broad queries pass cacheMinCandidates
	sorted := make([]catalog.Product, c.Len())
	for i := range sorted {
		sorted[i] = c.At(i)
	}
	queries := []catalog.Query{
		{Text: "copper"}, {Text: "COPPER", Category: "kettles"}, {Text: "hot for hours"},
		{Text: "copper", Offset: 10, Limit: 5}, {Text: "ångström"}, {Text: "copper"},
	}
	for round := 0; round < 2; round++ {
		for _, q := range queries {
			got := c.Search(q)
			want := naiveSearch(sorted, catalog.Query{Text: q.Text, Category: q.Category})
			if got.Total != len(want) {
				t.Fatalf("round %d: Search(%+v).Total = %d, want %d", round, q, got.Total, len(want))
			}
			end := min(q.Offset+q.Limit, len(want))
			if q.Limit == 0 {
				end = len(want)
			}
			if diff := cmp.Diff(want[q.Offset:end], ids(c, got.Positions)); diff != "" {
				t.Fatalf("round %d: Search(%+v) disagrees with a scan (-want +got):\n%s", round, q, diff)
			}
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, s := range []string{"", "a", "kettle", "CAFÉ", "ß", "\u212a", "glass mug", "\x00"} {
		f.Add(s, "")
	}
	f.Add("steel", "brewing")
	c := mustNew(f, generate.Products(300, 3)...)
	sorted := make([]catalog.Product, c.Len())
	for i := range sorted {
		sorted[i] = c.At(i)
	}
	f.Fuzz(func(t *testing.T, text, category string) {
		q := catalog.Query{Text: text, Category: category}
		got := c.Search(q)
		want := naiveSearch(sorted, q)
		if strings.ContainsRune(text, 0) {
			want = []string{}
		}
		if diff := cmp.Diff(want, ids(c, got.Positions)); diff != "" {
			t.Fatalf("Search(%+v) disagrees with a scan (-want +got):\n%s", q, diff)
		}
	})
}

// Pages of queries the index answers from bitmaps alone (one rune; a
// trigram most products hold) are the scan's pages, at every offset and
// limit, and count every match.
func TestPagesFromBitmapsAgreeWithScan(t *testing.T) {
	products := generate.Products(1000, 5)
	c := mustNew(t, products...)
	sorted := make([]catalog.Product, c.Len())
	for i := range sorted {
		sorted[i] = c.At(i)
	}
	for _, text := range []string{"e", "E", "a", "é", "z", "ste", "the", "STE"} {
		want := naiveSearch(sorted, catalog.Query{Text: text})
		for _, page := range []struct{ offset, limit int }{{0, 1}, {0, 20}, {5, 20}, {63, 2}, {64, 70}, {len(want) - 3, 20}, {len(want), 5}, {0, 1000}} {
			if page.offset < 0 {
				continue
			}
			got := c.Search(catalog.Query{Text: text, Offset: page.offset, Limit: page.limit})
			end := min(page.offset+page.limit, len(want))
			wantPage := []string{}
			if page.offset < len(want) {
				wantPage = want[page.offset:end]
			}
			if got.Total != len(want) {
				t.Errorf("Search(%q, offset %d, limit %d).Total = %d, want %d", text, page.offset, page.limit, got.Total, len(want))
			}
			if diff := cmp.Diff(wantPage, ids(c, got.Positions), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Search(%q, offset %d, limit %d) disagrees with a scan (-want +got):\n%s", text, page.offset, page.limit, diff)
			}
		}
	}
}
