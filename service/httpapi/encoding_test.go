package httpapi

import (
	"net/http"
	"testing"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header []string
		want   bool
	}{
		{nil, false},
		{[]string{"gzip"}, true},
		{[]string{"GZIP"}, true},
		{[]string{"x-gzip"}, true},
		{[]string{"br;q=1, gzip;q=0.8"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip; q=0"}, false},
		{[]string{"gzip;level=1;q=0"}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"*, gzip;q=0"}, false},
		{[]string{"*"}, true},
		{[]string{"*;q=0"}, false},
		{[]string{"identity"}, false},
		{[]string{"br", "gzip"}, true},
		// A weight that is not a qvalue: the item is ignored, not taken as 1.
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=1.5"}, false},
		{[]string{"gzip;q=0.5000"}, false},
		{[]string{"gzip;q="}, false},
		{[]string{"gzip;q=-1"}, false},
		{[]string{"gzip;q=abc, *"}, true},
		// The highest weight of a coding listed twice counts.
		{[]string{"gzip;q=0, gzip;q=0.5"}, true},
	}
	for _, tt := range tests {
		r := &http.Request{Header: http.Header{}}
		if tt.header != nil {
			r.Header["Accept-Encoding"] = tt.header
		}
		if got := acceptsGzip(r); got != tt.want {
			t.Errorf("acceptsGzip(Accept-Encoding: %q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

func FuzzParseQValue(f *testing.F) {
	for _, seed := range []string{"0", "1", "0.5", "1.000", "0.001", "1.001", "abc", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		q, ok := parseQValue(v)
		if ok && (q < 0 || q > 1000) {
			t.Errorf("parseQValue(%q) = %d, true; want a weight in 0..1000", v, q)
		}
	})
}
