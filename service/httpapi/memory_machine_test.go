//go:build machine

package httpapi

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/product-catalog/product-catalog/service/catalog"
	"github.com/product-catalog/product-catalog/service/catalog/generate"
)

// A served catalog holds memory in proportion to its JSON: at 100k
// products the heap in use by the loaded catalog and its published view is
// at most 3 bytes per byte of the file (2.76 measured; 5.1 before the
// catalog shared its text with its encoding and kept dense trigram lists as
// bitmaps).
func TestServedCatalogHeapIsProportionalToItsJSON(t *testing.T) {
	const (
		products     = 100_000
		maxPerByte   = 3.0
		measureTwice = 2 // GC twice: the first can leave finalizers' memory
	)
	dir := t.TempDir()
	data, err := json.Marshal(map[string]any{"products": generate.Products(products, 1)})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "products.json")
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	size := len(data)
	data = nil
	heapInUse := func() uint64 {
		for range measureTwice {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapInuse
	}
	before := heapInUse()
	c, err := catalog.Load(os.DirFS(dir), dir, catalog.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServerWith(t, c, Options{})
	held := float64(heapInUse()) - float64(before)
	runtime.KeepAlive(s)
	t.Logf("%d products, %.1f MB of JSON: heap in use +%.1f MB, %.2f bytes per byte", products, float64(size)/1e6, held/1e6, held/float64(size))
	if got := held / float64(size); got > maxPerByte {
		t.Errorf("the served catalog holds %.2f bytes of heap per byte of JSON, want at most %.1f", got, maxPerByte)
	}
}
