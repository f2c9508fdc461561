package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Report is what a govulncheck JSON stream says.
type Report struct {
	Config   Config
	Findings []Finding
	// Summaries maps an OSV id to its one-line summary.
	Summaries map[string]string
}

// Config is govulncheck's description of the scan.
type Config struct {
	ScannerVersion string `json:"scanner_version"`
	DB             string `json:"db"`
	DBLastModified string `json:"db_last_modified"`
	GoVersion      string `json:"go_version"`
	ScanLevel      string `json:"scan_level"`
	ScanMode       string `json:"scan_mode"`
}

// Finding is one vulnerability reached through one trace.
type Finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []Frame `json:"trace"`
}

// Frame is one step of a finding's trace; the first is the vulnerable one.
type Frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

// ParseReport reads govulncheck's stream of JSON messages. It fails closed:
// a stream with no config message is not a scan, whatever else it holds.
func ParseReport(r io.Reader) (*Report, error) {
	dec := json.NewDecoder(r)
	rep := &Report{Summaries: map[string]string{}}
	sawConfig := false
	for n := 1; ; n++ {
		var msg struct {
			Config   *Config         `json:"config"`
			Finding  *Finding        `json:"finding"`
			OSV      *osvEntry       `json:"osv"`
			Progress json.RawMessage `json:"progress"`
			SBOM     json.RawMessage `json:"SBOM"`
		}
		// Unknown fields inside OSV entries and the SBOM are theirs to
		// add; only the message kinds are held to what we know.
		raw := json.RawMessage{}
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("message %d: %w", n, err)
		}
		if err := json.Unmarshal(raw, &msg); err != nil {
			return nil, fmt.Errorf("message %d: %w", n, err)
		}
		if err := knownKinds(raw); err != nil {
			return nil, fmt.Errorf("message %d: %w", n, err)
		}
		switch {
		case msg.Config != nil:
			if sawConfig {
				return nil, fmt.Errorf("message %d: a second config: two scans in one stream", n)
			}
			sawConfig = true
			rep.Config = *msg.Config
		case msg.Finding != nil:
			f := *msg.Finding
			if f.OSV == "" {
				return nil, fmt.Errorf("message %d: a finding with no osv id", n)
			}
			if len(f.Trace) == 0 || f.Trace[0].Module == "" {
				return nil, fmt.Errorf("message %d: finding %s names no module", n, f.OSV)
			}
			rep.Findings = append(rep.Findings, f)
		case msg.OSV != nil:
			rep.Summaries[msg.OSV.ID] = msg.OSV.Summary
		}
	}
	if !sawConfig {
		return nil, errors.New("no config message: govulncheck did not scan anything")
	}
	return rep, nil
}

type osvEntry struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// knownKinds refuses a message of a kind this gate does not know: a newer
// govulncheck that reported findings under a new name must not pass.
func knownKinds(raw json.RawMessage) error {
	var kinds map[string]json.RawMessage
	if err := json.Unmarshal(raw, &kinds); err != nil {
		return err
	}
	for k := range kinds {
		switch k {
		case "config", "finding", "osv", "progress", "SBOM":
		default:
			return fmt.Errorf("unknown message kind %q", k)
		}
	}
	if len(kinds) != 1 {
		return fmt.Errorf("want one message kind, got %d", len(kinds))
	}
	return nil
}

// Exception lets one vulnerability in one module pass until it expires.
type Exception struct {
	ID      string `json:"id"`
	Module  string `json:"module"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`

	expires time.Time
}

var osvID = regexp.MustCompile(`^GO-[0-9]{4}-[0-9]{4,}$`)

