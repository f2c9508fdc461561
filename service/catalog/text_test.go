package catalog

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	tests := []struct {
		text string
		want string // in the error; "" for none
	}{
		{"kettle", ""},
		{"", ""},
		{strings.Repeat("é", MaxTextRunes), ""},
		{strings.Repeat("é", MaxTextRunes+1), "at most 256 characters, got 257"},
		{"a\xffb", "UTF-8"},
		{"a\nb", "control characters"},
		{"a\u0085b", "control characters"}, // C1, which IsControl covers too
	}
	for _, tt := range tests {
		err := CheckText(tt.text)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("CheckText(%q) = %v, want nil", tt.text, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("CheckText(%q) = %v, want an error saying %q", tt.text, err, tt.want)
		}
	}
}
