package awsemu

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// Fixtures: what every account sees without creating anything. Services read
// these tables so that EC2 DescribeImages, SSM public parameters and the
// availability zones agree with each other.

// Regions the emulator serves, with their availability zones.
var Regions = map[string][]string{
	"us-east-1":      {"a", "b", "c", "d", "e", "f"},
	"us-east-2":      {"a", "b", "c"},
	"us-west-1":      {"a", "c"},
	"us-west-2":      {"a", "b", "c", "d"},
	"eu-west-1":      {"a", "b", "c"},
	"eu-west-2":      {"a", "b", "c"},
	"eu-central-1":   {"a", "b", "c"},
	"ap-southeast-1": {"a", "b", "c"},
	"ap-southeast-2": {"a", "b", "c"},
	"ap-northeast-1": {"a", "c", "d"},
}

// AZ is one availability zone.
type AZ struct {
	Name string // us-east-1a
	ID   string // use1-az1
}

// ZonesOf lists a region's availability zones (nil for unknown regions).
func ZonesOf(region string) []AZ {
	letters, ok := Regions[region]
	if !ok {
		return nil
	}
	parts := strings.Split(region, "-") // us east 1
	short := parts[0] + string(parts[1][0]) + parts[2]
	if parts[1] == "southeast" || parts[1] == "northeast" {
		short = parts[0] + string(parts[1][0]) + string(parts[1][5]) + parts[2]
	}
	out := make([]AZ, len(letters))
	for i, l := range letters {
		out[i] = AZ{Name: region + l, ID: short + "-az" + strconv.Itoa(i+1)}
	}
	return out
}

// AMI is a public image every region offers.
type AMI struct {
	ID           string
	Name         string
	Description  string
	OwnerID      string
	OwnerAlias   string
	Architecture string // x86_64 | arm64
	RootDevice   string
	RootSizeGiB  int32
	GPUDriver    bool   // NVIDIA driver and container toolkit installed
	SSMParameter string // public parameter that resolves to it
}

const (
	canonicalOwner = "099720109477"
	amazonOwner    = "898082745236"
)

// ubuntu 22.04 and the Deep Learning Base OSS NVIDIA driver GPU AMI, per arch.
var amiTemplates = []AMI{
	{Name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20261101", Description: "Canonical, Ubuntu, 22.04 LTS, amd64 jammy image build on 2026-11-01",
		OwnerID: canonicalOwner, Architecture: "x86_64", RootDevice: "/dev/sda1", RootSizeGiB: 8,
		SSMParameter: "/aws/service/canonical/ubuntu/server/22.04/stable/current/amd64/hvm/ebs-gp2/ami-id"},
	{Name: "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20261101", Description: "Canonical, Ubuntu, 22.04 LTS, arm64 jammy image build on 2026-11-01",
		OwnerID: canonicalOwner, Architecture: "arm64", RootDevice: "/dev/sda1", RootSizeGiB: 8,
		SSMParameter: "/aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id"},
	{Name: "Deep Learning Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20261109", Description: "Supported EC2 instances: G4dn, G5, G6, Gr6, G6e, P4, P4de, P5, P5e, P5en, P6-B200",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "x86_64", RootDevice: "/dev/sda1", RootSizeGiB: 75, GPUDriver: true,
		SSMParameter: "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"},
	{Name: "Deep Learning ARM64 Base OSS Nvidia Driver GPU AMI (Ubuntu 22.04) 20261109", Description: "Supported EC2 instances: G5g, P6e-GB200",
		OwnerID: amazonOwner, OwnerAlias: "amazon", Architecture: "arm64", RootDevice: "/dev/sda1", RootSizeGiB: 75, GPUDriver: true,
		SSMParameter: "/aws/service/deeplearning/ami/arm64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id"},
}

// AMIsOf returns the public images of a region, with ids stable per region.
func AMIsOf(region string) []AMI {
	if _, ok := Regions[region]; !ok {
		return nil
	}
	out := make([]AMI, len(amiTemplates))
	for i, a := range amiTemplates {
		sum := sha256.Sum256([]byte(region + "/" + a.Name))
		a.ID = "ami-" + hex.EncodeToString(sum[:])[:17]
		out[i] = a
	}
	return out
}

// ManagedPrefixList is an AWS-managed prefix list every region has.
type ManagedPrefixList struct {
	ID, Name   string
	MaxEntries int32
	CIDRs      []string
}

// ManagedPrefixListsOf returns the AWS-managed prefix lists of a region.
func ManagedPrefixListsOf(region string) []ManagedPrefixList {
	if _, ok := Regions[region]; !ok {
		return nil
	}
	id := func(name string) string {
		sum := sha256.Sum256([]byte(region + "/" + name))
		return "pl-" + hex.EncodeToString(sum[:])[:8]
	}
	return []ManagedPrefixList{
		{ID: id("cloudfront"), Name: "com.amazonaws.global.cloudfront.origin-facing", MaxEntries: 55,
			CIDRs: []string{"3.172.0.0/18", "13.32.0.0/15", "13.224.0.0/14", "18.64.0.0/14", "52.84.0.0/15", "54.230.0.0/16", "64.252.64.0/18", "99.84.0.0/16", "130.176.0.0/17", "205.251.192.0/19"}},
		{ID: id("s3"), Name: "com.amazonaws." + region + ".s3", MaxEntries: 5,
			CIDRs: []string{"52.216.0.0/15", "3.5.0.0/19"}},
	}
}

// Paginate returns the page of items that starts where token says, at most
// max items (def when max is 0), and the token for the next page.
func Paginate[T any](items []T, token *string, max int32, def int) ([]T, *string, *APIError) {
	start := 0
	if token != nil && *token != "" {
		b, err := base64.RawURLEncoding.DecodeString(*token)
		n, convErr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if err != nil || convErr != nil || n < 0 || n > len(items) {
			return nil, nil, Errorf("InvalidNextToken", "The token '%s' is invalid.", *token)
		}
		start = n
	}
	size := def
	if max > 0 {
		size = int(max)
	}
	end := start + size
	if size <= 0 || end >= len(items) {
		return items[start:], nil, nil
	}
	next := base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	return items[start:end], &next, nil
}
