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
			return strings.Map(foldRune, s)
		}
	}
	return s
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
