package catalog

import "unicode/utf8"

// trigramIndex maps every run of three runes in the folded search text to
// the ascending positions of the products that contain it. A query of three
// or more runes can only match products holding all of its trigrams, so a
// search touches the shortest posting lists instead of every description.
type trigramIndex struct {
	ids      map[uint64]int32
	postings [][]int32
}

func trigramKey(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

func newTrigramIndex(texts []string) trigramIndex {
	ix := trigramIndex{ids: make(map[uint64]int32)}
	for pos, text := range texts {
		p := int32(pos)
		forEachTrigram(text, func(key uint64) {
			id, ok := ix.ids[key]
			if !ok {
				id = int32(len(ix.postings))
				ix.ids[key] = id
				ix.postings = append(ix.postings, nil)
			}
			list := ix.postings[id]
			// Positions arrive in ascending order, so a repeat is always the last entry.
			if len(list) == 0 || list[len(list)-1] != p {
				ix.postings[id] = append(list, p)
			}
		})
	}
	return ix
}

func forEachTrigram(text string, yield func(uint64)) {
	var r0, r1 rune
	n := 0 // runes since the start or the last field separator
	for _, r := range text {
		if r == 0 { // the field separator: no trigram spans name and description
			n = 0
			continue
		}
		if n >= 2 {
			yield(trigramKey(r0, r1, r))
		}
		r0, r1 = r1, r
		n++
	}
}

// lookup returns the products that contain every trigram of the folded
// query. exact reports that containing them is the same as containing the
// query (a query of exactly three runes); indexed is false when the query is
// too short to have a trigram and every product is a candidate.
func (ix trigramIndex) lookup(text string) (postings []int32, exact, indexed bool) {
	runes := utf8.RuneCountInString(text)
	if runes < 3 {
		return nil, false, false
	}
	var lists [][]int32
	missing := false
	forEachTrigram(text, func(key uint64) {
		id, ok := ix.ids[key]
		if !ok {
			missing = true
			return
		}
		lists = append(lists, ix.postings[id])
	})
	if missing {
		return []int32{}, true, true
	}
	// Intersect from the shortest list: the result never grows.
	shortest := 0
	for i, l := range lists {
		if len(l) < len(lists[shortest]) {
			shortest = i
		}
	}
	result := lists[shortest]
	for i, l := range lists {
		if i != shortest && len(result) > 0 {
			result = intersect(result, l)
		}
	}
	return result, runes == 3, true
}

// intersect returns the positions in both ascending lists. It gallops
// through the longer list, so a short list against a long one costs
// O(short * log long) rather than O(short + long).
func intersect(a, b []int32) []int32 {
	if len(a) > len(b) {
		a, b = b, a
	}
	out := make([]int32, 0, len(a))
	lo := 0 // every b[:lo] is smaller than the current x
	for _, x := range a {
		hi, step := lo, 1
		for hi < len(b) && b[hi] < x {
			lo = hi + 1
			hi += step
			step <<= 1
		}
		if hi >= len(b) {
			hi = len(b) - 1
		}
		// The first b[i] >= x lies in [lo, hi], or nowhere when lo > hi.
		for lo <= hi {
			mid := int(uint(lo+hi) >> 1)
			if b[mid] < x {
				lo = mid + 1
			} else {
				hi = mid - 1
			}
		}
		if lo == len(b) {
			break
		}
		if b[lo] == x {
			out = append(out, x)
			lo++
		}
	}
	return out
}
