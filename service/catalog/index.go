package catalog

import (
	"math/bits"
	"slices"
	"unicode/utf8"
)

// trigramIndex maps every run of three runes in the folded search text to
// the ascending positions of the products that contain it. A query of three
// or more runes can only match products holding all of its trigrams, so a
// search touches the shortest posting lists instead of every description.
//
// A list is kept in whichever form is smaller. A sparse list is int32
// positions; the sparse lists live back to back in one slice (list id i is
// postings[offsets[i]:offsets[i+1]]), one allocation instead of one per
// trigram. A list holding more than one product in 32 is a bitmap of one
// bit per product, which then costs less than 4 bytes a position: common
// trigrams ("the", "ing") are in most products, and as positions they were
// three quarters of a loaded catalog's memory (41 of 148 MB at 100k
// products, against 12 MB in this form).
type trigramIndex struct {
	ids      map[uint64]int32
	offsets  []int32
	postings []int32
	bitmapOf []int32  // per list id: which bitmap holds it, or -1 when sparse
	bitmaps  []uint64 // bitmap b is bitmaps[b*words:(b+1)*words]
	words    int      // words per bitmap: one bit per product
	products int
}

// denseList reports whether a list of count positions among products is
// smaller as a bitmap (products/8 bytes) than as positions (4 bytes each).
func denseList(count int32, products int) bool {
	return int(count) > products/32
}

func trigramKey(a, b, c rune) uint64 {
	return uint64(a)<<42 | uint64(b)<<21 | uint64(c)
}

// unigramBit marks the key of a single rune's list. The index also lists
// the products holding each rune, so that a query of one or two runes is
// answered from lists, not by checking every product's text: one client
// cycling through one-letter queries made each cost a scan of the whole
// catalog (2.6 ms at 100k products), and a cached query waited behind
// those scans for its core. A trigram key uses 63 bits, so the two never
// meet.
const unigramBit = 1 << 63

func unigramKey(r rune) uint64 { return unigramBit | uint64(r) }

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

