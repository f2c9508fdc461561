package catalog

import (
	"slices"
	"sync"
	"sync/atomic"
)

// searchCache remembers the matches of expensive searches for the life of
// one snapshot. A snapshot never changes, so an entry never goes stale; a
// reload builds a new Catalog with an empty cache. Broad queries ("kettle"
// over 100k products) are both the costly ones, since every candidate's
// text is checked, and the ones a shop's visitors repeat.
//
// The cache is bounded by the bytes it really holds (each entry's backing
// array, its key and a fixed overhead) and by its number of entries, so a
// stream of distinct queries cannot grow it: a query the index cannot
// narrow makes every product a candidate, and an answer that kept its
// candidate-sized array would cost 400 KB at 100k products.
//
// When a bound would be passed it evicts, never drops everything: CLOCK
// (second chance, the approximation of LRU that page caches use), so an
// entry that is read keeps its place while a client cycles through other
// queries. A hit only sets the entry's reference bit, which needs no write
// lock; the hand clears bits as it passes and evicts the first entry whose
// bit is clear.
//
// Empty answers are cached too: finding that nothing matches costs the
// same check of every candidate as finding matches (1.7 ms at 100k
// products, against 0.1 µs from the cache: BenchmarkSearch/*/none), and an
// empty entry costs only its key and overhead, about 100 bytes.
//
// Concurrent first requests for one query share a single check: after a
// reload, with the cache empty, a popular query would otherwise be worked
// out by every request that arrives while the first is still checking
// (2.4 ms each for a broad word at 100k products). The sharing is written
// here rather than taken from golang.org/x/sync/singleflight because it is
// one step with the cache: an answer is stored under the same lock that
// ends the search, so no request falls between the two and searches again,
// and a search that panics leaves its waiters to search for themselves,
// where singleflight would pass the panic on to each of them.
type searchCache struct {
	mu      sync.RWMutex
	entries map[searchKey]*cacheEntry
	ring    []*cacheEntry // every entry, in the order the hand visits them
	hand    int           // CLOCK's hand: the next entry in ring to look at
	bytes   int           // held by entries, as entryBytes counts them
	pending map[searchKey]*pendingSearch
	// waiting, when set, is called as a request starts waiting for a
	// search under way: tests learn that it is waiting, rather than guess.
	waiting func()
}

type searchKey struct{ text, category string }

// cacheEntry is one remembered answer.
type cacheEntry struct {
	key     searchKey
	matches []int32
	size    int
	used    atomic.Bool // read since the hand last passed it
}

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
	// cacheMaxBytes bounds the memory the cache holds per snapshot.
	cacheMaxBytes = 4 << 20
	// cacheMaxEntries bounds the map itself, whose buckets outlive the
	// entries' arrays.
	cacheMaxEntries = 4096
	// cacheEntryOverhead is an entry's struct (key strings' headers, the
	// slice header, its size and bit), its map slot and its place in the
	// ring, rounded up, counted against cacheMaxBytes with each entry.
	cacheEntryOverhead = 160
)

// entryBytes is what an entry costs the process: its array's capacity, not
// its length, and its key's bytes.
func entryBytes(key searchKey, matches []int32) int {
	return cacheEntryOverhead + len(key.text) + len(key.category) + 4*cap(matches)
}

func (sc *searchCache) get(key searchKey) ([]int32, bool) {
	sc.mu.RLock()
	defer sc.mu.RUnlock()
	e, ok := sc.entries[key]
	if !ok {
		return nil, false
	}
	if !e.used.Load() { // a read, not a write, on the hot path once set
		e.used.Store(true)
	}
	return e.matches, true
}

// do returns the remembered matches for key, or waits for the search for
// key already under way, or else runs search and remembers its matches.
func (sc *searchCache) do(key searchKey, search func() []int32) []int32 {
	if m, ok := sc.get(key); ok {
		return m
	}
	sc.mu.Lock()
	if e, ok := sc.entries[key]; ok {
		sc.mu.Unlock()
		e.used.Store(true)
		return e.matches
	}
	if p, ok := sc.pending[key]; ok {
		sc.mu.Unlock()
		if sc.waiting != nil {
			sc.waiting()
		}
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
	// Copied into an array of their own: a search's answer is cut from an
	// array sized to its candidates, which a sub-slice keeps alive even at
	// length (or capacity) zero.
	p.matches = append([]int32(nil), search()...)
	p.ok = true
	return p.matches
}

// put keeps matches, evicting with CLOCK until both bounds have room. The
// caller holds mu.
func (sc *searchCache) put(key searchKey, matches []int32) {
	size := entryBytes(key, matches)
	if size > cacheMaxBytes {
		return
	}
	if sc.entries == nil {
		sc.entries = make(map[searchKey]*cacheEntry)
	}
	for sc.bytes+size > cacheMaxBytes || len(sc.entries) >= cacheMaxEntries {
		sc.evict()
	}
	e := &cacheEntry{key: key, matches: matches, size: size}
	sc.entries[key] = e
	sc.ring = append(sc.ring, e)
	sc.bytes += size
}

// evict removes one entry: the first the hand finds not read since it last
// passed, clearing the bits of those read. Two turns at most, since the
// first clears every bit. The caller holds mu.
func (sc *searchCache) evict() {
	for {
		if sc.hand >= len(sc.ring) {
			sc.hand = 0
		}
		e := sc.ring[sc.hand]
		if e.used.Load() {
			e.used.Store(false)
			sc.hand++
			continue
		}
		delete(sc.entries, e.key)
		sc.bytes -= e.size
		sc.ring = slices.Delete(sc.ring, sc.hand, sc.hand+1)
		return
	}
}
