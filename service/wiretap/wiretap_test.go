package wiretap

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
)

// The client's exchanges are recorded as they were on the wire: the body
// still gzip-compressed with its Content-Encoding, the caller given the
// same bytes, and a repeated exchange written once.
func TestClientRecordsTheWire(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	zw.Write([]byte(`{"ok":true}`))
	zw.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			w.Write([]byte("plain"))
			return
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Write(zipped.Bytes())
	}))
	defer srv.Close()

	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	tap, err := Open("source")
	if err != nil {
		t.Fatal(err)
	}
	client := tap.Client(&http.Transport{}, 0)
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/x?y=1", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(got, zipped.Bytes()) {
			t.Errorf("caller got %q, want the compressed bytes", got)
		}
	}
	if err := tap.Close(); err != nil {
		t.Fatal(err)
	}

	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("files = %v, want one", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []Exchange
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		var x Exchange
		if err := json.Unmarshal(scanner.Bytes(), &x); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, x)
	}
	if len(lines) != 1 {
		t.Fatalf("recorded %d exchanges, want 1 (the repeat written once)", len(lines))
	}
	x := lines[0]
	if x.Source != "source" || x.Method != "GET" || x.Target != "/x?y=1" || x.Status != 200 ||
		x.ResponseHeader.Get("Content-Encoding") != "gzip" || !bytes.Equal(x.Body, zipped.Bytes()) {
		t.Errorf("recorded %+v, want GET /x?y=1 200 with the gzip body as sent", x)
	}
}

// Unset, the tap records nothing and creates no file.
func TestOffRecordsNothing(t *testing.T) {
	t.Setenv(EnvDir, "")
	tap, err := Open("source")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if err := tap.Record(req, 200, http.Header{}, nil); err != nil {
		t.Errorf("Record = %v, want nil", err)
	}
}
