package catalog

import "sync"

// searchCache remembers the matches of expensive searches for the life of
// one snapshot. A snapshot never changes, so an entry never goes stale; a
// reload builds a new Catalog with an empty cache. Broad queries ("kettle"
// over 100k products) are both the costly ones, since every candidate's
// text is checked, and the ones a shop's visitors repeat.
type searchCache struct {
	mu        sync.RWMutex
	matches   map[searchKey][]int32
	positions int // total positions held, bounded by maxPositions
}

type searchKey struct{ text, category string }

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

// put keeps matches, dropping everything first when the bound would be
// passed: simpler than LRU, and popular queries come straight back.
func (sc *searchCache) put(key searchKey, matches []int32) {
	if len(matches) > cacheMaxPositions {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.matches == nil || sc.positions+len(matches) > cacheMaxPositions {
		sc.matches = make(map[searchKey][]int32)
		sc.positions = 0
	}
	sc.matches[key] = matches
	sc.positions += len(matches)
}