// ParseExceptions reads the reviewed exceptions file. Every field is
// required, so an exception always says why and until when.
func ParseExceptions(data []byte) ([]Exception, error) {
	var file struct {
		Exceptions []Exception `json:"exceptions"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&file); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	if file.Exceptions == nil {
		return nil, errors.New(`no "exceptions" list (an empty list is [])`)
	}
	seen := map[string]bool{}
	for i := range file.Exceptions {
		e := &file.Exceptions[i]
		where := fmt.Sprintf("exceptions[%d]", i)
		switch {
		case !osvID.MatchString(e.ID):
			return nil, fmt.Errorf("%s: id %q is not a Go vulnerability id (GO-YYYY-NNNN)", where, e.ID)
		case e.Module == "":
			return nil, fmt.Errorf("%s (%s): no module", where, e.ID)
		case strings.TrimSpace(e.Reason) == "":
			return nil, fmt.Errorf("%s (%s): no reason", where, e.ID)
		}
		t, err := time.Parse(time.DateOnly, e.Expires)
		if err != nil {
			return nil, fmt.Errorf("%s (%s): expires %q is not a date (YYYY-MM-DD)", where, e.ID, e.Expires)
		}
		e.expires = t
		key := e.ID + " " + e.Module
		if seen[key] {
			return nil, fmt.Errorf("%s: %s in %s is listed twice", where, e.ID, e.Module)
		}
		seen[key] = true
	}
	return file.Exceptions, nil
}

// Vulnerability is what the gate reports: one OSV id in one module, with
// the most precise place the scan found it.
type Vulnerability struct {
	ID, Module, Version, Fixed, Summary string
	// Where is the vulnerable symbol our code calls, or the package it
	// imports; empty where only the module is required.
	Where string
	Level string // "called", "imported" or "required"
}

func (v Vulnerability) String() string {
	fixed := "no fixed version"
	if v.Fixed != "" {
		fixed = "fixed in " + v.Module + "@" + v.Fixed
	}
	where := ""
	if v.Where != "" {
		where = ": " + v.Where
	}
	return fmt.Sprintf("%s in %s@%s (%s%s), %s: %s", v.ID, v.Module, v.Version, v.Level, where, fixed, v.Summary)
}

// Verdict is the gate's answer.
type Verdict struct {
	Failing []Vulnerability // known vulnerabilities with no valid exception
	Excused []Vulnerability // covered by an exception that still holds
	// Problems are exceptions that cannot stand: expired, or for a
	// vulnerability that has a fix. Each fails the gate.
	Problems []string
	Unused   []Exception // exceptions no finding needed this run
}

// Pass reports whether the gate lets the scanned code through.
func (v Verdict) Pass() bool { return len(v.Failing) == 0 && len(v.Problems) == 0 }

// Judge applies the exceptions, as of today, to the report's findings.
func Judge(rep *Report, exceptions []Exception, today time.Time) Verdict {
	vulns := map[string]Vulnerability{}
	for _, f := range rep.Findings {
		top := f.Trace[0]
		v := Vulnerability{ID: f.OSV, Module: top.Module, Version: top.Version, Fixed: f.FixedVersion, Summary: rep.Summaries[f.OSV]}
		switch {
		case top.Function != "":
			v.Level = "called"
			v.Where = top.Package + "." + top.Function
			if top.Receiver != "" {
				v.Where = top.Package + "." + strings.TrimPrefix(top.Receiver, "*") + "." + top.Function
			}
		case top.Package != "":
			v.Level, v.Where = "imported", top.Package
		default:
			v.Level = "required"
		}
		key := v.ID + " " + v.Module
		if old, ok := vulns[key]; !ok || rank(v.Level) > rank(old.Level) {
			vulns[key] = v
		}
	}
	byKey := map[string]Exception{}
	for _, e := range exceptions {
		byKey[e.ID+" "+e.Module] = e
	}
	var verdict Verdict
	used := map[string]bool{}
	for _, key := range slices.Sorted(maps.Keys(vulns)) {
		v := vulns[key]
		e, ok := byKey[key]
		if !ok {
			verdict.Failing = append(verdict.Failing, v)
			continue
		}
		used[key] = true
		switch {
		case v.Fixed != "":
			verdict.Problems = append(verdict.Problems, fmt.Sprintf("the exception for %s in %s cannot stand: it is fixed in %s@%s, so upgrade (exceptions are only for vulnerabilities with no fix)", v.ID, v.Module, v.Module, v.Fixed))
			verdict.Failing = append(verdict.Failing, v)
		case !today.Before(e.expires):
			verdict.Problems = append(verdict.Problems, fmt.Sprintf("the exception for %s in %s expired on %s: review it again", v.ID, v.Module, e.Expires))
			verdict.Failing = append(verdict.Failing, v)
		default:
			verdict.Excused = append(verdict.Excused, v)
		}
	}
	for _, e := range exceptions {
		if !used[e.ID+" "+e.Module] {
			verdict.Unused = append(verdict.Unused, e)
		}
	}
	return verdict
}

func rank(level string) int {
	switch level {
	case "called":
		return 3
	case "imported":
		return 2
	}
	return 1
}
