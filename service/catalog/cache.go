package catalog

import "sync"

// searchCache remembers the matches of expensive searches for the life of
// one snapshot. A snapshot never changes, so an entry never goes stale; a
// reload builds a new Catalog with an empty cache. Broad queries ("kettle"
// over 100k products) are both the costly ones, since every candidate's
// text is checked, and the ones a shop's visitors repeat.
//
// Concurrent first requests for one query share a single check: after a
// reload, with the cache empty, a popular query would otherwise be worked
// out by every request that arrives while the first is still checking.
type searchCache struct {
	mu        sync.RWMutex
	matches   map[searchKey][]int32
	positions int // total positions held, bounded by maxPositions
	pending   map[searchKey]*pendingSearch
}

type searchKey struct{ text, category string }

// pendingSearch is a search under way; done closes when it ends.
type pendingSearch struct {
	done    chan struct{}
	matches []int32
	ok      bool // false if the search panicked: waiters search themselves
}

const (
	// cacheMinCandidates is the candidate count from which checking texts
	// costs more than remembering the answer (tens of microseconds).
	cacheMinCandidates = 256
	// cacheMaxPositions bounds the memory the cache holds per snapshot: 4 MB.
	cacheMaxPositions = 1 << 20
)

func (sc *searchCache) get(key searchKey) ([]int32, bool) {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	m, ok := sc.matches[key]
	return m, ok
}

// do returns the remembered matches for key, or waits for the search for
// key already under way, or else runs search and remembers its matches.
func (sc *searchCache) do(key searchKey, search func() []int32) []int32 {
	if m, ok := sc.get(key); ok {
		return m
	}
	sc.mu.Lock()
	if m, ok := sc.matches[key]; ok {
		sc.mu.Unlock()
		return m
	}
	if p, ok := sc.pending[key]; ok {
		sc.mu.Unlock()
		<-p.done
		if p.ok {
			return p.matches
		}
		return search()
	}
	p := &pendingSearch{done: make(chan struct{})}
	if sc.pending == nil {
		sc.pending = make(map[searchKey]*pendingSearch)
	}
	sc.pending[key] = p
	sc.mu.Unlock()

	defer func() {
		sc.mu.Lock()
		delete(sc.pending, key)
		if p.ok {
			sc.put(key, p.matches)
		}
		sc.mu.Unlock()
		close(p.done)
	}()
	p.matches = search()
	p.ok = true
	return p.matches
}

// put keeps matches, dropping everything first when the bound would be
// passed: simpler than LRU, and popular queries come straight back. The
// caller holds mu.
func (sc *searchCache) put(key searchKey, matches []int32) {
	if len(matches) > cacheMaxPositions {
		return
	}
	if sc.matches == nil || sc.positions+len(matches) > cacheMaxPositions {
		sc.matches = make(map[searchKey][]int32)
		sc.positions = 0
	}
	sc.matches[key] = matches
	sc.positions += len(matches)
}
