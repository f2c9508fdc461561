// Command mdlinks checks the relative links of Markdown files: each must
// name a file of the repository, and an anchor (#section) a heading of
// that file, as GitHub makes anchors of headings. make lint runs it on
// every Markdown file git tracks, so moving a section cannot leave a link
// dangling.
//
// usage: mdlinks FILE.md...
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mdlinks:", err)
		os.Exit(1)
	}
}

func run(files []string, stdout io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: mdlinks FILE.md (one or more)")
	}
	var problems []string
	checked := 0
	for _, file := range files {
		found, n, err := check(file)
		if err != nil {
			return err
		}
		problems = append(problems, found...)
		checked += n
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, p)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d broken links", len(problems))
	}
	fmt.Fprintf(stdout, "mdlinks: %d relative links in %d files, all resolve\n", checked, len(files))
	return nil
}

// link is [text](target) outside code; images too.
var link = regexp.MustCompile(`\]\(([^()\s]+)\)`)

// check returns the broken relative links of file, as "file:line: why",
// and how many relative links it checked.
func check(file string) ([]string, int, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, 0, err
	}
	var problems []string
	n := 0
	for i, line := range strings.Split(stripCode(string(data)), "\n") {
		for _, m := range link.FindAllStringSubmatch(line, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			n++
			if why := resolve(file, target); why != "" {
				problems = append(problems, fmt.Sprintf("%s:%d: %s: %s", file, i+1, target, why))
			}
		}
	}
	return problems, n, nil
}

// resolve says what is wrong with target, a link from file, or "".
func resolve(file, target string) string {
	path, anchor, _ := strings.Cut(target, "#")
	dest := file
	if path != "" {
		dest = filepath.Join(filepath.Dir(file), filepath.FromSlash(path))
		if _, err := os.Stat(dest); err != nil {
			return "no such file"
		}
	}
	if anchor == "" {
		return ""
	}
	if !strings.HasSuffix(dest, ".md") {
		return "an anchor into a file that is not Markdown"
	}
	data, err := os.ReadFile(dest)
	if err != nil {
		return err.Error()
	}
	if !anchors(string(data))[anchor] {
		return fmt.Sprintf("no heading of %s makes the anchor #%s", filepath.ToSlash(dest), anchor)
	}
	return ""
}

// stripCode blanks fenced code blocks and inline code, keeping lines, so
// that what looks like a link inside code is not one.
func stripCode(s string) string {
	lines := strings.Split(s, "\n")
	fenced := false
	for i, line := range lines {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			lines[i] = ""
			continue
		}
		if fenced {
			lines[i] = ""
			continue
		}
		lines[i] = inlineCode.ReplaceAllString(line, "``")
	}
	return strings.Join(lines, "\n")
}

var inlineCode = regexp.MustCompile("`[^`]*`")

// anchors are the anchors GitHub makes of a document's headings: lower
// case, inline code and punctuation but '-' and '_' dropped, spaces as
// '-', a repeated one numbered from -1.
func anchors(doc string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	fenced := false
	for _, line := range strings.Split(doc, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
		}
		if fenced || !strings.HasPrefix(line, "#") {
			continue
		}
		text := strings.TrimSpace(strings.TrimLeft(line, "#"))
		slug := slugify(text)
		if k := seen[slug]; k > 0 {
			out[fmt.Sprintf("%s-%d", slug, k)] = true
		} else {
			out[slug] = true
		}
		seen[slug]++
	}
	return out
}

func slugify(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}
