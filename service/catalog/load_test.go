package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestLoadMergesFilesInIDOrder(t *testing.T) {
	c, err := Load(os.DirFS("testdata/good"), "testdata/good", DefaultLimits)
	if err != nil {
		t.Fatalf("Load(testdata/good) error = %v", err)
	}
	var got []string
	for i := 0; i < c.Len(); i++ {
		got = append(got, c.At(i).ID)
	}
	if want := []string{"A1", "B2", "C3"}; !cmp.Equal(got, want) {
		t.Errorf("ids = %v, want %v (merged, sorted by id)", got, want)
	}
	wantCategories := []CategoryCount{{"cups", 2}, {"kettles", 1}, {"Outdoor", 1}}
	if diff := cmp.Diff(wantCategories, c.Categories()); diff != "" {
		t.Errorf("Categories() mismatch (-want +got):\n%s", diff)
	}
}

// The OpenTelemetry demo's catalog file must load unchanged: users of the
// demo bring exactly this file.
func TestLoadOpenTelemetryDemoCatalog(t *testing.T) {
	// testdata/otel-demo/NOTICE names the demo's commit and license.
	c, err := Load(os.DirFS("testdata/otel-demo"), "testdata/otel-demo", DefaultLimits)
	if err != nil {
		t.Fatalf("Load(otel-demo products.json) error = %v", err)
	}
	if c.Len() < 10 {
		t.Errorf("Len() = %d, want the demo's full catalog", c.Len())
	}
	pos, ok := c.Position("OLJCESPC7Z")
	if !ok {
		t.Fatalf("Position(%q) not found", "OLJCESPC7Z")
	}
	p := c.At(pos)
	if p.PriceUSD != (Money{CurrencyCode: "USD", Units: 101, Nanos: 960000000}) || p.Categories[0] != "telescopes" {
		t.Errorf("At(%d) = %+v, want the Explorascope as in the file", pos, p)
	}
	if got := c.Search(Query{Text: "TELESCOPE"}); got.Total == 0 {
		t.Errorf("Search(TELESCOPE).Total = 0, want matches")
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(os.DirFS("testdata/broken"), "testdata/broken", DefaultLimits)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Load(testdata/broken) error = %v, want *ValidationError", err)
	}
	var got []string
	for _, p := range verr.Problems {
		got = append(got, p.String())
	}
	want := []string{
		`testdata/broken/fields.json: products[0]: id: is required and must not be empty`,
		`testdata/broken/fields.json: products[0]: name: is required and must not be empty`,
		`testdata/broken/fields.json: products[0]: priceUsd.currencyCode: must be 3 upper-case letters (ISO 4217), got "usd"`,
		`testdata/broken/fields.json: products[0]: priceUsd.units: must not be negative, got -1`,
		`testdata/broken/fields.json: products[0]: priceUsd.nanos: must be within 0..999999999, got 1000000000`,
		`testdata/broken/fields.json: products[0]: categories[0]: must not be empty`,
		`testdata/broken/fields.json: products[1] (id "X2"): colour: unknown field`,
		`testdata/broken/fields.json: products[1] (id "X2"): priceUsd.cents: unknown field`,
		`testdata/broken/fields.json: products[1] (id "X2"): priceUsd.units: must be an integer (64-bit), got string`,
		`testdata/broken/syntax.json:3:1: invalid JSON: invalid character ']' looking for beginning of object key string`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("problems mismatch (-want +got):\n%s", diff)
	}
	if msg := err.Error(); !strings.HasPrefix(msg, "invalid catalog: 10 problems\n") {
		t.Errorf("Error() = %q, want a count then one line per problem", msg)
	}
}

func TestLoadRejectsDuplicateIDsNamingBothFiles(t *testing.T) {
	_, err := Load(os.DirFS("testdata/duplicate"), "testdata/duplicate", DefaultLimits)
	want := `testdata/duplicate/b.json: products[0] (id "A1"): id: duplicate id: already used by testdata/duplicate/a.json products[1]`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Load(testdata/duplicate) error = %v, want it to contain %q", err, want)
	}
}

func TestLoadRejectsEmptyCatalogs(t *testing.T) {
	tests := []struct {
		name, dir, want string
	}{
		{"no products", "testdata/empty", "no products in testdata/empty (1 files)"},
		{"no json files", t.TempDir(), "no *.json files in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(os.DirFS(tt.dir), tt.dir, DefaultLimits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load(%s) error = %v, want it to contain %q", tt.dir, err, tt.want)
			}
		})
	}
}

