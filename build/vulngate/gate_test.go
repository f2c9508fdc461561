package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var today = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func finding(id, module, fixed, pkg, function string) string {
	return `{"finding":{"osv":"` + id + `","fixed_version":"` + fixed + `","trace":[{"module":"` + module + `","version":"v1.0.0","package":"` + pkg + `","function":"` + function + `"}]}}`
}

const config = `{"config":{"scanner_version":"v1.10.0","db":"file:///db","db_last_modified":"2026-11-05T23:49:57Z","go_version":"go1.27.3","scan_level":"symbol","scan_mode":"source"}}`

func exceptionsFile(t *testing.T, body string) []Exception {
	t.Helper()
	e, err := ParseExceptions([]byte(body))
	if err != nil {
		t.Fatalf("ParseExceptions(%s): %v", body, err)
	}
	return e
}

func TestJudge(t *testing.T) {
	noFix := `{"exceptions":[{"id":"GO-2026-0001","module":"example.com/m","reason":"no fix upstream; the parser is not reachable from input","expires":"2027-01-31"}]}`
	tests := []struct {
		name       string
		stream     []string
		exceptions string
		wantPass   bool
		want       []string // each line of the verdict, in order
	}{
		{"no finding", []string{config}, `{"exceptions":[]}`, true, nil},
		{"called", []string{config,
			finding("GO-2026-0001", "example.com/m", "v1.2.0", "", ""),
			finding("GO-2026-0001", "example.com/m", "v1.2.0", "example.com/m/p", ""),
			finding("GO-2026-0001", "example.com/m", "v1.2.0", "example.com/m/p", "Parse"),
		}, `{"exceptions":[]}`, false, []string{"failing GO-2026-0001 in example.com/m@v1.0.0 (called: example.com/m/p.Parse), fixed in example.com/m@v1.2.0: "}},
		{"imported only fails too", []string{config, finding("GO-2026-0001", "example.com/m", "v1.2.0", "example.com/m/p", "")},
			`{"exceptions":[]}`, false, []string{"failing GO-2026-0001 in example.com/m@v1.0.0 (imported: example.com/m/p), fixed in example.com/m@v1.2.0: "}},
		{"required only fails too", []string{config, finding("GO-2026-0001", "example.com/m", "v1.2.0", "", "")},
			`{"exceptions":[]}`, false, []string{"failing GO-2026-0001 in example.com/m@v1.0.0 (required), fixed in example.com/m@v1.2.0: "}},
		{"excused: no fix, not expired", []string{config, finding("GO-2026-0001", "example.com/m", "", "example.com/m/p", "Parse")},
			noFix, true, []string{"excused GO-2026-0001 in example.com/m@v1.0.0 (called: example.com/m/p.Parse), no fixed version: "}},
		{"an exception for a vulnerability with a fix cannot stand", []string{config, finding("GO-2026-0001", "example.com/m", "v1.2.0", "", "")},
			noFix, false, []string{
				"failing GO-2026-0001 in example.com/m@v1.0.0 (required), fixed in example.com/m@v1.2.0: ",
				"problem the exception for GO-2026-0001 in example.com/m cannot stand: it is fixed in example.com/m@v1.2.0, so upgrade (exceptions are only for vulnerabilities with no fix)",
			}},
		{"expired", []string{config, finding("GO-2026-0001", "example.com/m", "", "", "")},
			strings.Replace(noFix, "2027-01-31", "2026-12-06", 1), false, []string{
				"failing GO-2026-0001 in example.com/m@v1.0.0 (required), no fixed version: ",
				"problem the exception for GO-2026-0001 in example.com/m expired on 2026-12-06: review it again",
			}},
		{"an exception names one module only", []string{config, finding("GO-2026-0001", "example.com/other", "", "", "")},
			noFix, false, []string{
				"failing GO-2026-0001 in example.com/other@v1.0.0 (required), no fixed version: ",
				"unused GO-2026-0001 example.com/m",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := ParseReport(strings.NewReader(strings.Join(tt.stream, "\n")))
			if err != nil {
				t.Fatalf("ParseReport: %v", err)
			}
			v := Judge(rep, exceptionsFile(t, tt.exceptions), today)
			var got []string
			for _, f := range v.Failing {
				got = append(got, "failing "+f.String())
			}
			for _, f := range v.Excused {
				got = append(got, "excused "+f.String())
			}
			for _, p := range v.Problems {
				got = append(got, "problem "+p)
			}
			for _, e := range v.Unused {
				got = append(got, "unused "+e.ID+" "+e.Module)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Judge verdict (-want +got):\n%s", diff)
			}
			if v.Pass() != tt.wantPass {
				t.Errorf("Pass() = %v, want %v", v.Pass(), tt.wantPass)
			}
		})
	}
}

