// Package requestid makes and checks the ids that follow a request through
// logs and across services, for REST and gRPC alike.
package requestid

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync/atomic"
)

// MaxLen is the longest id a client may send and have kept.
const MaxLen = 128

// Generator makes ids unique within the process and across restarts: a
// random prefix drawn once, then a counter. An id costs an atomic add, not
// a read from the system's random source.
type Generator struct {
	prefix string
	next   atomic.Uint64
}

// New returns a generator with a fresh random prefix.
func New() *Generator {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail on supported platforms
	return &Generator{prefix: hex.EncodeToString(b[:]) + "-"}
}

// Next builds the next id in one allocation: the Builder hands over its
// buffer.
func (g *Generator) Next() string {
	var digits [13]byte // a uint64 in base 36
	n := strconv.AppendUint(digits[:0], g.next.Add(1), 36)
	var b strings.Builder
	b.Grow(len(g.prefix) + len(n))
	b.WriteString(g.prefix)
	b.Write(n)
	return b.String()
}

// Valid accepts short, printable ids; anything else could forge log lines
// or bloat them.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == ':' || c == '/' || c == '+' || c == '='
		if !ok {
			return false
		}
	}
	return true
}
