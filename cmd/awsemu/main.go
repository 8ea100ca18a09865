// Command awsemu runs the AWS API emulator standalone, for `make demo` and for
// pointing a Terraform configuration at it by hand.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:4566", "address to listen on (loopback only)")
	speed := flag.Float64("speed", 1, "virtual clock speed factor (600 makes a 15-minute CloudFront rollout take 1.5 s)")
	anyCreds := flag.Bool("accept-any-credentials", false, "accept unknown access keys without checking signatures")
	knobs := flag.String("knobs", "", "comma-separated service knobs, key=value")
	urlFile := flag.String("url-file", "", "write the listening URL to this file once ready")
	proxyAddr := flag.String("proxy-listen", "", "address of the data plane's HTTP(S) forward proxy (loopback only; default: the API port + 1, or any free port when -listen has port 0); clients set HTTP_PROXY/HTTPS_PROXY to it")
	proxyFile := flag.String("proxy-url-file", "", "write the data plane proxy URL to this file once ready")
	caFile := flag.String("ca-file", "", "write the data plane CA certificate (PEM) to this file, for SSL_CERT_FILE or curl --cacert")
	flag.Parse()

	if *proxyAddr == "" {
		*proxyAddr = "127.0.0.1:0"
		if host, port, err := net.SplitHostPort(*addr); err == nil {
			if n, err := strconv.Atoi(port); err == nil && n > 0 {
				*proxyAddr = net.JoinHostPort(host, strconv.Itoa(n+1))
			}
		}
	}
	opts := awsemu.Options{Speed: *speed, AcceptAnyCredentials: *anyCreds, Knobs: map[string]string{}, ProxyListen: *proxyAddr}
	for _, kv := range strings.Split(*knobs, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			opts.Knobs[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	for _, a := range []string{*addr, *proxyAddr} {
		if host, _, _ := strings.Cut(a, ":"); host != "127.0.0.1" && host != "localhost" && host != "[::1]" {
			log.Fatalf("awsemu listens on loopback only, not %s", a)
		}
	}
	emu := awsemu.New(opts)
	if err := emu.Start(*addr); err != nil {
		log.Fatal(err)
	}
	for file, content := range map[string]string{*urlFile: emu.URL() + "\n", *proxyFile: emu.ProxyURL() + "\n", *caFile: string(emu.CAPEM())} {
		if file == "" {
			continue
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "awsemu listening on %s (speed %gx); access key %s\n", emu.URL(), *speed, awsemu.DefaultAccessKey)
	fmt.Fprintf(os.Stderr, "awsemu data plane proxy on %s (HTTP_PROXY/HTTPS_PROXY); CA at %s/_emu/ca.pem\n", emu.ProxyURL(), emu.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = emu.Close()
}