func TestParseReportFailsClosed(t *testing.T) {
	tests := []struct {
		name, stream, want string
	}{
		{"empty", "", "no config message"},
		{"findings but no config", finding("GO-2026-0001", "m", "", "", ""), "no config message"},
		{"two scans", config + config, "a second config"},
		{"unknown kind", config + `{"verdict":{}}`, `unknown message kind "verdict"`},
		{"two kinds in one message", `{"config":{},"finding":{}}`, "want one message kind"},
		{"finding without id", config + `{"finding":{"trace":[{"module":"m"}]}}`, "no osv id"},
		{"finding without trace", config + `{"finding":{"osv":"GO-2026-0001"}}`, "names no module"},
		{"not JSON", config + "{", "message 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseReport(strings.NewReader(tt.stream))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseReport(%q) = %v, want an error naming %q", tt.stream, err, tt.want)
			}
		})
	}
}

func TestParseExceptions(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"no list", `{}`, `no "exceptions" list`},
		{"unknown field", `{"exceptions":[],"allow":"all"}`, "unknown field"},
		{"bad id", `{"exceptions":[{"id":"CVE-2026-1","module":"m","reason":"r","expires":"2027-01-01"}]}`, `exceptions[0]: id "CVE-2026-1"`},
		{"no module", `{"exceptions":[{"id":"GO-2026-0001","reason":"r","expires":"2027-01-01"}]}`, "exceptions[0] (GO-2026-0001): no module"},
		{"no reason", `{"exceptions":[{"id":"GO-2026-0001","module":"m","reason":" ","expires":"2027-01-01"}]}`, "no reason"},
		{"no expiry", `{"exceptions":[{"id":"GO-2026-0001","module":"m","reason":"r"}]}`, `expires "" is not a date`},
		{"twice", `{"exceptions":[{"id":"GO-2026-0001","module":"m","reason":"r","expires":"2027-01-01"},{"id":"GO-2026-0001","module":"m","reason":"r","expires":"2027-01-01"}]}`, "listed twice"},
		{"trailing value", `{"exceptions":[]} {}`, "more than one JSON value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseExceptions([]byte(tt.body))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseExceptions(%s) = %v, want an error naming %q", tt.body, err, tt.want)
			}
		})
	}
}

// The command on real govulncheck output: the seed's grpc fails, naming
// the id, the module and the fixed version; today's module passes.
func TestRun(t *testing.T) {
	exceptions := filepath.Join(t.TempDir(), "exceptions.json")
	if err := os.WriteFile(exceptions, []byte(`{"exceptions":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		report  string
		wantErr bool
		wantOut []string
	}{
		{"grpc-1.70.jsonl", true, []string{
			"vulngate: FOUND GO-2026-4762 in google.golang.org/grpc@v1.70.0 (called: google.golang.org/grpc.Server.Serve), fixed in google.golang.org/grpc@v1.79.3: Authorization bypass",
			"vulngate: FOUND GO-2026-6599 in stdlib@v1.26.8 (called: html/template.",
		}},
		{"clean.jsonl", false, []string{"level, go1.27.3, database", "vulngate: ok: no known vulnerability in the module"}},
	}
	for _, tt := range tests {
		t.Run(tt.report, func(t *testing.T) {
			in, err := os.Open(filepath.Join("testdata", tt.report))
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			var out bytes.Buffer
			err = run(t.Context(), []string{"-exceptions", exceptions, "-what", "the module"}, in, &out, func() time.Time { return today })
			if (err != nil) != tt.wantErr {
				t.Fatalf("run = %v, want error: %v\n%s", err, tt.wantErr, out.String())
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func FuzzParseReport(f *testing.F) {
	for _, name := range []string{"grpc-1.70.jsonl", "clean.jsonl"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	exceptions, err := ParseExceptions([]byte(`{"exceptions":[{"id":"GO-2026-4762","module":"google.golang.org/grpc","reason":"r","expires":"2027-01-01"}]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ParseReport(bytes.NewReader(data))
		if err != nil {
			return
		}
		v := Judge(rep, exceptions, today)
		// Every finding ends up reported: failing or excused, never lost.
		if len(rep.Findings) > 0 && len(v.Failing)+len(v.Excused) == 0 {
			t.Errorf("%d findings, none in the verdict", len(rep.Findings))
		}
	})
}
