package catalog

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Parse decodes one catalog file, {"products": [...]}, and validates each
// product on its own. Problems that need the whole catalog, such as an id
// used in two files, are found by Load and New.
//
// A well-formed file takes one strict decoding pass. Only a file that fails
// it is decoded again, field by field, so that every problem is reported and
// not just the first one the JSON decoder meets.
//
// Both passes read the products one at a time from data: the decoder never
// holds more than one product's bytes, and nothing copies the whole array,
// so parsing costs the decoded products on top of the file (a decoder
// given the whole document buffers a second copy of it, and raw messages a
// third and a fourth).
func Parse(file string, data []byte) ([]Product, []Problem) {
	if products, ok := decodeStrict(data); ok {
		var problems []Problem
		for i := range products {
			problems = append(problems, validateProduct(file, i, &products[i])...)
		}
		return products, problems
	}
	return diagnose(file, data)
}

// decodeStrict decodes a file that is exactly {"products": [...]} with no
// unknown field anywhere, or reports false.
func decodeStrict(data []byte) ([]Product, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if !nextIs(dec, json.Delim('{')) {
		return nil, false
	}
	key, err := dec.Token()
	if err != nil || key != "products" || !nextIs(dec, json.Delim('[')) {
		return nil, false
	}
	products := []Product{}
	for dec.More() {
		products = append(products, Product{})
		if err := dec.Decode(&products[len(products)-1]); err != nil {
			return nil, false
		}
	}
	if !nextIs(dec, json.Delim(']')) || !nextIs(dec, json.Delim('}')) || !atEOF(dec) {
		return nil, false
	}
	return products, true
}

func nextIs(dec *json.Decoder, want json.Token) bool {
	got, err := dec.Token()
	return err == nil && got == want
}

func atEOF(dec *json.Decoder) bool {
	_, err := dec.Token()
	return errors.Is(err, io.EOF)
}

// diagnose is the slow path of Parse: it walks the document one level at a
// time so that each problem names its field.
func diagnose(file string, data []byte) ([]Product, []Problem) {
	fileProblem := func(line, col int, field, msg string) []Problem {
		return []Problem{{File: file, Line: line, Column: col, Index: -1, Field: field, Message: msg}}
	}
	if !json.Valid(data) {
		// Unmarshal checks the whole document before decoding any of it,
		// so this finds the syntax error and allocates nothing else.
		err := json.Unmarshal(data, new(struct{}))
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			line, col := position(data, syntax.Offset)
			return nil, fileProblem(line, col, "", "invalid JSON: "+syntax.Error())
		}
		return nil, fileProblem(0, 0, "", "invalid JSON: "+fmt.Sprint(err))
	}
	dec := json.NewDecoder(bytes.NewReader(data)) // data is valid JSON: no read fails
	if !nextIs(dec, json.Delim('{')) {
		return nil, fileProblem(0, 0, "", `must be a JSON object with a "products" array`)
	}
	var problems []Problem
	var products []Product
	seen := false
	for dec.More() {
		token, _ := dec.Token()
		key := token.(string) // an object's keys are strings
		switch {
		case key != "products":
			problems = append(problems, fileProblem(0, 0, key, "unknown field")...)
			skipValue(dec)
			continue
		case seen:
			problems = append(problems, fileProblem(0, 0, key, "appears more than once")...)
			skipValue(dec)
			continue
		}
		seen = true
		token, _ = dec.Token()
		switch token {
		case nil:
			problems = append(problems, fileProblem(0, 0, "products", "is required: the file must hold {\"products\": [...]}")...)
			continue
		case json.Delim('['):
		default:
			skipOpened(dec, token)
			problems = append(problems, fileProblem(0, 0, "products", "must be an array of products")...)
			continue
		}
		for i := 0; dec.More(); i++ {
			var raw json.RawMessage // one product's bytes at a time
			_ = dec.Decode(&raw)
			var p Product
			fieldProblems := decodeProduct(raw, &p)
			for _, fp := range fieldProblems {
				problems = append(problems, Problem{File: file, Index: i, ID: p.ID, Field: fp.field, Message: fp.message})
			}
			if len(fieldProblems) == 0 {
				problems = append(problems, validateProduct(file, i, &p)...)
			}
			products = append(products, p)
		}
		_, _ = dec.Token() // ]
	}
	if !seen {
		problems = append(problems, fileProblem(0, 0, "products", "is required: the file must hold {\"products\": [...]}")...)
	}
	return products, problems
}

// skipValue reads past the next value of a valid document.
func skipValue(dec *json.Decoder) {
	token, _ := dec.Token()
	skipOpened(dec, token)
}

