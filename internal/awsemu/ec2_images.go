package awsemu

import (
	"crypto/ed25519"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ---------------------------------------------------------------------------
// Images (the public AMIs of fixtures.go)

func (s *ec2Service) ami(id string) (AMI, bool) {
	for _, a := range AMIsOf(s.region) {
		if a.ID == id {
			return a, true
		}
	}
	return AMI{}, false
}

// amiSnapshot is the root snapshot id of a public AMI.
func amiSnapshot(a AMI) string {
	sum := sha256.Sum256([]byte("snapshot/" + a.ID))
	return "snap-" + hex.EncodeToString(sum[:])[:17]
}

func amiVolumeType(a AMI) types.VolumeType {
	if a.GPUDriver {
		return types.VolumeTypeGp3
	}
	return types.VolumeTypeGp2
}

var amiDate = regexp.MustCompile(`(20\d{2})(\d{2})(\d{2})$`)

func amiCreationDate(a AMI) string {
	if m := amiDate.FindStringSubmatch(a.Name); m != nil {
		return fmt.Sprintf("%s-%s-%sT06:12:31.000Z", m[1], m[2], m[3])
	}
	return "2026-01-01T00:00:00.000Z"
}

func (s *ec2Service) imageView(a AMI) types.Image {
	owner := a.OwnerID
	if a.OwnerAlias != "" {
		owner = a.OwnerAlias
	}
	img := types.Image{
		ImageId: aws.String(a.ID), Name: aws.String(a.Name), Description: aws.String(a.Description), OwnerId: aws.String(a.OwnerID),
		Architecture: types.ArchitectureValues(a.Architecture), RootDeviceName: aws.String(a.RootDevice), RootDeviceType: types.DeviceTypeEbs,
		State: types.ImageStateAvailable, Public: aws.Bool(true), CreationDate: aws.String(amiCreationDate(a)),
		VirtualizationType: types.VirtualizationTypeHvm, EnaSupport: aws.Bool(true), Hypervisor: types.HypervisorTypeXen,
		ImageType: types.ImageTypeValuesMachine, PlatformDetails: aws.String("Linux/UNIX"), UsageOperation: aws.String("RunInstances"),
		SriovNetSupport: aws.String("simple"), ImageLocation: aws.String(owner + "/" + a.Name), Tags: []types.Tag{},
		BlockDeviceMappings: []types.BlockDeviceMapping{
			{DeviceName: aws.String(a.RootDevice), Ebs: &types.EbsBlockDevice{SnapshotId: aws.String(amiSnapshot(a)),
				VolumeSize: aws.Int32(a.RootSizeGiB), VolumeType: amiVolumeType(a), DeleteOnTermination: aws.Bool(true), Encrypted: aws.Bool(false)}},
			{DeviceName: aws.String("/dev/sdb"), VirtualName: aws.String("ephemeral0")},
			{DeviceName: aws.String("/dev/sdc"), VirtualName: aws.String("ephemeral1")},
		},
	}
	if a.OwnerAlias != "" {
		img.ImageOwnerAlias = aws.String(a.OwnerAlias)
	}
	if created, err := time.Parse("2006-01-02T15:04:05.000Z", amiCreationDate(a)); err == nil {
		img.DeprecationTime = aws.String(created.AddDate(2, 0, 0).Format("2006-01-02T15:04:05.000Z"))
	}
	return img
}

func (s *ec2Service) DescribeImages(c *Call, in *ec2.DescribeImagesInput) (*ec2.DescribeImagesOutput, error) {
	items := AMIsOf(s.region)
	if len(in.ImageIds) > 0 {
		var picked []AMI
		var missing []string
		for _, id := range in.ImageIds {
			if malformed(id, "ami") {
				return nil, malformedErr("InvalidAMIID.Malformed", id, "ami")
			}
			a, ok := s.ami(id)
			if !ok {
				missing = append(missing, id)
				continue
			}
			picked = append(picked, a)
		}
		if len(missing) > 0 {
			return nil, Errorf("InvalidAMIID.NotFound", "The image id '[%s]' does not exist", strings.Join(missing, ", "))
		}
		items = picked
	}
	if len(in.Owners) > 0 {
		var kept []AMI
		for _, a := range items {
			for _, o := range in.Owners {
				switch {
				case o == "self":
					// no account-owned images
				case o == a.OwnerID, a.OwnerAlias != "" && o == a.OwnerAlias:
					kept = append(kept, a)
				case o == "amazon" || o == "aws-marketplace" || o == "aws-backup-vault":
				case !accountIDPattern.MatchString(o):
					return nil, Errorf("InvalidUserID.Malformed", "Invalid user id: \"%s\"", o)
				}
			}
		}
		items = kept
	}
	spec := filterSpec[AMI]{
		"name":                             func(a AMI) []string { return one(a.Name) },
		"architecture":                     func(a AMI) []string { return one(a.Architecture) },
		"image-id":                         func(a AMI) []string { return one(a.ID) },
		"state":                            func(a AMI) []string { return one("available") },
		"owner-alias":                      func(a AMI) []string { return one(a.OwnerAlias) },
		"owner-id":                         func(a AMI) []string { return one(a.OwnerID) },
		"description":                      func(a AMI) []string { return one(a.Description) },
		"is-public":                        func(a AMI) []string { return boolStr(true) },
		"image-type":                       func(a AMI) []string { return one("machine") },
		"root-device-type":                 func(a AMI) []string { return one("ebs") },
		"root-device-name":                 func(a AMI) []string { return one(a.RootDevice) },
		"virtualization-type":              func(a AMI) []string { return one("hvm") },
		"ena-support":                      func(a AMI) []string { return boolStr(true) },
		"platform-details":                 func(a AMI) []string { return one("Linux/UNIX") },
		"block-device-mapping.volume-type": func(a AMI) []string { return one(string(amiVolumeType(a))) },
	}
	items, err := applyFilters(items, in.Filters, spec, func(AMI) map[string]string { return nil })
	if err != nil {
		return nil, err
	}
	page, next, err := paginateEC2(items, in.NextToken, in.MaxResults, 5, 1000, idsParam("imageIds", in.ImageIds))
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeImagesOutput{NextToken: next, Images: []types.Image{}}
	for _, a := range page {
		out.Images = append(out.Images, s.imageView(a))
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// Key pairs

type ec2KeyPair struct {
	id, name, fingerprint, keyType, publicKey string
	created                                   time.Time
	seq                                       int
	tags                                      map[string]string
}

func (k *ec2KeyPair) order() int { return k.seq }

var accountIDPattern = regexp.MustCompile(`^\d{12}$`)

var keyNamePattern = regexp.MustCompile(`^[\x20-\x7e]{1,255}$`)

func colonHex(b []byte) string {
	parts := make([]string, len(b))
	for i, x := range b {
		parts[i] = fmt.Sprintf("%02x", x)
	}
	return strings.Join(parts, ":")
}

func (s *ec2Service) checkNewKeyName(name string) error {
	if name == "" {
		return missingParam("keyName")
	}
	if !keyNamePattern.MatchString(name) {
		return Errorf("InvalidParameterValue", "Value (%s) for parameter keyName is invalid. Key names must be printable ASCII of at most 255 characters.", name)
	}
	if _, ok := s.keyPairs[name]; ok {
		return Errorf("InvalidKeyPair.Duplicate", "The keypair '%s' already exists.", name)
	}
	return nil
}

func (s *ec2Service) CreateKeyPair(c *Call, in *ec2.CreateKeyPairInput) (*ec2.CreateKeyPairOutput, error) {
	name := aws.ToString(in.KeyName)
	if err := s.checkNewKeyName(name); err != nil {
		return nil, err
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeKeyPair)
	if err != nil {
		return nil, err
	}
	keyType := string(in.KeyType)
	if keyType == "" {
		keyType = "rsa"
	}
	if keyType != "rsa" && keyType != "ed25519" {
		return nil, Errorf("InvalidParameterValue", "Value (%s) for parameter keyType is invalid.", keyType)
	}
	// Key material is deterministic per key id; an RSA key is only shaped
	// like one (nothing in the emulator logs in with it).
	k := &ec2KeyPair{id: c.Emu.ID("key"), name: name, keyType: keyType, created: c.Now(), seq: s.nextSeq(), tags: tags}
	seed := sha256.Sum256([]byte("keypair/" + k.id))
	var material string
	var fp string
	if keyType == "ed25519" {
		priv := ed25519.NewKeyFromSeed(seed[:])
		material = string(pem.EncodeToMemory(&pem.Block{Type: "OPENSSH PRIVATE KEY", Bytes: priv}))
		sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
		fp = base64.StdEncoding.EncodeToString(sum[:]) + "="
	} else {
		body := make([]byte, 0, 1190)
		for i := 0; len(body) < 1190; i++ {
			h := sha256.Sum256(append(seed[:], byte(i)))
			body = append(body, h[:]...)
		}
		material = string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: body[:1190]}))
		sum := sha1.Sum(body[:1190])
		fp = colonHex(sum[:])
	}
	k.fingerprint = fp
	s.keyPairs[name] = k
	return &ec2.CreateKeyPairOutput{KeyName: aws.String(name), KeyPairId: aws.String(k.id), KeyFingerprint: aws.String(fp),
		KeyMaterial: aws.String(strings.TrimRight(material, "\n")), Tags: ec2Tags(tags)}, nil
}

