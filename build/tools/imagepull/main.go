// Command imagepull copies an image the way CRI-O, podman and skopeo pull
// one: through containers/image, under a signature policy (policy.json)
// and registries.d, which turns on sigstore attachments. The test of
// deploy/containers pulls with it; Debian's skopeo and podman have sigstore
// verification disabled, and the skopeo module is not served here.
//
// usage: imagepull -policy policy.json -registries-d DIR [-insecure] docker://REF dir:PATH
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/containers/image/v5/copy"
	"github.com/containers/image/v5/signature"
	"github.com/containers/image/v5/transports/alltransports"
	"github.com/containers/image/v5/types"
)

func main() {
	policyPath := flag.String("policy", "", "signature policy (policy.json)")
	registriesDir := flag.String("registries-d", "", "registries.d directory")
	insecure := flag.Bool("insecure", false, "plain HTTP to the registry (a local one on 127.0.0.1)")
	flag.Parse()
	if *policyPath == "" || flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: imagepull -policy policy.json [-registries-d DIR] [-insecure] SOURCE DESTINATION")
		os.Exit(2)
	}
	if err := pull(*policyPath, *registriesDir, *insecure, flag.Arg(0), flag.Arg(1)); err != nil {
		fmt.Fprintf(os.Stderr, "imagepull: %v\n", err)
		os.Exit(1)
	}
}

func pull(policyPath, registriesDir string, insecure bool, source, destination string) error {
	policy, err := signature.NewPolicyFromFile(policyPath)
	if err != nil {
		return fmt.Errorf("policy %s: %w", policyPath, err)
	}
	policyContext, err := signature.NewPolicyContext(policy)
	if err != nil {
		return err
	}
	defer policyContext.Destroy()
	src, err := alltransports.ParseImageName(source)
	if err != nil {
		return fmt.Errorf("source %s: %w", source, err)
	}
	dest, err := alltransports.ParseImageName(destination)
	if err != nil {
		return fmt.Errorf("destination %s: %w", destination, err)
	}
	sys := &types.SystemContext{RegistriesDirPath: registriesDir}
	if insecure {
		sys.DockerInsecureSkipTLSVerify = types.OptionalBoolTrue
	}
	_, err = copy.Image(context.Background(), policyContext, dest, src, &copy.Options{SourceCtx: sys, DestinationCtx: sys, ReportWriter: os.Stderr})
	return err
}