// skipOpened reads to the end of the object or array that token opened,
// if it opened one.
func skipOpened(dec *json.Decoder, token json.Token) {
	if token != json.Delim('{') && token != json.Delim('[') {
		return
	}
	for depth := 1; depth > 0; {
		token, _ = dec.Token()
		switch token {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
}

type fieldProblem struct{ field, message string }

func decodeProduct(raw json.RawMessage, p *Product) []fieldProblem {
	return decodeObject(raw, "", map[string]func(json.RawMessage) []fieldProblem{
		"id":          decodeInto(&p.ID, "id"),
		"name":        decodeInto(&p.Name, "name"),
		"description": decodeInto(&p.Description, "description"),
		"picture":     decodeInto(&p.Picture, "picture"),
		"categories":  decodeInto(&p.Categories, "categories"),
		"priceUsd": func(raw json.RawMessage) []fieldProblem {
			m := &p.PriceUSD
			return decodeObject(raw, "priceUsd", map[string]func(json.RawMessage) []fieldProblem{
				"currencyCode": decodeInto(&m.CurrencyCode, "priceUsd.currencyCode"),
				"units":        decodeInto(&m.Units, "priceUsd.units"),
				"nanos":        decodeInto(&m.Nanos, "priceUsd.nanos"),
			})
		},
	})
}

// decodeObject decodes a JSON object whose known fields each have a decoder,
// and reports every unknown field and every field of the wrong type.
func decodeObject(raw json.RawMessage, name string, fields map[string]func(json.RawMessage) []fieldProblem) []fieldProblem {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return []fieldProblem{{name, "must be a JSON object"}}
	}
	var problems []fieldProblem
	for _, key := range sortedKeys(obj) {
		decode, known := fields[key]
		if !known {
			problems = append(problems, fieldProblem{join(name, key), "unknown field"})
			continue
		}
		problems = append(problems, decode(obj[key])...)
	}
	return problems
}

func decodeInto[T any](dst *T, field string) func(json.RawMessage) []fieldProblem {
	return func(raw json.RawMessage) []fieldProblem {
		if err := json.Unmarshal(raw, dst); err != nil {
			return []fieldProblem{{field, fmt.Sprintf("must be %s, got %s", jsonKind(*dst), describe(err, raw))}}
		}
		return nil
	}
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer (64-bit)"
	case int32:
		return "an integer (32-bit)"
	case []string:
		return "an array of strings"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func describe(err error, raw json.RawMessage) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return typeErr.Value
	}
	return strings.TrimSpace(string(raw))
}

func join(prefix, field string) string {
	if prefix == "" {
		return field
	}
	return prefix + "." + field
}

// validateProduct checks the rules a decoded product must meet.
func validateProduct(file string, index int, p *Product) []Problem {
	var problems []Problem
	add := func(field, format string, args ...any) {
		problems = append(problems, Problem{File: file, Index: index, ID: p.ID, Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case strings.TrimSpace(p.ID) == "":
		add("id", "is required and must not be empty")
	default:
		if problem := idProblem(p.ID); problem != "" {
			add("id", "%s", problem)
		}
	}
	if strings.TrimSpace(p.Name) == "" {
		add("name", "is required and must not be empty")
	}
	if !isCurrencyCode(p.PriceUSD.CurrencyCode) {
		add("priceUsd.currencyCode", "must be 3 upper-case letters (ISO 4217), got %q", p.PriceUSD.CurrencyCode)
	}
	if p.PriceUSD.Units < 0 {
		add("priceUsd.units", "must not be negative, got %d", p.PriceUSD.Units)
	}
	if p.PriceUSD.Nanos < 0 || p.PriceUSD.Nanos > maxNanos {
		add("priceUsd.nanos", "must be within 0..%d, got %d", maxNanos, p.PriceUSD.Nanos)
	}
	for i, c := range p.Categories {
		if strings.TrimSpace(c) == "" {
			add(fmt.Sprintf("categories[%d]", i), "must not be empty")
		}
	}
	return problems
}

// idProblem says what keeps id from being an id, or "". An id is part of
// the URL /products/{id} and what people compare by eye, so it has one
// form: two ids that look alike must be equal. Allowed are letters, marks
// and digits of any script in Unicode NFC, and the URL's unreserved
// punctuation "-", ".", "_" and "~"; everything else is refused by name:
// "/", white space, control, format (zero-width, byte order and bidi
// marks), default-ignorable, private-use and unassigned characters, and
// look-alike punctuation such as U+2010 HYPHEN. "." and ".." are path
// segments a URL removes, so they can never be asked for over REST.
func idProblem(id string) string {
	if id == "." || id == ".." {
		return fmt.Sprintf("must not be %q: a URL removes that path segment, so /products/%s would never reach it", id, id)
	}
	for _, r := range id {
		if r == utf8.RuneError {
			return "must be valid UTF-8"
		}
		if class := idRuneClass(r); class != "" {
			return fmt.Sprintf("must not contain U+%04X (%s): it is part of the URL /products/{id}, and ids that look alike must be equal", r, class)
		}
	}
	if !norm.NFC.IsNormalString(id) {
		return fmt.Sprintf("must be in Unicode normalization form C (NFC), as %+q is: ids that look alike must be equal", norm.NFC.String(id))
	}
	return ""
}

// idRuneClass names why r cannot be in an id, or is "" when it can.
func idRuneClass(r rune) string {
	switch {
	case r == '-' || r == '.' || r == '_' || r == '~':
		return ""
	case r == '/':
		return "a slash"
	case unicode.Is(unicode.White_Space, r):
		return "white space"
	case unicode.IsControl(r):
		return "a control character"
	case unicode.Is(unicode.Bidi_Control, r):
		return "a bidirectional control"
	case unicode.Is(unicode.Cf, r):
		return "a format character"
	case unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r), unicode.Is(unicode.Variation_Selector, r):
		return "a default-ignorable character"
	case unicode.Is(unicode.Co, r), unicode.Is(unicode.Cs, r):
		return "a private-use or surrogate code point"
	case unicode.IsLetter(r), unicode.IsMark(r), unicode.IsDigit(r):
		return ""
	case unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S):
		return "neither a letter, a mark, a digit nor one of - . _ ~"
	default:
		return "an unassigned code point"
	}
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1)
	if col < 1 {
		col = 1
	}
	return line, col
}
