package catalog

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// encoded is every product's JSON encoding, back to back in one string:
// the bytes the REST API serves and the memory the products' strings live
// in. A field whose encoding is the field itself between quotes (nearly
// every id, name, description and picture) is a substring of its product's
// encoding rather than a copy of its own: a loaded catalog holds each
// product's text once, not once decoded and once encoded, with no per
// string allocation either (at 100k products, 17 MB less).
type encoded struct {
	all  string
	ends []int // product i is all[ends[i-1]:ends[i]]
}

func (e encoded) product(i int) string {
	start := 0
	if i > 0 {
		start = e.ends[i-1]
	}
	return e.all[start:e.ends[i]]
}

// encodeAll encodes products into one allocation of exactly the size
// needed, then points their strings into it where the encoding allows.
func encodeAll(products []Product) encoded {
	var scratch []byte
	var fields []span
	size := 0
	for i := range products {
		scratch, fields = appendProductJSON(scratch[:0], fields[:0], &products[i])
		size += len(scratch)
	}
	var all strings.Builder
	all.Grow(size)
	e := encoded{ends: make([]int, len(products))}
	var verbatimFields []span
	for i := range products {
		from := len(verbatimFields)
		scratch, verbatimFields = appendProductJSON(scratch[:0], verbatimFields, &products[i])
		for j := range verbatimFields[from:] {
			verbatimFields[from+j].start += all.Len()
		}
		all.Write(scratch)
		e.ends[i] = all.Len()
	}
	e.all = all.String()
	for _, f := range verbatimFields {
		*f.field = e.all[f.start : f.start+len(*f.field)]
	}
	return e
}

// span is where a string field appears verbatim in the encoding.
type span struct {
	field *string
	start int
}

// appendProductJSON appends p's encoding, byte for byte what json.Marshal
// gives for it (with [] for nil Categories: clients get an array, never
// null), and the spans of the string fields that appear verbatim.
func appendProductJSON(b []byte, fields []span, p *Product) ([]byte, []span) {
	str := func(s *string) {
		if verbatim(*s) {
			b = append(b, '"')
			fields = append(fields, span{field: s, start: len(b)})
			b = append(b, *s...)
			b = append(b, '"')
			return
		}
		quoted, _ := json.Marshal(*s) // a string always encodes
		b = append(b, quoted...)
	}
	b = append(b, `{"id":`...)
	str(&p.ID)
	b = append(b, `,"name":`...)
	str(&p.Name)
	b = append(b, `,"description":`...)
	str(&p.Description)
	b = append(b, `,"picture":`...)
	str(&p.Picture)
	b = append(b, `,"priceUsd":{"currencyCode":`...)
	str(&p.PriceUSD.CurrencyCode)
	b = append(b, `,"units":`...)
	b = strconv.AppendInt(b, p.PriceUSD.Units, 10)
	b = append(b, `,"nanos":`...)
	b = strconv.AppendInt(b, int64(p.PriceUSD.Nanos), 10)
	b = append(b, `},"categories":[`...)
	for i := range p.Categories {
		if i > 0 {
			b = append(b, ',')
		}
		str(&p.Categories[i])
	}
	b = append(b, "]}"...)
	return b, fields
}

// verbatim reports whether encoding/json writes s unchanged between
// quotes: valid UTF-8 with nothing it escapes (quote, backslash, control
// characters, the HTML characters < > &, and U+2028, U+2029).
func verbatim(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if !plainASCII[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// plainASCII holds the ASCII bytes encoding/json writes as they are.
var plainASCII = func() (plain [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		plain[c] = !strings.ContainsRune(`"\\<>&`, rune(c))
	}
	return plain
}()
