package catalog_test

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"testing/fstest"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/catalog/generate"
)

// benchSizes are the generated catalog sizes every search benchmark runs
// on; the ratio between them shows how search time grows.
var benchSizes = []int{1_000, 10_000, 100_000}

func generated(b *testing.B, n int) *catalog.Catalog {
	b.Helper()
	return mustNew(b, generate.Products(n, 42)...)
}

// BenchmarkSearch measures each query on a fresh snapshot (uncached: the
// index's own cost, paid once per query and snapshot) and on a snapshot that
// has answered it before (cached: what a repeated query costs).
func BenchmarkSearch(b *testing.B) {
	queries := []struct {
		name  string
		query catalog.Query
	}{
		{"rare", catalog.Query{Text: "AB-12", Limit: 1000}},    // a model-code prefix: few matches
		{"word", catalog.Query{Text: "ångström", Limit: 1000}}, // one adjective of many: ~11% match
		{"phrase", catalog.Query{Text: "hot for hours", Limit: 1000}},
		{"category+text", catalog.Query{Text: "copper", Category: "kettles", Limit: 1000}},
		// Two runes the index cannot narrow, matching nothing: every product
		// is checked, which is why empty answers are cached too.
		{"none", catalog.Query{Text: "漢字", Limit: 1000}},
	}
	for _, n := range benchSizes {
		c := generated(b, n)
		for _, q := range queries {
			b.Run(fmt.Sprintf("uncached/%s/n=%d", q.name, n), func(b *testing.B) {
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					c.ForgetSearches()
					c.Search(q.query)
				}
			})
			b.Run(fmt.Sprintf("cached/%s/n=%d", q.name, n), func(b *testing.B) {
				c.Search(q.query)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					c.Search(q.query)
				}
			})
		}
	}
}

func BenchmarkPosition(b *testing.B) {
	c := generated(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ok := c.Position("GEN-0054321"); !ok {
			b.Fatal("GEN-0054321 not found")
		}
	}
}

// BenchmarkLoad reads, parses and validates a catalog from JSON files,
// what a start or a reload costs.
func BenchmarkLoad(b *testing.B) {
	for _, n := range benchSizes {
		data, err := json.Marshal(map[string]any{"products": generate.Products(n, 42)})
		if err != nil {
			b.Fatal(err)
		}
		fsys := fstest.MapFS{"generated.json": {Data: data}}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				if _, err := catalog.Load(fsys, "generated", catalog.DefaultLimits); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("repository", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := catalog.Load(os.DirFS("../../products"), "products", catalog.DefaultLimits); err != nil {
				b.Fatal(err)
			}
		}
	})
}
