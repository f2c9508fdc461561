package catalog

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a catalog, located as precisely as the
// input allows: the file, a line and column for malformed JSON, and for a
// product its position in the file's "products" array, its id and the field.
type Problem struct {
	File    string
	Line    int // 1-based; 0 when the problem is not tied to a position
	Column  int
	Index   int // position in the "products" array; -1 for file-level problems
	ID      string
	Field   string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Index >= 0 {
		fmt.Fprintf(&b, "products[%d]", p.Index)
		if p.ID != "" {
			fmt.Fprintf(&b, " (id %+q)", p.ID) // ASCII-quoted: a look-alike character shows as its code point
		}
		b.WriteString(": ")
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// maxReported bounds the error message; Problems keeps every problem.
const maxReported = 50

// ValidationError reports every problem found in a catalog at once, so a
// broken edit can be fixed in one pass.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid catalog: %d problem", len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for i, p := range e.Problems {
		if i == maxReported {
			fmt.Fprintf(&b, "\n  ... and %d more", len(e.Problems)-maxReported)
			break
		}
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}
