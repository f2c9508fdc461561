package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps s to a canonical case so that two strings equal under Unicode
// simple case folding fold to the same string ("K", "k" and the Kelvin sign
// all become "K"). Each rune maps to one rune, so rune positions are kept.
func fold(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('a' <= c && c <= 'z') {
			var b strings.Builder
			b.Grow(len(s))
			foldInto(&b, s)
			return b.String()
		}
	}
	return s
}

// foldInto appends fold(s) to b: what fold returns, without building a
// string of its own when the caller is building a larger one.
func foldInto(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			for _, r := range s[i:] {
				b.WriteRune(foldRune(r))
			}
			return
		}
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		b.WriteByte(c)
	}
}

func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - ('a' - 'A')
		}
		return r
	}
	// The smallest member of the rune's case-folding orbit is its canonical form.
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < least {
			least = f
		}
	}
	return least
}
