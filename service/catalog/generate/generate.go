// Package generate makes synthetic catalogs of any size from a seed, for
// benchmarks and property tests: the same seed always gives the same
// products.
package generate

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/product-catalog/product-catalog/service/catalog"
)

// Products returns n valid products with distinct ids, deterministically
// from seed.
func Products(n int, seed int64) []catalog.Product {
	// Vocabulary a shop's copy might use; a mix of common and rare words gives
	// searches both broad and narrow result sets, as real catalogs do.
	adjectives := strings.Fields("compact sturdy classic modern vintage portable insulated precise quiet rugged " +
		"elegant minimal handmade recycled lightweight durable ergonomic adjustable foldable waterproof " +
		"café crème ångström naïve façade")
	nouns := strings.Fields("kettle grinder dripper scale mug teapot whisk canister pitcher filter tin tray " +
		"thermos carafe press roaster spoon brush jar bottle flask sieve timer stand cup saucer")
	materials := strings.Fields("steel glass ceramic bamboo copper brass enamel porcelain walnut oak silicone aluminium")
	phrases := []string{
		"keeps drinks hot for hours", "designed for everyday brewing", "easy to clean by hand",
		"fits in a travel bag", "made in a small workshop", "safe in the dishwasher",
		"a favourite of baristas", "ships in recycled packaging", "backed by a two-year warranty",
		"pairs well with our other tools", "balanced and comfortable to hold", "for home and office",
	}
	categories := strings.Fields("brewing grinders kettles teaware storage cups accessories scales travel gifts")

	rng := rand.New(rand.NewSource(seed))
	pick := func(words []string) string { return words[rng.Intn(len(words))] }
	products := make([]catalog.Product, n)
	for i := range products {
		model := fmt.Sprintf("%c%c-%04d", 'A'+rng.Intn(26), 'A'+rng.Intn(26), rng.Intn(10000))
		name := fmt.Sprintf("%s %s %s %s", title(pick(adjectives)), title(pick(materials)), title(pick(nouns)), model)
		var desc strings.Builder
		fmt.Fprintf(&desc, "A %s %s %s, %s.", pick(adjectives), pick(materials), pick(nouns), pick(phrases))
		for s := rng.Intn(3); s > 0; s-- {
			fmt.Fprintf(&desc, " %s %s: %s.", title(pick(adjectives)), pick(nouns), pick(phrases))
		}
		cats := []string{pick(categories)}
		if rng.Intn(3) == 0 {
			if c := pick(categories); c != cats[0] {
				cats = append(cats, c)
			}
		}
		products[i] = catalog.Product{
			ID:          fmt.Sprintf("GEN-%07d", i),
			Name:        name,
			Description: desc.String(),
			Picture:     fmt.Sprintf("gen-%07d.jpg", i),
			PriceUSD:    catalog.Money{CurrencyCode: "USD", Units: int64(rng.Intn(500)), Nanos: int32(rng.Intn(100)) * 10_000_000},
			Categories:  cats,
		}
	}
	return products
}

// title upper-cases the first letter of an ASCII word.
func title(word string) string {
	if word == "" || word[0] < 'a' || word[0] > 'z' {
		return word
	}
	return string(word[0]-('a'-'A')) + word[1:]
}
