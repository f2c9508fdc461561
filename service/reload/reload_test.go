package reload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
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

// watched is a catalog directory holding catalogV1 in one file, and the
// store serving it.
type watched struct {
	file  string
	dir   *Dir
	first *catalog.Catalog
	store *Store
}

func newWatched(t *testing.T) watched {
	t.Helper()
	root := t.TempDir()
	w := watched{file: filepath.Join(root, "a.json"), dir: NewDir(root, catalog.DefaultLimits)}
	write(t, w.file, catalogV1)
	first, err := w.dir.Load()
	if err != nil {
		t.Fatal(err)
	}
	w.first, w.store = first, NewStore(first)
	return w
}

// watch runs Watch every 10ms until the test ends.
func (w watched) watch(t *testing.T, hooks Hooks) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Watch(ctx, w.dir, w.store, 10*time.Millisecond, hooks); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func TestWatchSwapsValidEditsAndKeepsTheLastGoodCatalog(t *testing.T) {
	w := newWatched(t)
	file, store, first := w.file, w.store, w.first
	var ev events
	w.watch(t, ev.hooks())

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
	dir := NewDir(root, catalog.DefaultLimits)
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

// Prepare runs before a new catalog is served, and a Prepare error refuses
// the catalog as a validation error would.
func TestWatchPreparesBeforeServing(t *testing.T) {
	tests := []struct {
		name        string
		prepareErr  error
		wantServed  int // products served after the edit
		wantReloads int
		wantFailed  int
	}{
		{"prepared", nil, 2, 1, 0},
		{"refused by Prepare", errors.New("cannot encode"), 1, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWatched(t)
			var ev events
			hooks := ev.hooks()
			prepared := make(chan *catalog.Catalog, 1)
			hooks.Prepare = func(c *catalog.Catalog) error {
				if w.store.Catalog() != w.first {
					t.Errorf("Prepare ran after the new catalog was served")
				}
				prepared <- c
				return tt.prepareErr
			}
			w.watch(t, hooks)

			write(t, w.file, catalogV2)
			var c *catalog.Catalog
			select {
			case c = <-prepared:
			case <-time.After(5 * time.Second):
				t.Fatal("Prepare was not called for the edit")
			}
			if c.Len() != 2 {
				t.Errorf("Prepare got %d products, want the edit's 2", c.Len())
			}
			waitFor(t, "the edit to be served or refused", func() bool { r, f := ev.counts(); return r+f == 1 })
			if got := w.store.Catalog().Len(); got != tt.wantServed {
				t.Errorf("served %d products, want %d", got, tt.wantServed)
			}
			if r, f := ev.counts(); r != tt.wantReloads || f != tt.wantFailed {
				t.Errorf("reloads, failures = %d, %d; want %d, %d", r, f, tt.wantReloads, tt.wantFailed)
			}
		})
	}
}

// A named pipe dropped into the directory is refused without waiting for a
// writer. Opening goes through
// O_NONBLOCK, so even a name swapped for a pipe after catalog.Load's check
// cannot block a reload.
func TestDirRefusesANamedPipe(t *testing.T) {
	w := newWatched(t)
	pipe := filepath.Join(filepath.Dir(w.file), "b.json")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		f, err := nonblockingDirFS(filepath.Dir(pipe)).Open("b.json")
		if err == nil {
			f.Close()
		}
		if err == nil {
			_, err = w.dir.Load()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if want := "b.json: not a regular file but a named pipe"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load() with a named pipe: error = %v, want %q", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening or loading a named pipe still blocks after 10s")
	}
}
