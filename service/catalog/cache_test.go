package catalog

import "testing"

func TestSearchCacheStaysBounded(t *testing.T) {
	var sc searchCache
	big := make([]int32, cacheMaxPositions/3)
	for i, text := range []string{"a", "b", "c", "d", "e"} {
		sc.put(searchKey{text: text}, big)
		if sc.positions > cacheMaxPositions {
			t.Fatalf("after %d puts the cache holds %d positions, over the bound %d", i+1, sc.positions, cacheMaxPositions)
		}
		if _, ok := sc.get(searchKey{text: text}); !ok {
			t.Fatalf("the entry just put (%q) is missing", text)
		}
	}
	sc.put(searchKey{text: "huge"}, make([]int32, cacheMaxPositions+1))
	if _, ok := sc.get(searchKey{text: "huge"}); ok {
		t.Errorf("an answer larger than the whole bound was kept")
	}
}
