package catalog

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of a query, the same over REST and gRPC.
const (
	// MaxTextRunes bounds a search text or category.
	MaxTextRunes = 256
	// MaxResults bounds the products one answer carries.
	MaxResults = 1000
)

// CheckText says what is wrong with a search text or category a client
// sent, or returns nil: it must be UTF-8, at most MaxTextRunes long, and
// free of control characters (which could forge log lines).
func CheckText(s string) error {
	switch {
	case !utf8.ValidString(s):
		return fmt.Errorf("must be valid UTF-8")
	case utf8.RuneCountInString(s) > MaxTextRunes:
		return fmt.Errorf("at most %d characters, got %d", MaxTextRunes, utf8.RuneCountInString(s))
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		return fmt.Errorf("must not contain control characters")
	}
	return nil
}
