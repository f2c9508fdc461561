package echo

import (
	"strings"
	"testing"
)

func TestQuotedAndCut(t *testing.T) {
	long := strings.Repeat("x", 63) + "é" + strings.Repeat("y", 100) // é straddles byte 64
	tests := []struct {
		in, quoted, cut string
	}{
		{"A1", `"A1"`, "A1"},
		{strings.Repeat("z", MaxBytes), `"` + strings.Repeat("z", MaxBytes) + `"`, strings.Repeat("z", MaxBytes)},
		{long, `"` + strings.Repeat("x", 63) + `"… (165 bytes)`, strings.Repeat("x", 63) + "… (165 bytes)"},
	}
	for _, tt := range tests {
		if got := Quoted(tt.in); got != tt.quoted {
			t.Errorf("Quoted(%.20q…) = %q, want %q", tt.in, got, tt.quoted)
		}
		if got := Cut(tt.in); got != tt.cut {
			t.Errorf("Cut(%.20q…) = %q, want %q", tt.in, got, tt.cut)
		}
	}
}
