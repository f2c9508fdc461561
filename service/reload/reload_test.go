package reload

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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
// over it, so a poll never sees the file half-written.
func write(t *testing.T, path, data string) {
	t.Helper()
	tmp := path + ".tmp" // not *.json: the reloader ignores it
	if err := os.WriteFile(tmp, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// watched is a catalog directory holding catalogV1 in one file, loaded and
// published, with a Reloader over it.
type watched struct {
	file      string
	dir       *Dir
	reloader  *Reloader
	published []*catalog.Catalog // what publish was given, in order
	refuse    error              // what publish answers
}

func newWatched(t *testing.T) *watched {
	t.Helper()
	root := t.TempDir()
	w := &watched{file: filepath.Join(root, "a.json"), dir: NewDir(root, catalog.DefaultLimits)}
	write(t, w.file, catalogV1)
	first, err := w.dir.Load()
	if err != nil {
		t.Fatal(err)
	}
	w.reloader = NewReloader(w.dir, func(c *catalog.Catalog) error {
		if w.refuse != nil {
			return w.refuse
		}
		w.published = append(w.published, c)
		return nil
	})
	w.published = []*catalog.Catalog{first}
	return w
}

func (w *watched) serving() int { return w.published[len(w.published)-1].Len() }

// Each Poll is one look at the directory: a test edits, polls and checks,
// with no waiting.
func TestPollPublishesValidEditsAndKeepsTheLastGood(t *testing.T) {
	w := newWatched(t)
	steps := []struct {
		name        string
		edit        func()
		wantNext    int    // products of the catalog Poll returns; 0 for none
		wantErr     string // "" for none
		wantServing int
	}{
		{"no change", func() {}, 0, "", 1},
		{"a broken edit", func() { write(t, w.file, broken) }, 0, "a.json", 1},
		{"the same broken state, polled again", func() {}, 0, "", 1},
		{"a fixed edit", func() { write(t, w.file, catalogV2) }, 2, "", 2},
		{"the file removed", func() {
			if err := os.Remove(w.file); err != nil {
				t.Fatal(err)
			}
		}, 0, "no *.json files", 2},
	}
	for _, step := range steps {
		step.edit()
		next, err := w.reloader.Poll()
		gotNext := 0
		if next != nil {
			gotNext = next.Len()
		}
		if gotNext != step.wantNext {
			t.Errorf("%s: Poll() published %d products, want %d", step.name, gotNext, step.wantNext)
		}
		switch {
		case step.wantErr == "" && err != nil:
			t.Errorf("%s: Poll() error = %v, want none", step.name, err)
		case step.wantErr != "" && (err == nil || !strings.Contains(err.Error(), step.wantErr)):
			t.Errorf("%s: Poll() error = %v, want it to name %q", step.name, err, step.wantErr)
		}
		if got := w.serving(); got != step.wantServing {
			t.Errorf("%s: serving %d products, want %d", step.name, got, step.wantServing)
		}
	}
}

func TestPollNamesTheBrokenFile(t *testing.T) {
	w := newWatched(t)
	write(t, w.file, broken)
	_, err := w.reloader.Poll()
	var verr *catalog.ValidationError
	if !errors.As(err, &verr) || verr.Problems[0].File != w.file {
		t.Errorf("Poll() error = %v, want a validation error naming %s", err, w.file)
	}
}

// A catalog that publish refuses (the HTTP layer cannot encode it) is
// refused as an invalid one is: the last good catalog stays served.
func TestPollRefusedByPublish(t *testing.T) {
	w := newWatched(t)
	w.refuse = errors.New("cannot encode")
	write(t, w.file, catalogV2)
	next, err := w.reloader.Poll()
	if next != nil || err == nil || !strings.Contains(err.Error(), "cannot encode") {
		t.Errorf("Poll() = %v, %v; want nil and publish's error", next, err)
	}
	if got := w.serving(); got != 1 {
		t.Errorf("serving %d products after a refused publish, want the last good 1", got)
	}
}

// Run polls at each tick and reports through its hooks; a test drives the
// ticks, so nothing waits on a clock.
func TestRunReportsEachPoll(t *testing.T) {
	w := newWatched(t)
	ticks := make(chan time.Time)
	reloaded := make(chan int)
	failed := make(chan error)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		w.reloader.Run(ctx, ticks, Hooks{
			Reloaded: func(c *catalog.Catalog) { reloaded <- c.Len() },
			Failed:   func(err error) { failed <- err },
		})
		close(done)
	}()

	write(t, w.file, broken)
	ticks <- time.Now()
	if err := <-failed; err == nil {
		t.Errorf("Failed hook got a nil error")
	}
	write(t, w.file, catalogV2)
	ticks <- time.Now()
	if got := <-reloaded; got != 2 {
		t.Errorf("Reloaded hook got %d products, want 2", got)
	}
	ticks <- time.Now() // no change: neither hook runs, and Run takes the next tick
	cancel()
	<-done
}

func TestRunStopsWithTheContext(t *testing.T) {
	w := newWatched(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.reloader.Run(ctx, nil, Hooks{}); close(done) }()
	cancel()
	<-done // a Run that ignored its context would hang the test here
}

// A named pipe dropped into the directory is refused without waiting for a
// writer. Opening goes through O_NONBLOCK, so even a name swapped for a
// pipe after catalog.Load's check cannot block a reload.
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
			_, err = w.reloader.Poll()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if want := "b.json: not a regular file but a named pipe"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Poll() with a named pipe: error = %v, want %q", err, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("opening or loading a named pipe still blocks after 10s")
	}
}
