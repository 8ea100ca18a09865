package userdata

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// SSM Parameter Store names, under Params.CredentialsPath, that the boot
// script reads (CONTRACT-appsec.md). The owner email is a String; the others
// are SecureStrings (KMS key alias/aws/ssm).
const (
	ParamN8NOwnerEmail    = "n8n-owner-email"
	ParamN8NOwnerPassword = "n8n-owner-password"
	ParamOllamaAPIKey     = "ollama-api-key"
	ParamQdrantAPIKey     = "qdrant-api-key"
	ParamCrawl4AIToken    = "crawl4ai-token"
)

// CredentialsPathFor is the SSM path of a deployment's credentials:
// /geusemaker/<deployment>/ (with the trailing slash).
func CredentialsPathFor(deployment string) string {
	return "/geusemaker/" + deployment + "/"
}

// CredentialParams returns the parameter names (relative to the credentials
// path) that the boot script reads for a service selection, in a fixed
// order. Postgres needs none: it is never exposed.
func CredentialParams(services []string) []string {
	var out []string
	for _, s := range canonical(services) {
		switch s {
		case ServiceN8N:
			out = append(out, ParamN8NOwnerEmail, ParamN8NOwnerPassword)
		case ServiceOllama:
			out = append(out, ParamOllamaAPIKey)
		case ServiceQdrant:
			out = append(out, ParamQdrantAPIKey)
		case ServiceCrawl4AI:
			out = append(out, ParamCrawl4AIToken)
		}
	}
	return out
}

// The rules the boot script applies to the values it reads (cred_ok in
// boot.sh.tmpl); a value that breaks them fails the boot, naming the
// parameter. Keys and tokens end up inside NGINX regular expressions and
// .env files, so they are limited to characters that need no quoting there
// (base64url or hex output of a CSPRNG fits). The email and password reach
// n8n only; the password must fit n8n's 8-64 character limit (bcrypt reads
// at most 72 bytes).
var (
	reCredKey   = regexp.MustCompile(`^[A-Za-z0-9_-]{32,256}$`)
	reCredEmail = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	reCredsPath = regexp.MustCompile(`^(/[A-Za-z0-9_.-]+)+/$`)
)

// CheckCredential reports whether value is acceptable for the parameter
// name (one of the Param* constants): the same rules the instance enforces
// at boot, so the provider can refuse a value before an instance fails on it.
func CheckCredential(name, value string) error {
	switch name {
	case ParamOllamaAPIKey, ParamQdrantAPIKey, ParamCrawl4AIToken:
		if !reCredKey.MatchString(value) {
			return fmt.Errorf("%s: use 32 to 256 characters from A-Z, a-z, 0-9, '_' and '-'", name)
		}
	case ParamN8NOwnerEmail:
		if len(value) > 254 || !reCredEmail.MatchString(value) {
			return fmt.Errorf("%s: %q is not an email address of the form name@example.com (letters, digits and . _ %% + - only)", name, value)
		}
	case ParamN8NOwnerPassword:
		if n := len(value); n < 8 || n > 64 || strings.ContainsFunc(value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return fmt.Errorf("%s: use 8 to 64 characters without control characters", name)
		}
	default:
		return fmt.Errorf("unknown credential parameter %q", name)
	}
	return nil
}

func checkCredentialsPath(p string) error {
	if !reCredsPath.MatchString(p) || len(p) > 900 || slices.Contains(strings.Split(p, "/"), "..") {
		return fmt.Errorf("%q: an SSM parameter path such as %s (with the trailing slash)", p, CredentialsPathFor("my-stack"))
	}
	return nil
}
