package requestid

import (
	"math"
	"strings"
	"testing"
)

func TestNextCountsInBase36(t *testing.T) {
	tests := []struct {
		last uint64 // the counter before the call
		want string
	}{
		{0, "p-1"},
		{34, "p-z"},
		{35, "p-10"},
		{math.MaxUint64 - 1, "p-3w5e11264sgsf"},
	}
	for _, tt := range tests {
		g := &Generator{prefix: "p-"}
		g.next.Store(tt.last)
		if got := g.Next(); got != tt.want {
			t.Errorf("id after %d = %q, want %q", tt.last, got, tt.want)
		}
	}
}

func TestValid(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"checkout-7f3a", true},
		{"a/b+c=d:e.f_g", true},
		{strings.Repeat("x", MaxLen), true},
		{"", false},
		{strings.Repeat("x", MaxLen+1), false},
		{"bad id", false},
		{"line\nbreak", false},
		{"caf\u00e9", false},
	}
	for _, tt := range tests {
		if got := Valid(tt.id); got != tt.want {
			t.Errorf("Valid(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
