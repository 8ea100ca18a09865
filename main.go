// Command terraform-provider-geusemaker serves the GeuseMaker Terraform provider.
package main

import (
	"context"
	"flag"
	"log"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/provider"
)

// version is set by the release build (goreleaser ldflags).
var version = "dev"

func main() {
	var debug bool
	flag.BoolVar(&debug, "debug", false, "run the provider with support for debuggers like delve")
	flag.Parse()

	err := providerserver.Serve(context.Background(), provider.New(version), providerserver.ServeOpts{
		Address: "registry.terraform.io/geusemaker/geusemaker",
		Debug:   debug,
	})
	if err != nil {
		log.Fatal(err)
	}
}
