package catalog

import (
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSearchCacheStaysBounded(t *testing.T) {
	var sc searchCache
	big := make([]int32, cacheMaxPositions/3)
	for i, text := range []string{"a", "b", "c", "d", "e"} {
		sc.do(searchKey{text: text}, func() []int32 { return big })
		if sc.positions > cacheMaxPositions {
			t.Fatalf("after %d searches the cache holds %d positions, over the bound %d", i+1, sc.positions, cacheMaxPositions)
		}
		if _, ok := sc.get(searchKey{text: text}); !ok {
			t.Fatalf("the answer just found (%q) is missing", text)
		}
	}
	sc.do(searchKey{text: "huge"}, func() []int32 { return make([]int32, cacheMaxPositions+1) })
	if _, ok := sc.get(searchKey{text: "huge"}); ok {
		t.Errorf("an answer larger than the whole bound was kept")
	}
}

// Requests that ask for a query while its first search is under way wait
// for that search instead of repeating it.
func TestSearchCacheSharesASearchUnderWay(t *testing.T) {
	var sc searchCache
	var searches atomic.Int32
	release := make(chan struct{})
	search := func() []int32 {
		searches.Add(1)
		<-release
		return []int32{1, 2, 3}
	}
	const requests = 8
	results := make([][]int32, requests)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() { defer wg.Done(); results[i] = sc.do(searchKey{text: "kettle"}, search) }()
	}
	// Once the first search has started, give the other requests time to
	// reach the cache; any that come later find the answer remembered.
	for deadline := time.Now().Add(5 * time.Second); searches.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
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
