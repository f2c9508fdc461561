package catalog

import (
	"slices"
	"unicode/utf8"
)

// trigramIndex maps every run of three runes in the folded search text to
// the ascending positions of the products that contain it. A query of three
// or more runes can only match products holding all of its trigrams, so a
// search touches the shortest posting lists instead of every description.
//
// The posting lists live back to back in one slice (list id i is
// postings[offsets[i]:offsets[i+1]]): one allocation instead of one per
// trigram, and a loaded catalog is mostly this slice.
type trigramIndex struct {
	ids      map[uint64]int32
	offsets  []int32
	postings []int32
}

func trigramKey(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

// denseIndexMinProducts is the catalog size from which the 8 MB dense table
// pays for itself; smaller catalogs hash every trigram.
const denseIndexMinProducts = 100

// asciiSlot is where an all-ASCII trigram sits in the dense table that
// newTrigramIndex uses while building; ok is false for any other trigram.
func asciiSlot(key uint64) (slot int, ok bool) {
	a, b, c := key>>42, key>>21&(1<<21-1), key&(1<<21-1)
	if a|b|c >= 128 {
		return 0, false
	}
	return int(a<<14 | b<<7 | c), true
}

// newTrigramIndex finds each product's distinct trigram ids in one pass,
// counting every list's length, then lays the lists out back to back. Folded
// text is almost all ASCII, so for larger catalogs trigram ids are found in
// a dense 2M-entry table during the build (an array index rather than a hash
// lookup for each of the ~120 trigrams of every product); the map kept for
// searches holds each distinct trigram once.
func newTrigramIndex(texts []string) trigramIndex {
	var dense []int32 // trigram id + 1; 0 is "not seen"
	if len(texts) >= denseIndexMinProducts {
		dense = make([]int32, 128*128*128)
	}
	ix := trigramIndex{ids: make(map[uint64]int32)}
	var counts, lastSeen []int32 // per id: list length, last position counted
	idOf := func(key uint64) int32 {
		slot, inDense := asciiSlot(key)
		inDense = inDense && dense != nil
		if inDense {
			if id := dense[slot]; id != 0 {
				return id - 1
			}
		} else if id, ok := ix.ids[key]; ok {
			return id
		}
		id := int32(len(counts))
		counts = append(counts, 0)
		lastSeen = append(lastSeen, -1)
		ix.ids[key] = id
		if inDense {
			dense[slot] = id + 1
		}
		return id
	}
	size := 0
	for _, text := range texts {
		size += len(text)
	}
	seq := make([]int32, 0, size) // each product's distinct ids, product after product
	ends := make([]int, len(texts))
	var keys []uint64
	for pos, text := range texts {
		p := int32(pos)
		keys = appendTrigrams(keys[:0], text)
		for _, key := range keys {
			if id := idOf(key); lastSeen[id] != p {
				lastSeen[id] = p
				counts[id]++
				seq = append(seq, id)
			}
		}
		ends[pos] = len(seq)
	}
	ix.offsets, ix.postings = layOut(counts, seq, ends)
	return ix
}

// layOut writes every posting list back to back: list id holds the
// positions whose ids in seq (ends[pos] closing position pos's) include
// it, counts[id] of them. It reuses counts.
func layOut(counts, seq []int32, ends []int) (offsets, postings []int32) {
	offsets = make([]int32, len(counts)+1)
	for id, n := range counts {
		offsets[id+1] = offsets[id] + n
	}
	postings = make([]int32, offsets[len(counts)])
	next := counts // where each list's next position goes
	copy(next, offsets[:len(counts)])
	start := 0
	for pos, end := range ends {
		for _, id := range seq[start:end] {
			postings[next[id]] = int32(pos)
			next[id]++
		}
		start = end
	}
	return offsets, postings
}

func (ix trigramIndex) list(id int32) []int32 {
	return ix.postings[ix.offsets[id]:ix.offsets[id+1]:ix.offsets[id+1]]
}

// appendTrigrams appends the keys of text's trigrams to keys. No trigram
// spans the field separator, so none joins name and description.
func appendTrigrams(keys []uint64, text string) []uint64 {
	if isASCII(text) {
		// Bytes are runes: no UTF-8 decoding on the path most text takes.
		n := 0 // bytes since the start or the last field separator
		for i := 0; i < len(text); i++ {
			if text[i] == 0 {
				n = 0
				continue
			}
			if n >= 2 {
				keys = append(keys, trigramKey(rune(text[i-2]), rune(text[i-1]), rune(text[i])))
			}
			n++
		}
		return keys
	}
	var r0, r1 rune
	n := 0 // runes since the start or the last field separator
	for _, r := range text {
		if r == 0 {
			n = 0
			continue
		}
		if n >= 2 {
			keys = append(keys, trigramKey(r0, r1, r))
		}
		r0, r1 = r1, r
		n++
	}
	return keys
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// maxIntersectedLists is how many of a query's trigram lists a search
// intersects, the shortest first.
const maxIntersectedLists = 4

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
	for _, key := range appendTrigrams(nil, text) {
		id, ok := ix.ids[key]
		if !ok {
			return []int32{}, true, true
		}
		lists = append(lists, ix.list(id))
	}
	// Intersect from the shortest list: the result never grows. Past a few
	// lists the candidates hardly shrink while each list still costs a pass;
	// the substring check that follows is exact either way.
	slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
	if len(lists) > maxIntersectedLists {
		lists = lists[:maxIntersectedLists]
	}
	result := lists[0]
	for _, l := range lists[1:] {
		if len(result) == 0 {
			break
		}
		result = intersect(result, l)
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