func (s *ec2Service) ImportKeyPair(c *Call, in *ec2.ImportKeyPairInput) (*ec2.ImportKeyPairOutput, error) {
	name := aws.ToString(in.KeyName)
	if err := s.checkNewKeyName(name); err != nil {
		return nil, err
	}
	if len(in.PublicKeyMaterial) == 0 {
		return nil, missingParam("publicKeyMaterial")
	}
	fields := strings.Fields(string(in.PublicKeyMaterial))
	var blob []byte
	keyType := ""
	if len(fields) >= 2 {
		switch fields[0] {
		case "ssh-rsa":
			keyType = "rsa"
		case "ssh-ed25519":
			keyType = "ed25519"
		}
		blob, _ = base64.StdEncoding.DecodeString(fields[1])
	}
	if keyType == "" || len(blob) == 0 {
		return nil, Errorf("InvalidKey.Format", "Key is not in valid OpenSSH public key format")
	}
	tags, err := tagsForCreate(in.TagSpecifications, types.ResourceTypeKeyPair)
	if err != nil {
		return nil, err
	}
	sum := md5.Sum(blob)
	k := &ec2KeyPair{id: c.Emu.ID("key"), name: name, keyType: keyType, fingerprint: colonHex(sum[:]), created: c.Now(), seq: s.nextSeq(),
		tags: tags, publicKey: strings.TrimSpace(string(in.PublicKeyMaterial))}
	s.keyPairs[name] = k
	return &ec2.ImportKeyPairOutput{KeyName: aws.String(name), KeyPairId: aws.String(k.id), KeyFingerprint: aws.String(k.fingerprint), Tags: ec2Tags(tags)}, nil
}