func TestNewValidatesLikeLoad(t *testing.T) {
	valid := Product{ID: "P1", Name: "n", PriceUSD: Money{CurrencyCode: "USD"}}
	if _, err := New([]Product{valid, valid}); err == nil || !strings.Contains(err.Error(), "duplicate id") {
		t.Errorf("New(duplicate ids) error = %v, want duplicate id", err)
	}
	if _, err := New(nil); err == nil {
		t.Errorf("New(nil) error = nil, want an error")
	}
	c, err := New([]Product{valid})
	if err != nil || c.Len() != 1 {
		t.Errorf("New(one product) = %v, %v; want a catalog of 1", c, err)
	}
}

// Only regular files are read, symlinks followed: anything else named
// *.json is refused with the file and its kind named, and never opened (a
// named pipe would block the load until a writer came).
func TestLoadReadsOnlyRegularFiles(t *testing.T) {
	good, err := os.ReadFile("testdata/good/a.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		make  func(t *testing.T, path string)
		want  string // "" for a file that loads
		total int    // products, when it loads
	}{
		{"regular file", func(t *testing.T, path string) { writeFile(t, path, good) }, "", 2},
		{"symlink to a regular file", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "target")
			writeFile(t, target, good)
			symlink(t, target, path)
		}, "", 2},
		{"named pipe", func(t *testing.T, path string) { mkfifo(t, path) }, "x.json: not a regular file but a named pipe", 0},
		{"symlink to a named pipe", func(t *testing.T, path string) {
			target := filepath.Join(t.TempDir(), "fifo")
			mkfifo(t, target)
			symlink(t, target, path)
		}, "x.json: not a regular file but a named pipe", 0},
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
		}, "x.json: not a regular file but a directory", 0},
		{"device", func(t *testing.T, path string) { symlink(t, "/dev/zero", path) }, "x.json: not a regular file but a device", 0},
		{"dangling symlink", func(t *testing.T, path string) { symlink(t, "/nonexistent", path) }, "x.json: stat x.json: no such file or directory", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.make(t, filepath.Join(dir, "x.json"))
			c, err := loadWithin(t, dir, DefaultLimits)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Load() error = %v, want the catalog", err)
			case tt.want == "" && c.Len() != tt.total:
				t.Errorf("Load().Len() = %d, want %d", c.Len(), tt.total)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Load() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadLimits(t *testing.T) {
	good, err := os.ReadFile("testdata/good/a.json")
	if err != nil {
		t.Fatal(err)
	}
	size := int64(len(good))
	tests := []struct {
		name   string
		files  int
		limits Limits
		want   string
	}{
		{"within both", 2, Limits{FileBytes: size, TotalBytes: 2 * size}, ""},
		{"a file over its limit", 1, Limits{FileBytes: size - 1, TotalBytes: 10 * size},
			fmt.Sprintf("f0.json: %d bytes, larger than the limit of %d bytes per file", size, size-1)},
		{"files over the total", 3, Limits{FileBytes: size, TotalBytes: 2*size + 1},
			fmt.Sprintf("hold more than the limit of %d bytes in all (passed at", 2*size+1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for i := 0; i < tt.files; i++ {
				// Distinct ids, the same size.
				writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.json", i)), []byte(strings.NewReplacer("A1", fmt.Sprintf("A%d", i), "B2", fmt.Sprintf("B%d", i)).Replace(string(good))))
			}
			_, err := loadWithin(t, dir, tt.limits)
			if tt.want == "" && err != nil {
				t.Fatalf("Load() error = %v, want the catalog", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Load() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

// A file that grows past the limit after it was measured is cut at the
// limit and refused.
func TestReadRegularStopsAtTheLimit(t *testing.T) {
	fsys := fstest.MapFS{"x.json": &fstest.MapFile{Data: make([]byte, 100)}}
	grown := growingFS{fsys}
	_, err := readRegular(grown, "x.json", 50)
	if want := "larger than the limit of 50 bytes per file"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("readRegular() error = %v, want %q", err, want)
	}
}

// growingFS reports every file as empty before it is opened, as if it grew
// between the check and the read.
type growingFS struct{ fstest.MapFS }

func (g growingFS) Stat(name string) (fs.FileInfo, error) {
	info, err := g.MapFS.Stat(name)
	if err != nil {
		return nil, err
	}
	return emptyInfo{info}, nil
}

type emptyInfo struct{ fs.FileInfo }

func (emptyInfo) Size() int64 { return 0 }

// loadWithin loads dir, failing the test if Load has not returned within
// a deadline: a load that waits on a named pipe never would.
func loadWithin(t *testing.T, dir string, limits Limits) (*Catalog, error) {
	t.Helper()
	type result struct {
		c   *Catalog
		err error
	}
	done := make(chan result, 1)
	go func() {
		c, err := Load(os.DirFS(dir), dir, limits)
		done <- result{c, err}
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-time.After(10 * time.Second):
		t.Fatalf("Load(%s) still running after 10s: is it waiting on a file?", dir)
		return nil, nil
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, path string) {
	t.Helper()
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}