// newTrigramIndex builds the index in two passes over the texts: the first
// finds each product's distinct trigram ids and counts every list's length,
// the second writes each position into its list, sparse or bitmap. Going
// over the texts twice costs less than remembering every product's ids
// between the passes, which would take 4 bytes per byte of text. Folded
// text is almost all ASCII, so for larger catalogs trigram ids are found in
// a dense 2M-entry table (an array index rather than a hash lookup for
// each of the ~120 trigrams of every product); the map kept for searches
// holds each distinct trigram once.
func newTrigramIndex(texts []string) trigramIndex {
	var dense []int32 // trigram id + 1; 0 is "not seen"
	if len(texts) >= denseIndexMinProducts {
		dense = make([]int32, 128*128*128)
	}
	ix := trigramIndex{ids: make(map[uint64]int32), products: len(texts), words: (len(texts) + 63) / 64}
	var counts, lastSeen []int32           // per id: list length, last position counted
	var asciiUnigrams [utf8.RuneSelf]int32 // id + 1, as dense
	idOf := func(key uint64) int32 {
		if r := key &^ unigramBit; key&unigramBit != 0 && r < utf8.RuneSelf {
			if id := asciiUnigrams[r]; id != 0 {
				return id - 1
			}
			id := int32(len(counts))
			counts = append(counts, 0)
			lastSeen = append(lastSeen, -1)
			ix.ids[key] = id
			asciiUnigrams[r] = id + 1
			return id
		}
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
	// eachID calls f once for each distinct trigram id of every text.
	var keys []uint64
	eachID := func(f func(pos, id int32)) {
		for i := range lastSeen {
			lastSeen[i] = -1
		}
		for pos, text := range texts {
			p := int32(pos)
			keys = appendUnigrams(appendTrigrams(keys[:0], text), text)
			for _, key := range keys {
				if id := idOf(key); lastSeen[id] != p {
					lastSeen[id] = p
					f(p, id)
				}
			}
		}
	}
	eachID(func(_, id int32) { counts[id]++ })

	ix.offsets = make([]int32, len(counts)+1)
	ix.bitmapOf = make([]int32, len(counts))
	bitmaps := int32(0)
	for id, n := range counts {
		ix.bitmapOf[id] = -1
		if denseList(n, len(texts)) {
			ix.bitmapOf[id] = bitmaps
			bitmaps++
			n = 0
		}
		ix.offsets[id+1] = ix.offsets[id] + n
	}
	ix.postings = make([]int32, ix.offsets[len(counts)])
	ix.bitmaps = make([]uint64, int(bitmaps)*ix.words)
	next := counts // where each sparse list's next position goes
	copy(next, ix.offsets[:len(counts)])
	eachID(func(pos, id int32) {
		if b := ix.bitmapOf[id]; b >= 0 {
			ix.bitmaps[int(b)*ix.words+int(pos/64)] |= 1 << (pos % 64)
			return
		}
		ix.postings[next[id]] = pos
		next[id]++
	})
	return ix
}

func (ix trigramIndex) list(id int32) []int32 {
	return ix.postings[ix.offsets[id]:ix.offsets[id+1]:ix.offsets[id+1]]
}

func (ix trigramIndex) bitmap(id int32) []uint64 {
	b := int(ix.bitmapOf[id])
	return ix.bitmaps[b*ix.words : (b+1)*ix.words : (b+1)*ix.words]
}

// appendUnigrams appends the keys of text's runes to keys, the field
// separator aside.
func appendUnigrams(keys []uint64, text string) []uint64 {
	if isASCII(text) {
		for i := 0; i < len(text); i++ {
			if text[i] != 0 {
				keys = append(keys, unigramKey(rune(text[i])))
			}
		}
		return keys
	}
	for _, r := range text {
		if r != 0 {
			keys = append(keys, unigramKey(r))
		}
	}
	return keys
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

// maxIntersectedLists is how many of a query's sparse trigram lists a
// search intersects, the shortest first. Bitmaps are not counted: testing a
// candidate's bit costs less than a step through a list.
const maxIntersectedLists = 4

// lookup returns the products that contain every trigram of the folded
// query, or every rune of a query of one or two. exact reports that
// containing them is the same as containing the query (a query of exactly
// one or three runes); indexed is false for an empty query, for which every
// product is a candidate. shared
// reports that postings is the index's own list, which must not be kept
// by a cache that counts what it holds or be written to.
func (ix trigramIndex) lookup(text string) (postings []int32, exact, indexed, shared bool) {
	runes := utf8.RuneCountInString(text)
	if runes == 0 {
		return nil, false, false, false
	}
	keys := queryKeys(text, runes)
	var lists [][]int32
	var bitmaps [][]uint64
	for _, key := range keys {
		id, ok := ix.ids[key]
		if !ok {
			return []int32{}, true, true, false
		}
		if ix.bitmapOf[id] >= 0 {
			bitmaps = append(bitmaps, ix.bitmap(id))
		} else {
			lists = append(lists, ix.list(id))
		}
	}
	exact = runes == 1 || runes == 3
	if len(lists) == 0 {
		_, all := ix.page(bitmaps, 0, ix.products)
		return all, exact, true, false
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
	if len(bitmaps) == 0 {
		return result, exact, true, len(lists) == 1
	}
	out := make([]int32, 0, len(result))
	for _, pos := range result {
		if inAll(bitmaps, pos) {
			out = append(out, pos)
		}
	}
	return out, exact, true, false
}

// queryKeys are the lists a folded query of runes runes needs: its
// trigrams, or for one or two runes (which have none) its runes.
func queryKeys(text string, runes int) []uint64 {
	if runes < 3 {
		return appendUnigrams(nil, text)
	}
	return appendTrigrams(nil, text)
}

// exactBitmaps returns the bitmaps whose intersection is exactly the
// products holding the folded query, when every list the query needs is a
// bitmap and the lists decide the query alone (one rune, or three): a page
// and a count of such a query come from the bits, with no list of matches
// as long as the catalog built first. ok is false otherwise.
func (ix trigramIndex) exactBitmaps(text string) (bitmaps [][]uint64, ok bool) {
	runes := utf8.RuneCountInString(text)
	if runes != 1 && runes != 3 {
		return nil, false
	}
	keys := queryKeys(text, runes)
	for _, key := range keys {
		id, found := ix.ids[key]
		if !found || ix.bitmapOf[id] < 0 {
			return nil, false
		}
		bitmaps = append(bitmaps, ix.bitmap(id))
	}
	return bitmaps, len(bitmaps) > 0
}

// page counts the products set in every bitmap, and lists those from the
// offset-th on, at most limit of them: bits are walked one by one only in
// the words the page falls in.
func (ix trigramIndex) page(bitmaps [][]uint64, offset, limit int) (total int, positions []int32) {
	for w := range ix.words {
		word := bitmaps[0][w]
		for _, b := range bitmaps[1:] {
			word &= b[w]
		}
		first := total // the number of the word's first match
		total += bits.OnesCount64(word)
		if total <= offset || len(positions) >= limit {
			continue
		}
		for k := first; word != 0 && len(positions) < limit; k++ {
			bit := bits.TrailingZeros64(word)
			word &= word - 1
			if k >= offset {
				positions = append(positions, int32(w*64+bit))
			}
		}
	}
	return total, positions
}

func inAll(bitmaps [][]uint64, pos int32) bool {
	for _, b := range bitmaps {
		if b[pos/64]&(1<<(pos%64)) == 0 {
			return false
		}
	}
	return true
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