func (s *ec2Service) DescribeKeyPairs(c *Call, in *ec2.DescribeKeyPairsInput) (*ec2.DescribeKeyPairsOutput, error) {
	items := sortedBySeq(s.keyPairs)
	if len(in.KeyNames) > 0 {
		var picked []*ec2KeyPair
		for _, n := range in.KeyNames {
			k, ok := s.keyPairs[n]
			if !ok {
				return nil, Errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", n)
			}
			picked = append(picked, k)
		}
		items = picked
	}
	if len(in.KeyPairIds) > 0 {
		var picked []*ec2KeyPair
		for _, id := range in.KeyPairIds {
			var found *ec2KeyPair
			for _, k := range items {
				if k.id == id {
					found = k
				}
			}
			if found == nil {
				return nil, Errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", id)
			}
			picked = append(picked, found)
		}
		items = picked
	}
	spec := filterSpec[*ec2KeyPair]{
		"key-name":    func(k *ec2KeyPair) []string { return one(k.name) },
		"key-pair-id": func(k *ec2KeyPair) []string { return one(k.id) },
		"fingerprint": func(k *ec2KeyPair) []string { return one(k.fingerprint) },
		"key-type":    func(k *ec2KeyPair) []string { return one(k.keyType) },
	}
	items, err := applyFilters(items, in.Filters, spec, func(k *ec2KeyPair) map[string]string { return k.tags })
	if err != nil {
		return nil, err
	}
	out := &ec2.DescribeKeyPairsOutput{KeyPairs: []types.KeyPairInfo{}}
	for _, k := range items {
		info := types.KeyPairInfo{KeyName: aws.String(k.name), KeyPairId: aws.String(k.id), KeyFingerprint: aws.String(k.fingerprint),
			KeyType: types.KeyType(k.keyType), CreateTime: aws.Time(k.created), Tags: ec2Tags(k.tags)}
		if aws.ToBool(in.IncludePublicKey) && k.publicKey != "" {
			info.PublicKey = aws.String(k.publicKey)
		}
		out.KeyPairs = append(out.KeyPairs, info)
	}
	return out, nil
}

func (s *ec2Service) DeleteKeyPair(c *Call, in *ec2.DeleteKeyPairInput) (*ec2.DeleteKeyPairOutput, error) {
	name, id := aws.ToString(in.KeyName), aws.ToString(in.KeyPairId)
	if name == "" && id == "" {
		return nil, missingParam("keyName")
	}
	for n, k := range s.keyPairs {
		if n == name || k.id == id {
			delete(s.keyPairs, n)
			return &ec2.DeleteKeyPairOutput{Return: aws.Bool(true), KeyPairId: aws.String(k.id)}, nil
		}
	}
	if id != "" && name == "" {
		return nil, Errorf("InvalidKeyPair.NotFound", "The key pair '%s' does not exist", id)
	}
	// Deleting a key pair name that does not exist succeeds, as on AWS.
	return &ec2.DeleteKeyPairOutput{Return: aws.Bool(true)}, nil
}
