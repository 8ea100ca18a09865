// Command awsemu runs the AWS API emulator standalone, for `make demo` and for
// pointing a Terraform configuration at it by hand.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
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
	flag.Parse()

	opts := awsemu.Options{Speed: *speed, AcceptAnyCredentials: *anyCreds, Knobs: map[string]string{}}
	for _, kv := range strings.Split(*knobs, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			opts.Knobs[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	if host, _, _ := strings.Cut(*addr, ":"); host != "127.0.0.1" && host != "localhost" && host != "[::1]" {
		log.Fatalf("awsemu listens on loopback only, not %s", *addr)
	}
	emu := awsemu.New(opts)
	if err := emu.Start(*addr); err != nil {
		log.Fatal(err)
	}
	if *urlFile != "" {
		if err := os.WriteFile(*urlFile, []byte(emu.URL()+"\n"), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Fprintf(os.Stderr, "awsemu listening on %s (speed %gx); access key %s\n", emu.URL(), *speed, awsemu.DefaultAccessKey)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	_ = emu.Close()
}
