// Command vulngate judges a govulncheck -format json report read from
// stdin: every finding fails, at any level (a called symbol, an imported
// package or a required module), because the release's image scanners
// refuse a known-vulnerable module whether or not our code calls it. The
// one way past a finding is a reviewed exception, only for a vulnerability
// that has no fix, until its expiry date; every exception is printed on
// every run.
//
// usage: govulncheck -format json ... | vulngate -exceptions FILE -what TEXT
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "vulngate:", err)
		os.Exit(1)
	}
}

var errFound = errors.New("known vulnerabilities: see above")

func run(_ context.Context, args []string, stdin io.Reader, stdout io.Writer, now func() time.Time) error {
	flags := flag.NewFlagSet("vulngate", flag.ContinueOnError)
	flags.SetOutput(stdout)
	exceptionsFile := flags.String("exceptions", "", "the reviewed exceptions file (JSON)")
	what := flags.String("what", "", "what was scanned, for the report")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *exceptionsFile == "" || *what == "" || flags.NArg() != 0 {
		return errors.New("usage: govulncheck -format json ... | vulngate -exceptions FILE -what TEXT")
	}
	data, err := os.ReadFile(*exceptionsFile)
	if err != nil {
		return err
	}
	exceptions, err := ParseExceptions(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *exceptionsFile, err)
	}
	rep, err := ParseReport(stdin)
	if err != nil {
		return fmt.Errorf("the govulncheck report on %s: %w", *what, err)
	}
	c := rep.Config
	fmt.Fprintf(stdout, "vulngate: %s: govulncheck %s, %s mode at %s level, %s, database %s (last modified %s)\n",
		*what, c.ScannerVersion, c.ScanMode, c.ScanLevel, orNone(c.GoVersion), c.DB, c.DBLastModified)
	for _, e := range exceptions {
		fmt.Fprintf(stdout, "vulngate: exception in force: %s in %s until %s: %s\n", e.ID, e.Module, e.Expires, e.Reason)
	}
	verdict := Judge(rep, exceptions, now())
	for _, v := range verdict.Excused {
		fmt.Fprintf(stdout, "vulngate: excused by exception: %s\n", v)
	}
	for _, e := range verdict.Unused {
		fmt.Fprintf(stdout, "vulngate: exception %s in %s matched nothing in %s\n", e.ID, e.Module, *what)
	}
	for _, v := range verdict.Failing {
		fmt.Fprintf(stdout, "vulngate: FOUND %s\n", v)
	}
	for _, p := range verdict.Problems {
		fmt.Fprintf(stdout, "vulngate: %s\n", p)
	}
	if !verdict.Pass() {
		return fmt.Errorf("%s: %d known vulnerabilities: %w", *what, len(verdict.Failing), errFound)
	}
	fmt.Fprintf(stdout, "vulngate: ok: no known vulnerability in %s\n", *what)
	return nil
}

// orNone names an empty field, so a report line never has a gap: binary
// mode reports no Go of its own (each binary says which built it).
func orNone(s string) string {
	if s == "" {
		return "the Go of each binary"
	}
	return s
}
