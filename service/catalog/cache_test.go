package catalog

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unsafe"
)

// The cache counts what it really holds: an answer's backing array as
// long as its candidate list, keys, and map slots. Each case is a stream of
// distinct queries that grew the cache without bound when only matches
// were counted.
func TestSearchCacheStaysBounded(t *testing.T) {
	tests := []struct {
		name    string
		queries int
		key     func(i int) searchKey
		search  func() []int32
	}{
		{"answers cut from candidate-sized arrays", 200,
			func(i int) searchKey { return searchKey{text: fmt.Sprint(i)} },
			func() []int32 { return make([]int32, 1, 100_000) }},
		{"empty answers", 3 * cacheMaxEntries,
			func(i int) searchKey { return searchKey{text: fmt.Sprint(i)} },
			func() []int32 { return nil }},
		{"long keys", 3 * cacheMaxEntries,
			func(i int) searchKey {
				return searchKey{text: fmt.Sprintf("%0256d", i), category: strings.Repeat("c", 256)}
			},
			func() []int32 { return []int32{1} }},
		{"large answers", 20,
			func(i int) searchKey { return searchKey{text: fmt.Sprint(i)} },
			func() []int32 { return make([]int32, cacheMaxBytes/4/3) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sc searchCache
			for i := 0; i < tt.queries; i++ {
				key := tt.key(i)
				sc.do(key, tt.search)
				if _, ok := sc.get(key); !ok {
					t.Fatalf("query %d: the answer just found is missing", i)
				}
				if sc.bytes > cacheMaxBytes || len(sc.entries) > cacheMaxEntries || len(sc.ring) != len(sc.entries) {
					t.Fatalf("query %d: the cache counts %d bytes in %d entries (%d in the ring), over the bounds %d bytes, %d entries",
						i, sc.bytes, len(sc.entries), len(sc.ring), cacheMaxBytes, cacheMaxEntries)
				}
				// Its count against what its entries really hold: a walk of
				// every entry, so not after every query.
				if i%61 == 0 || i == tt.queries-1 {
					held := 0
					for k, e := range sc.entries {
						held += entryBytes(k, e.matches)
					}
					if held != sc.bytes {
						t.Fatalf("query %d: the cache counts %d bytes, its entries hold %d", i, sc.bytes, held)
					}
				}
			}
		})
	}
}

func TestSearchCacheRefusesAnAnswerOverTheBound(t *testing.T) {
	var sc searchCache
	key := searchKey{text: "huge"}
	sc.do(key, func() []int32 { return make([]int32, cacheMaxBytes/4+1) })
	if _, ok := sc.get(key); ok {
		t.Errorf("an answer larger than the whole bound was kept")
	}
}

// Requests that ask for a query while its first search is under way wait
// for that search instead of repeating it.
func TestSearchCacheSharesASearchUnderWay(t *testing.T) {
	const requests = 8
	waiting := make(chan struct{}, requests)
	sc := searchCache{waiting: func() { waiting <- struct{}{} }}
	var searches atomic.Int32
	started, release := make(chan struct{}), make(chan struct{})
	search := func() []int32 {
		searches.Add(1)
		close(started) // a second search would panic here
		<-release
		return []int32{1, 2, 3}
	}
	results := make([][]int32, requests)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = sc.do(searchKey{text: "kettle"}, search) }()
	}
	// One request runs the search; the search holds until every other one
	// is waiting for it.
	<-started
	for i := 0; i < requests-1; i++ {
		<-waiting
	}
	close(release)
	wg.Wait()
	if got := searches.Load(); got != 1 {
		t.Errorf("%d concurrent requests ran %d searches, want 1", requests, got)
	}
	for i, got := range results {
		if !slices.Equal(got, []int32{1, 2, 3}) {
			t.Errorf("request %d got %v, want [1 2 3]", i, got)
		}
	}
	if len(sc.pending) != 0 {
		t.Errorf("%d searches still pending after all ended", len(sc.pending))
	}
}

// A search that panics leaves nothing behind: the next request searches
// again.
func TestSearchCacheForgetsAPanickedSearch(t *testing.T) {
	var sc searchCache
	key := searchKey{text: "kettle"}
	func() {
		defer func() { _ = recover() }()
		sc.do(key, func() []int32 { panic("boom") })
	}()
	if got := sc.do(key, func() []int32 { return []int32{7} }); !slices.Equal(got, []int32{7}) {
		t.Errorf("after a panicked search: got %v, want [7]", got)
	}
}

// An answer is kept in an array of its own: a sub-slice of the search's
// candidate-sized array, even an empty one, would keep that array alive
// while the budget counted only the sub-slice.
func TestSearchCacheKeepsNoCandidateArray(t *testing.T) {
	candidates := make([]int32, 100_000)
	for _, n := range []int{0, 1, 1000} {
		var sc searchCache
		key := searchKey{text: "q"}
		sc.do(key, func() []int32 { return candidates[:n] })
		kept, _ := sc.get(key)
		if len(kept) != n {
			t.Fatalf("%d matches: kept %d", n, len(kept))
		}
		if cap(kept) > 0 && unsafe.SliceData(kept) == unsafe.SliceData(candidates) {
			t.Errorf("%d matches: the cache kept the candidates' %d-element array", n, cap(candidates))
		}
		if n == 0 && kept != nil {
			t.Errorf("no matches: kept a slice of capacity %d, want nil", cap(kept))
		}
	}
}

// A full cache evicts the entries nobody reads, not everything: a query
// read between others keeps its answer while a client cycles through more
// distinct queries than the cache holds.
func TestCacheEvictsTheUnreadNotAll(t *testing.T) {
	var sc searchCache
	large := func() []int32 { return make([]int32, cacheMaxBytes/4/4) } // four fit, barely not
	hot := searchKey{text: "hot"}
	hotSearches := 0
	searchHot := func() []int32 { hotSearches++; return large() }
	sc.do(hot, searchHot)
	for i := range 64 {
		sc.do(searchKey{text: fmt.Sprint("cycling", i%16)}, large)
		sc.do(hot, searchHot)
	}
	if hotSearches != 1 {
		t.Errorf("the hot query was searched %d times while read between 64 others, want once: it was evicted", hotSearches)
	}
	if sc.bytes > cacheMaxBytes {
		t.Errorf("the cache holds %d bytes, over %d", sc.bytes, cacheMaxBytes)
	}
}
