// Command sbomcheck reads SBOM files as the tools auditors use read them,
// and fails on the first that one of them refuses or misreads:
//
//   - the official JSON schema of the spec version (SPDX 2.3, CycloneDX
//     1.6), pinned in schemas/;
//   - SPDX's own Go library, tools-golang: its parser, then spdxlib's
//     validation (every relationship joins elements the document holds);
//   - CycloneDX's Go library, cyclonedx-go, which refuses spec versions it
//     does not know;
//   - syft's format decoders, which grype and other consumers use.
//
// Across all the files it is given, document namespaces (SPDX) and serial
// numbers (CycloneDX) must be unique.
//
// usage: sbomcheck FILE...
package main

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/anchore/syft/syft/format"
	"github.com/anchore/syft/syft/format/cyclonedxjson"
	"github.com/anchore/syft/syft/format/spdxjson"
	"github.com/santhosh-tekuri/jsonschema/v6"
	spdxjsonreader "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdxlib"
)

//go:embed schemas/*.json
var schemaFiles embed.FS

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sbomcheck: FAIL:", err)
		os.Exit(1)
	}
}

func run(files []string, out io.Writer) error {
	if len(files) == 0 {
		return errors.New("usage: sbomcheck FILE...")
	}
	schemas, err := compileSchemas()
	if err != nil {
		return err
	}
	seen := make(map[string]string) // namespace or serial number -> file
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		id, kind, err := check(data, schemas)
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if other, dup := seen[id]; dup {
			return fmt.Errorf("%s: %s %s is also that of %s", file, kind, id, other)
		}
		seen[id] = file
		fmt.Fprintf(out, "sbomcheck: ok: %s (%s %s)\n", file, kind, id)
	}
	return nil
}

type compiledSchemas struct{ spdx, cyclonedx *jsonschema.Schema }

func compileSchemas() (compiledSchemas, error) {
	c := jsonschema.NewCompiler()
	resources := map[string]string{
		"schemas/spdx-schema-2.3.json": "http://spdx.org/rdf/terms/2.3",
		"schemas/bom-1.6.schema.json":  "http://cyclonedx.org/schema/bom-1.6.schema.json",
		"schemas/spdx.schema.json":     "http://cyclonedx.org/schema/spdx.schema.json",
		"schemas/jsf-0.82.schema.json": "http://cyclonedx.org/schema/jsf-0.82.schema.json",
	}
	for file, url := range resources {
		data, err := schemaFiles.ReadFile(file)
		if err != nil {
			return compiledSchemas{}, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return compiledSchemas{}, fmt.Errorf("%s: %w", file, err)
		}
		if err := c.AddResource(url, doc); err != nil {
			return compiledSchemas{}, fmt.Errorf("%s: %w", file, err)
		}
	}
	var s compiledSchemas
	var err error
	if s.spdx, err = c.Compile(resources["schemas/spdx-schema-2.3.json"]); err != nil {
		return s, fmt.Errorf("compile the SPDX 2.3 schema: %w", err)
	}
	if s.cyclonedx, err = c.Compile(resources["schemas/bom-1.6.schema.json"]); err != nil {
		return s, fmt.Errorf("compile the CycloneDX 1.6 schema: %w", err)
	}
	return s, nil
}

// check validates one SBOM and returns its namespace or serial number.
func check(data []byte, schemas compiledSchemas) (id, kind string, err error) {
	var head struct {
		SPDXVersion       string `json:"spdxVersion"`
		DocumentNamespace string `json:"documentNamespace"`
		BOMFormat         string `json:"bomFormat"`
		SpecVersion       string `json:"specVersion"`
		SerialNumber      string `json:"serialNumber"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return "", "", fmt.Errorf("not JSON: %w", err)
	}
	switch {
	case head.SPDXVersion != "":
		return head.DocumentNamespace, "documentNamespace", checkSPDX(data, head.SPDXVersion, schemas.spdx)
	case head.BOMFormat == "CycloneDX":
		return head.SerialNumber, "serialNumber", checkCycloneDX(data, head.SpecVersion, schemas.cyclonedx)
	default:
		return "", "", errors.New("neither an SPDX nor a CycloneDX JSON document")
	}
}

func checkSPDX(data []byte, version string, schema *jsonschema.Schema) error {
	if version != "SPDX-2.3" {
		return fmt.Errorf("spdxVersion %s, want SPDX-2.3", version)
	}
	if err := validate(schema, data); err != nil {
		return fmt.Errorf("the SPDX 2.3 schema: %w", err)
	}
	doc, err := spdxjsonreader.Read(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("tools-golang cannot read it: %w", err)
	}
	if err := spdxlib.ValidateDocument(doc); err != nil {
		return fmt.Errorf("tools-golang's spdxlib: %w", err)
	}
	if doc.DocumentNamespace == "" {
		return errors.New("no documentNamespace")
	}
	return syftDecodes(data, spdxjson.ID)
}

func checkCycloneDX(data []byte, version string, schema *jsonschema.Schema) error {
	if version != cdx.SpecVersion1_6.String() {
		return fmt.Errorf("specVersion %s, want %s (what Dependency-Track and cyclonedx-go before 0.11 read)", version, cdx.SpecVersion1_6)
	}
	if err := validate(schema, data); err != nil {
		return fmt.Errorf("the CycloneDX 1.6 schema: %w", err)
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return fmt.Errorf("cyclonedx-go cannot read it: %w", err)
	}
	if bom.SerialNumber == "" || !strings.HasPrefix(bom.SerialNumber, "urn:uuid:") {
		return fmt.Errorf("serialNumber %q is not a urn:uuid", bom.SerialNumber)
	}
	return syftDecodes(data, cyclonedxjson.ID)
}

func validate(schema *jsonschema.Schema, data []byte) error {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return err
	}
	return schema.Validate(doc)
}

// syftDecodes reads the SBOM with syft's decoders, as grype does: it must
// be recognised as want and hold packages.
func syftDecodes(data []byte, want interface{ String() string }) error {
	s, id, _, err := format.Decode(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("syft cannot decode it: %w", err)
	}
	if s == nil || id.String() != want.String() {
		return fmt.Errorf("syft reads it as %q, want %q", id, want)
	}
	if s.Artifacts.Packages.PackageCount() == 0 {
		return errors.New("syft reads no packages from it")
	}
	return nil
}
