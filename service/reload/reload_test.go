package reload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/product-catalog/product-catalog/service/catalog"
)

const (
	catalogV1 = `{"products": [{"id": "P1", "name": "one", "priceUsd": {"currencyCode": "USD"}}]}`
	catalogV2 = `{"products": [{"id": "P1", "name": "one"  , "priceUsd": {"currencyCode": "USD"}}, {"id": "P2", "name": "two", "priceUsd": {"currencyCode": "USD"}}]}`
	broken    = `{"products": [{"id": "P1", "name": ""`
)

// write replaces path's content in one step, by renaming a temporary file
// over it, so a poll never sees the file half-written: a half-written file
// is a broken state of its own, and the tests count broken states.
func write(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp" // not *.json: the watcher ignores it
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

type events struct {
	mu       sync.Mutex
	reloaded []int
	failed   []error
}

func (e *events) hooks() Hooks {
	return Hooks{
		Reloaded: func(c *catalog.Catalog) { e.mu.Lock(); e.reloaded = append(e.reloaded, c.Len()); e.mu.Unlock() },
		Failed:   func(err error) { e.mu.Lock(); e.failed = append(e.failed, err); e.mu.Unlock() },
	}
}

func (e *events) counts() (int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.reloaded), len(e.failed)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWatchSwapsValidEditsAndKeepsTheLastGoodCatalog(t *testing.T) {
	root := t.TempDir()
	file := filepath.Join(root, "a.json")
	write(t, file, catalogV1)
	dir := NewDir(root)
	first, err := dir.Load()
	if err != nil {
		t.Fatal(err)
	}
	store := NewStore(first)
	var ev events
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Watch(ctx, dir, store, 10*time.Millisecond, ev.hooks()); close(done) }()
	defer func() { cancel(); <-done }()

	time.Sleep(50 * time.Millisecond)
	if r, f := ev.counts(); r != 0 || f != 0 {
		t.Fatalf("with no change: %d reloads, %d failures; want none", r, f)
	}

	write(t, file, broken)
	waitFor(t, "the broken edit to be reported", func() bool { _, f := ev.counts(); return f == 1 })
	if store.Catalog() != first {
		t.Errorf("a broken edit replaced the served catalog")
	}
	ev.mu.Lock()
	failure := ev.failed[0]
	ev.mu.Unlock()
	var verr *catalog.ValidationError
	if !errors.As(failure, &verr) || verr.Problems[0].File != file {
		t.Errorf("failure = %v, want a validation error naming %s", failure, file)
	}
	time.Sleep(50 * time.Millisecond)
	if _, f := ev.counts(); f != 1 {
		t.Errorf("the same broken state was reported %d times, want once", f)
	}

	write(t, file, catalogV2)
	waitFor(t, "the fixed edit to be served", func() bool { return store.Catalog().Len() == 2 })
	if r, _ := ev.counts(); r != 1 {
		t.Errorf("reloads = %d, want 1", r)
	}

	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the emptied directory to be refused", func() bool { _, f := ev.counts(); return f == 2 })
	if store.Catalog().Len() != 2 {
		t.Errorf("an empty directory replaced the served catalog")
	}
}

func TestWatchStopsWithTheContext(t *testing.T) {
	root := t.TempDir()
	write(t, filepath.Join(root, "a.json"), catalogV1)
	dir := NewDir(root)
	c, err := dir.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Watch(ctx, dir, NewStore(c), time.Millisecond, Hooks{}); close(done) }()
	cancel()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("Watch did not return after its context ended")
	}
}
