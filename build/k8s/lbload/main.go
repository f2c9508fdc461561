// Command lbload sends GETs to the catalog for a while, from a few workers,
// and counts what failed: the load behind the zero-loss rolling restarts
// of build/k8s/test.sh and build/k8s/kind.sh. It prints the count of
// requests and failures, and exits 1 on any failure: during a rolling
// restart a pod must keep answering until every balancer has stopped
// sending to it (SHUTDOWN_DRAIN).
//
// It reaches the pods one of two ways:
//   - -target URL: through the Service's name, as the catalog's clients
//     do, where kube-proxy balances (kind, any real cluster);
//   - -server URL: the local test cluster has no kube-proxy, so lbload
//     follows the Service's EndpointSlices through the API (LBLOAD_TOKEN)
//     as kube-proxy would, and sends round-robin to the ready endpoints.
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintf(os.Stderr, "lbload: %v\n", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

type config struct {
	target    string // base URL through a Service; or
	server    string // API server URL, with token, namespace and service
	token     string
	namespace string
	service   string
	path      string
	duration  time.Duration
	workers   int
}

func parse(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("lbload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.target, "target", "", "base URL of the Service (http://NAME.NAMESPACE.svc:8088)")
	fs.StringVar(&c.server, "server", "", "API server URL (https://127.0.0.1:PORT), to follow the Service's EndpointSlices; needs LBLOAD_TOKEN")
	fs.StringVar(&c.namespace, "namespace", "product-catalog", "the Service's namespace (with -server)")
	fs.StringVar(&c.service, "service", "product-catalog", "the Service (with -server)")
	fs.StringVar(&c.path, "path", "/products/BRW-0001", "what each request GETs")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "how long to send")
	fs.IntVar(&c.workers, "workers", 4, "requests in flight")
	if err := fs.Parse(args); err != nil {
		return c, usageError{err}
	}
	c.token = getenv("LBLOAD_TOKEN")
	switch {
	case (c.target == "") == (c.server == ""):
		return c, usageError{errors.New("give one of -target and -server")}
	case c.server != "" && c.token == "":
		return c, usageError{errors.New("-server needs LBLOAD_TOKEN, a token that may list EndpointSlices")}
	case c.duration <= 0:
		return c, usageError{fmt.Errorf("-duration %s: want more than 0", c.duration)}
	case c.workers < 1:
		return c, usageError{fmt.Errorf("-workers %d: want at least 1", c.workers)}
	}
	if c.target != "" {
		u, err := url.Parse(c.target)
		if err != nil || u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return c, usageError{fmt.Errorf("-target %q: want http://HOST[:PORT], the path goes in -path", c.target)}
		}
		// -path starts with /: a trailing one here would double it.
		c.target = strings.TrimSuffix(c.target, "/")
	}
	return c, nil
}

// endpoints holds the ready addresses, replaced whole at each refresh.
type endpoints struct {
	mu    sync.Mutex
	addrs []string
	next  int
}

func (e *endpoints) set(addrs []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addrs = addrs
}

func (e *endpoints) pick() (string, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.addrs) == 0 {
		return "", false
	}
	e.next = (e.next + 1) % len(e.addrs)
	return "http://" + e.addrs[e.next], true
}

type endpointSliceList struct {
	Items []struct {
		Ports []struct {
			Port int `json:"port"`
		} `json:"ports"`
		Endpoints []struct {
			Addresses  []string `json:"addresses"`
			Conditions struct {
				Ready *bool `json:"ready"`
			} `json:"conditions"`
		} `json:"endpoints"`
	} `json:"items"`
}

// ready asks the API for the Service's ready endpoints.
func ready(ctx context.Context, api *http.Client, url, token string) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := api.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list EndpointSlices: %s", resp.Status)
	}
	var list endpointSliceList
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
		return nil, fmt.Errorf("list EndpointSlices: %w", err)
	}
	var addrs []string
	for _, slice := range list.Items {
		if len(slice.Ports) == 0 {
			continue
		}
		for _, ep := range slice.Endpoints {
			if ep.Conditions.Ready != nil && !*ep.Conditions.Ready {
				continue
			}
			for _, a := range ep.Addresses {
				addrs = append(addrs, net.JoinHostPort(a, strconv.Itoa(slice.Ports[0].Port)))
			}
		}
	}
	return addrs, nil
}

// follow lists the Service's ready endpoints now, then every 100 ms until
// ctx ends, as kube-proxy would follow them.
func follow(ctx context.Context, c config) (*endpoints, error) {
	// The test cluster's API server has a self-signed certificate.
	api := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	url := fmt.Sprintf("%s/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?labelSelector=kubernetes.io/service-name=%s", c.server, c.namespace, c.service)
	addrs, err := ready(ctx, api, url, c.token)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("the Service %s/%s has no ready endpoints", c.namespace, c.service)
	}
	eps := &endpoints{}
	eps.set(addrs)
	go func() {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if addrs, err := ready(ctx, api, url, c.token); err == nil {
				eps.set(addrs)
			}
		}
	}()
	return eps, nil
}

// maxReported bounds the failures written to stderr: a broken run must
// not write one line per request.
const maxReported = 20

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	c, err := parse(args, getenv, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, c.duration)
	defer cancel()
	pick := func() (string, bool) { return c.target, true }
	where := c.target
	if c.server != "" {
		eps, err := follow(ctx, c)
		if err != nil {
			return err
		}
		pick = eps.pick
		where = fmt.Sprintf("the ready endpoints of %s/%s", c.namespace, c.service)
	}
	// Scripts wait for this line before they act on the cluster.
	fmt.Fprintf(stdout, "lbload: sending GET %s to %s for %s from %d workers\n", c.path, where, c.duration, c.workers)

	var sent, failed atomic.Int64
	var reportMu sync.Mutex
	report := func(format string, a ...any) {
		if n := failed.Add(1); n <= maxReported {
			reportMu.Lock()
			defer reportMu.Unlock()
			fmt.Fprintf(stderr, "lbload: "+format+"\n", a...)
			if n == maxReported {
				fmt.Fprintln(stderr, "lbload: (further failures are counted, not shown)")
			}
		}
	}
	// Requests are not tied to ctx: one in flight when the time is up
	// finishes, rather than counting as a failure.
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := 0; w < c.workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				base, ok := pick()
				if !ok {
					report("no ready endpoint")
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond):
					}
					continue
				}
				sent.Add(1)
				resp, err := client.Get(base + c.path)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					report("GET %s%s: %v", base, c.path, err)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Fprintf(stdout, "lbload: %d requests, %d failed\n", sent.Load(), failed.Load())
	switch {
	case failed.Load() > 0:
		return fmt.Errorf("%d of %d requests failed", failed.Load(), sent.Load())
	case sent.Load() == 0:
		return errors.New("no request was sent")
	}
	return nil
}
