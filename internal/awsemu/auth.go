package awsemu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The emulator's account and the key pair it knows from the start (the
// example keys from the AWS documentation).
const (
	AccountID        = "123456789012"
	DefaultAccessKey = "AKIAIOSFODNN7EXAMPLE"
	DefaultSecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// Principal is who a request is authenticated as.
type Principal struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// Credential is a key pair the emulator accepts.
type Credential struct {
	AccessKey    string    `json:"access_key"`
	SecretKey    string    `json:"-"`
	SessionToken string    `json:"-"`
	Principal    Principal `json:"principal"`
	Expires      time.Time `json:"expires,omitempty"`
	// Source says how the key came to be: "static", "AssumeRole",
	// "AssumeRoleWithWebIdentity".
	Source      string `json:"source"`
	RoleARN     string `json:"role_arn,omitempty"`
	SessionName string `json:"session_name,omitempty"`
	Subject     string `json:"subject,omitempty"` // web identity token subject
	IssuedBy    string `json:"issued_by,omitempty"`
}

// AddCredential registers a static key pair for a user name.
func (e *Emulator) AddCredential(accessKey, secretKey, userName string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addCredentialLocked(&Credential{
		AccessKey: accessKey, SecretKey: secretKey, Source: "static",
		Principal: Principal{Account: AccountID, ARN: "arn:aws:iam::" + AccountID + ":user/" + userName, UserID: "AIDA" + e.AlnumID("user:"+userName, 17)},
	})
}

func (e *Emulator) addCredentialLocked(c *Credential) {
	e.creds[c.AccessKey] = c
	e.credLog = append(e.credLog, *c)
}

// IssueCredential creates temporary credentials (STS) for a principal.
// Lifetimes run on wall time, not the virtual clock, because clients cache
// and refresh keys by their real expiry.
func (e *Emulator) IssueCredential(c *Call, p Principal, source, roleARN, session, subject string, ttl time.Duration) *Credential {
	cred := &Credential{
		AccessKey:    "ASIA" + e.AlnumID("session-key", 16),
		SecretKey:    e.HexID("session-secret", 40),
		SessionToken: "FwoGZXIvYXdzE" + e.HexID("session-token", 120),
		Principal:    p,
		Expires:      time.Now().UTC().Add(ttl), // wall time: the SDK caches keys by it
		Source:       source,
		RoleARN:      roleARN,
		SessionName:  session,
		Subject:      subject,
		IssuedBy:     c.AccessKey,
	}
	e.addCredentialLocked(cred)
	return cred
}

// Credentials lists every credential ever accepted or issued, in order.
func (e *Emulator) Credentials() []Credential {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Credential(nil), e.credLog...)
}

type sigv4 struct {
	accessKey, date, region, service string
	signedHeaders                    []string
	signature                        string
}

// parseAuthorization reads an AWS4-HMAC-SHA256 Authorization header.
func parseAuthorization(h string) (*sigv4, bool) {
	const algo = "AWS4-HMAC-SHA256 "
	if !strings.HasPrefix(h, algo) {
		return nil, false
	}
	s := &sigv4{}
	for _, part := range strings.Split(h[len(algo):], ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch k {
		case "Credential":
			scope := strings.Split(v, "/")
			if len(scope) != 5 {
				return nil, false
			}
			s.accessKey, s.date, s.region, s.service = scope[0], scope[1], scope[2], scope[3]
		case "SignedHeaders":
			s.signedHeaders = strings.Split(v, ";")
		case "Signature":
			s.signature = v
		}
	}
	return s, s.accessKey != "" && s.signature != ""
}

// verifySignature recomputes the request signature with the secret the
// emulator holds for the access key and compares it with the one sent.
func verifySignature(r *http.Request, body []byte, s *sigv4, cred *Credential) bool {
	signingTime, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return false
	}
	vr, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return false
	}
	vr.Host = r.Host
	vr.Header = http.Header{}
	for _, h := range s.signedHeaders {
		switch h {
		case "host":
		case "content-length":
			vr.ContentLength = r.ContentLength
		default:
			for _, v := range r.Header.Values(h) {
				vr.Header.Add(h, v)
			}
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: cred.AccessKey, SecretAccessKey: cred.SecretKey, SessionToken: cred.SessionToken}
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = false })
	if err := signer.SignHTTP(context.Background(), creds, vr, hex.EncodeToString(sum[:]), s.service, s.region, signingTime); err != nil {
		return false
	}
	got, ok := parseAuthorization(vr.Header.Get("Authorization"))
	return ok && got.signature == s.signature
}
