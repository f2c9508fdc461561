// Package echo bounds what an error message repeats of a client's input:
// an id of 64 KB must not come back as 64 KB, over REST or gRPC.
package echo

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxBytes is the most of a client's input an error message repeats.
const MaxBytes = 64

// Quoted quotes s, cut to MaxBytes on a rune boundary, with the length it
// had when cut.
func Quoted(s string) string {
	cut, rest := split(s)
	return strconv.Quote(cut) + rest
}

// Cut is s cut as Quoted cuts it, unquoted.
func Cut(s string) string {
	cut, rest := split(s)
	return cut + rest
}

func split(s string) (cut, rest string) {
	if len(s) <= MaxBytes {
		return s, ""
	}
	n := MaxBytes
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], fmt.Sprintf("… (%d bytes)", len(s))
}
