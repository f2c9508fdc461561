package catalog_test

import (
	"encoding/json"
	"testing"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/catalog/generate"
)

// The catalog's encoding is what encoding/json gives, byte for byte: the
// REST API's bodies and ETags were json.Marshal's, and clients compare them.
func TestEncodingIsJSONMarshal(t *testing.T) {
	products := append(generate.Products(200, 5),
		catalog.Product{ID: "ESC1", Name: `"quoted" <b>&amp;</b> \ back`, Description: "ünïcödé 日本 😀 \u2028\u2029",
			Picture: "x.jpg", PriceUSD: catalog.Money{CurrencyCode: "USD", Units: 3, Nanos: 5}},
		catalog.Product{ID: "NONE1", Name: "n", Description: "d", Picture: "y.jpg", PriceUSD: catalog.Money{CurrencyCode: "EUR"}, Categories: []string{"a&b", "plain"}},
	)
	c, err := catalog.New(products)
	if err != nil {
		t.Fatal(err)
	}
	for i := range c.Len() {
		p := c.At(i)
		if p.Categories == nil {
			p.Categories = []string{}
		}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.JSON(i); got != string(want) {
			t.Errorf("JSON(%d) = %s\nwant %s", i, got, want)
		}
	}
}
