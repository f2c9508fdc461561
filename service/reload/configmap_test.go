package reload

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// configMap lays a directory out as the kubelet's atomic writer lays out
// a ConfigMap volume: each version in a ..<timestamp> directory, ..data a
// link to the current one, and each key a link through ..data. An update
// writes a new version directory, renames a new ..data link over the old
// one, and removes the old directory; the keys' links never change.
type configMap struct {
	root    string
	version int
}

func newConfigMap(t *testing.T, files map[string]string) *configMap {
	t.Helper()
	m := &configMap{root: t.TempDir()}
	m.update(t, files)
	for name := range files {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(m.root, name)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func (m *configMap) update(t *testing.T, files map[string]string) {
	t.Helper()
	old := fmt.Sprintf("..2026_11_29_00_00_%02d.%d", m.version%60, m.version)
	m.version++
	dir := fmt.Sprintf("..2026_11_29_00_00_%02d.%d", m.version%60, m.version)
	if err := os.Mkdir(filepath.Join(m.root, dir), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(m.root, dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(dir, filepath.Join(m.root, "..data_tmp")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(m.root, "..data_tmp"), filepath.Join(m.root, "..data")); err != nil {
		t.Fatal(err)
	}
	if m.version > 1 {
		if err := os.RemoveAll(filepath.Join(m.root, old)); err != nil {
			t.Fatal(err)
		}
	}
}

// versionFiles is one version of a two-file catalog: every product's name
// says which version it belongs to.
func versionFiles(version int) map[string]string {
	file := func(prefix string) string {
		var products []string
		for i := 0; i < 20; i++ {
			products = append(products, fmt.Sprintf(`{"id": "%s%02d", "name": "gen=%d", "priceUsd": {"currencyCode": "USD"}}`, prefix, i, version))
		}
		return `{"products": [` + strings.Join(products, ",") + `]}`
	}
	return map[string]string{"a.json": file("A"), "b.json": file("B")}
}

// versionOf is the one version every product of c belongs to, or an error
// naming the mix.
func versionOf(c *catalog.Catalog) (int, error) {
	seen := map[string]bool{}
	version := 0
	for i := 0; i < c.Len(); i++ {
		name := c.At(i).Name
		seen[name] = true
		version, _ = strconv.Atoi(strings.TrimPrefix(name, "gen="))
	}
	if len(seen) != 1 || c.Len() != 40 {
		return 0, fmt.Errorf("%d products of versions %v, want 40 of one", c.Len(), seen)
	}
	return version, nil
}

// An update is seen by the next poll, though no name, size or time of the
// links in the directory changed; and the kubelet's hidden entries, or a
// hidden file of any kind, are not catalog files.
func TestConfigMapUpdateIsSeenByTheNextPoll(t *testing.T) {
	m := newConfigMap(t, versionFiles(1))
	write(t, filepath.Join(m.root, ".editor-swap.json"), broken)
	dir := NewDir(m.root, catalog.DefaultLimits)
	first, err := dir.Load()
	if err != nil {
		t.Fatal(err)
	}
	if v, err := versionOf(first); err != nil || v != 1 {
		t.Fatalf("first load: version %d, %v; want 1", v, err)
	}
	reloader := NewReloader(dir, func(*catalog.Catalog) error { return nil })
	if next, err := reloader.Poll(); next != nil || err != nil {
		t.Fatalf("poll before any update = %v, %v; want nothing", next, err)
	}
	m.update(t, versionFiles(2))
	next, err := reloader.Poll()
	if err != nil || next == nil {
		t.Fatalf("poll after the update = %v, %v; want the new catalog", next, err)
	}
	if v, err := versionOf(next); err != nil || v != 2 {
		t.Errorf("after the update: version %d, %v; want 2", v, err)
	}
}

// Updates land while polls read: each publishes one version whole, never
// some files of one and some of the next, no poll fails (not even one
// whose snapshot directory is removed under it), and versions only move
// forward. The writer swaps as each poll starts, so swaps meet reads in
// progress rather than waiting between them.
func TestConfigMapUpdatesUnderPollsAreNeverMixed(t *testing.T) {
	const updates = 200
	m := newConfigMap(t, versionFiles(1))
	dir := NewDir(m.root, catalog.DefaultLimits)
	if _, err := dir.Load(); err != nil {
		t.Fatal(err)
	}
	pollStarted := make(chan struct{}, 1)
	written := make(chan struct{})
	go func() {
		defer close(written)
		for version := 2; version <= updates; version++ {
			<-pollStarted
			m.update(t, versionFiles(version))
		}
	}()
	last, published := 1, 0
	reloader := NewReloader(dir, func(c *catalog.Catalog) error {
		v, err := versionOf(c)
		if err != nil {
			t.Errorf("published a mixed catalog: %v", err)
			return nil
		}
		if v < last {
			t.Errorf("published version %d after %d", v, last)
		}
		last = v
		published++
		return nil
	})
	for done := false; !done; {
		select {
		case <-written:
			done = true
		case pollStarted <- struct{}{}:
		default:
		}
		if _, err := reloader.Poll(); err != nil {
			t.Fatalf("poll failed while the ConfigMap was updated: %v", err)
		}
	}
	// The last update is seen by one more poll at most.
	if _, err := reloader.Poll(); err != nil {
		t.Fatal(err)
	}
	if last != updates {
		t.Errorf("serving version %d after the last update, want %d", last, updates)
	}
	t.Logf("%d updates, %d catalogs published", updates-1, published)
}
