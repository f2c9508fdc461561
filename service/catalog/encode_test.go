package catalog

import (
	"encoding/json"
	"testing"
)

func FuzzEncodingIsJSONMarshal(f *testing.F) {
	f.Add("id", "name", "desc", "pic.jpg", "USD", int64(1), int32(2), "cat")
	f.Add("\xff", "<&>", "\u2028", `"\`, "", int64(-1), int32(-999999999), "\x00")
	f.Fuzz(func(t *testing.T, id, name, desc, pic, currency string, units int64, nanos int32, category string) {
		p := Product{ID: id, Name: name, Description: desc, Picture: pic,
			PriceUSD: Money{CurrencyCode: currency, Units: units, Nanos: nanos}, Categories: []string{category, category}}
		want, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		decoded := p
		decoded.Categories = append([]string(nil), p.Categories...)
		e := encodeAll([]Product{decoded})
		if got := e.product(0); got != string(want) {
			t.Fatalf("encoding = %s\nwant %s", got, want)
		}
		if decoded.ID != p.ID || decoded.Name != p.Name || decoded.Description != p.Description ||
			decoded.Picture != p.Picture || decoded.PriceUSD != p.PriceUSD || decoded.Categories[1] != category {
			t.Fatalf("encoding changed the product: %+v, want %+v", decoded, p)
		}
	})
}
