// Command lbload is a small load balancer and load generator for the
// test cluster, which has no kube-proxy: it follows a Service's
// EndpointSlices through the API, as kube-proxy would, and sends GETs
// round-robin to the endpoints that are ready, for a while. It prints the
// count of requests and failures, and exits 1 on any failure: during a
// rolling restart a pod must keep answering until every balancer has
// stopped sending to it (SHUTDOWN_DRAIN).
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	server := flag.String("server", "", "API server URL (https://127.0.0.1:PORT)")
	namespace := flag.String("namespace", "product-catalog", "the Service's namespace")
	service := flag.String("service", "product-catalog", "the Service")
	path := flag.String("path", "/products/BRW-0001", "what each request GETs")
	duration := flag.Duration("duration", 20*time.Second, "how long to send")
	workers := flag.Int("workers", 4, "requests in flight")
	flag.Parse()
	token := os.Getenv("LBLOAD_TOKEN")
	if *server == "" || token == "" {
		fmt.Fprintln(os.Stderr, "lbload: -server and LBLOAD_TOKEN are required")
		os.Exit(2)
	}
	if err := run(*server, token, *namespace, *service, *path, *duration, *workers); err != nil {
		fmt.Fprintf(os.Stderr, "lbload: %v\n", err)
		os.Exit(1)
	}
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
	return e.addrs[e.next], true
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
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, err
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

func run(server, token, namespace, service, path string, duration time.Duration, workers int) error {
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	// The test cluster's API server has a self-signed certificate.
	api := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	url := fmt.Sprintf("%s/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices?labelSelector=kubernetes.io/service-name=%s", server, namespace, service)
	eps := &endpoints{}
	addrs, err := ready(ctx, api, url, token)
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return fmt.Errorf("the Service %s/%s has no ready endpoints", namespace, service)
	}
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
			if addrs, err := ready(ctx, api, url, token); err == nil {
				eps.set(addrs)
			}
		}
	}()

	var sent, failed atomic.Int64
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				addr, ok := eps.pick()
				if !ok {
					failed.Add(1)
					fmt.Fprintln(os.Stderr, "lbload: no ready endpoint")
					time.Sleep(100 * time.Millisecond)
					continue
				}
				sent.Add(1)
				resp, err := client.Get("http://" + addr + path)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
				}
				if err != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "lbload: GET %s from %s: %v\n", path, addr, err)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("lbload: %d requests, %d failed\n", sent.Load(), failed.Load())
	if failed.Load() > 0 {
		return fmt.Errorf("%d of %d requests failed", failed.Load(), sent.Load())
	}
	return nil
}
