// Package legacycli builds, in the AWS emulator, what the GeuseMaker CLI (the
// Python tool the provider replaces) builds for a deployment, with the CLI's
// layout, names and tags, and writes the CLI's state file for it: a fixture
// state file with its ids replaced by the ones just created. Tests of the
// legacy import use it; it follows the fact sheet of the CLI (§1: one shared
// security group without tags, EFS tagged only with Name, IAM role
// "<stack>-efs-mount-role" and profile "<stack>-instance-profile", a VPC
// with two public and two private subnets, "<stack>-alb" and "<stack>-tg").
//lint:file-ignore SA1019 this package rebuilds what the original CLI created, legacy CloudFront cache settings included

package legacycli

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsretry "github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/acm"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront"
	cftypes "github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/efs"
	efstypes "github.com/aws/aws-sdk-go-v2/service/efs/types"
	elbv2 "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
)

// Region is where the CLI deployments are built.
const Region = "us-east-1"

// Deployment is a CLI deployment built in the emulator.
type Deployment struct {
	Name string
	Tier string // dev, automation or gpu
	// GivenVPC: the CLI was given an existing VPC (built here as the user's).
	GivenVPC bool
	// Spot: the CLI launched a one-time Spot instance (its cost.is_spot).
	Spot bool

	VPCID, InternetGatewayID, RouteTableID string
	PublicSubnetIDs, PrivateSubnetIDs      []string
	SecurityGroupID                        string
	EFSID, MountTargetID, MountTargetIP    string
	RoleName, RoleARN                      string
	ProfileName, ProfileARN                string
	InstanceID, PublicIP, PrivateIP        string
	CertificateARN                         string
	ALBARN, ALBDNS, TargetGroupARN         string
	DistributionID, DistributionDomain     string

	c clients
}

type clients struct {
	ec2 *ec2.Client
	efs *efs.Client
	elb *elbv2.Client
	cf  *cloudfront.Client
	iam *iam.Client
	acm *acm.Client
}

func newClients(emu *awsemu.Emulator) clients {
	cfg := aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKey, awsemu.DefaultSecretKey, ""),
		BaseEndpoint: aws.String(emu.URL()),
		Retryer: func() aws.Retryer {
			return awsretry.NewStandard(func(o *awsretry.StandardOptions) {
				o.MaxAttempts, o.MaxBackoff = 10, 20*time.Millisecond
				o.Backoff = awsretry.NewExponentialJitterBackoff(20 * time.Millisecond)
			})
		},
	}
	return clients{ec2: ec2.NewFromConfig(cfg), efs: efs.NewFromConfig(cfg), elb: elbv2.NewFromConfig(cfg),
		cf: cloudfront.NewFromConfig(cfg), iam: iam.NewFromConfig(cfg), acm: acm.NewFromConfig(cfg)}
}

// fixture is the part of a fixture state file that decides what to build.
type fixture struct {
	StackName      string `json:"stack_name"`
	CertificateARN string `json:"certificate_arn"`
	CloudFrontID   string `json:"cloudfront_id"`
	ALBARN         string `json:"alb_arn"`
	Cost           struct {
		InstanceType string `json:"instance_type"`
		IsSpot       bool   `json:"is_spot"`
	} `json:"cost"`
	Config struct {
		Tier          string `json:"tier"`
		InstanceType  string `json:"instance_type"`
		VPCID         string `json:"vpc_id"`
		ALBDomainName string `json:"alb_domain_name"`
		EnableHTTPS   *bool  `json:"enable_https"`
		EnableALB     bool   `json:"enable_alb"`
	} `json:"config"`
}

// FromFixture builds the deployment a fixture state file describes and
// writes the state file the CLI would have written for it (the fixture with
// every id replaced) into dir. It returns the deployment and the file's path.
func FromFixture(t *testing.T, emu *awsemu.Emulator, fixturePath, dir string) (*Deployment, string) {
	t.Helper()
	raw, err := os.ReadFile(fixturePath)
	if err != nil {
		t.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(raw, &fx); err != nil {
		t.Fatalf("%s: %v", fixturePath, err)
	}
	instanceType := fx.Cost.InstanceType
	if instanceType == "" {
		instanceType = fx.Config.InstanceType
	}
	d := &Deployment{Name: fx.StackName, Tier: fx.Config.Tier, GivenVPC: fx.Config.VPCID != "", Spot: fx.Cost.IsSpot, c: newClients(emu)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The CLI opens 443 when HTTPS stays on: always in tier 1 (its
	// self-signed certificate), with a certificate behind a load balancer
	// (without one the runner turns HTTPS off).
	cert := fx.CertificateARN != ""
	open443 := (fx.Config.EnableHTTPS == nil || *fx.Config.EnableHTTPS) && (cert || !fx.Config.EnableALB)
	if err := d.build(ctx, instanceType, cert, open443, fx.Config.ALBDomainName, fx.ALBARN != "", fx.CloudFrontID != ""); err != nil {
		t.Fatalf("building the CLI deployment %s: %v", d.Name, err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	d.rewrite(doc)
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, d.Name+".json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return d, path
}

// rewrite puts the built ids into a state file document.
func (d *Deployment) rewrite(doc map[string]any) {
	set := func(key string, v any) {
		if _, ok := doc[key]; ok {
			doc[key] = v
		}
	}
	subnets := append(append([]string{}, d.PublicSubnetIDs...), d.PrivateSubnetIDs...)
	set("vpc_id", d.VPCID)
	set("subnet_ids", subnets)
	set("storage_subnet_id", d.PublicSubnetIDs[0])
	set("security_group_id", d.SecurityGroupID)
	set("efs_id", d.EFSID)
	set("efs_mount_target_id", d.MountTargetID)
	set("efs_mount_target_ids", []string{d.MountTargetID})
	set("efs_mount_target_ip", d.MountTargetIP)
	set("instance_id", d.InstanceID)
	set("public_ip", d.PublicIP)
	set("private_ip", d.PrivateIP)
	set("iam_role_arn", d.RoleARN)
	set("iam_instance_profile_arn", d.ProfileARN)
	set("alb_arn", d.ALBARN)
	set("alb_dns", d.ALBDNS)
	set("target_group_arn", d.TargetGroupARN)
	set("certificate_arn", d.CertificateARN)
	set("cloudfront_id", d.DistributionID)
	set("cloudfront_domain", d.DistributionDomain)
	switch {
	case d.DistributionDomain != "":
		set("n8n_url", "https://"+d.DistributionDomain)
	case d.ALBDNS != "" && d.CertificateARN == "":
		set("n8n_url", "http://"+d.ALBDNS+":80")
	case d.ALBDNS == "":
		set("n8n_url", "https://"+d.PublicIP)
	}
	if cfg, ok := doc["config"].(map[string]any); ok {
		if _, ok := cfg["vpc_id"]; ok {
			cfg["vpc_id"] = d.VPCID
			cfg["public_subnet_ids"] = d.PublicSubnetIDs
		}
		if _, ok := cfg["alb_certificate_arn"]; ok {
			cfg["alb_certificate_arn"] = d.CertificateARN
		}
	}
}

func (d *Deployment) cliTags(extra ...string) []ec2types.Tag {
	tags := []ec2types.Tag{
		{Key: aws.String("geusemaker:deployment"), Value: aws.String(d.Name)},
		{Key: aws.String("geusemaker:tier"), Value: aws.String(d.Tier)},
		{Key: aws.String("geusemaker:created-at"), Value: aws.String("2025-11-03T09:12:44Z")},
		{Key: aws.String("geusemaker:created-by"), Value: aws.String("geusemaker")},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		tags = append(tags, ec2types.Tag{Key: aws.String(extra[i]), Value: aws.String(extra[i+1])})
	}
	return tags
}

func spec(rt ec2types.ResourceType, tags []ec2types.Tag) []ec2types.TagSpecification {
	return []ec2types.TagSpecification{{ResourceType: rt, Tags: tags}}
}

func (d *Deployment) build(ctx context.Context, instanceType string, https, open443 bool, domain string, alb, cdn bool) error {
	if err := d.network(ctx); err != nil {
		return err
	}
	if err := d.securityGroup(ctx, open443); err != nil {
		return err
	}
	if err := d.storage(ctx); err != nil {
		return err
	}
	if err := d.instanceRole(ctx); err != nil {
		return err
	}
	if err := d.instance(ctx, instanceType); err != nil {
		return err
	}
	if !alb {
		return nil
	}
	if https {
		if err := d.certificate(ctx, domain); err != nil {
			return err
		}
	}
	if err := d.loadBalancer(ctx); err != nil {
		return err
	}
	if cdn {
		return d.distribution(ctx)
	}
	return nil
}

// network: 10.0.0.0/16 with DNS, an internet gateway, public subnets
// 10.0.1.0/24 and 10.0.2.0/24 and private ones 10.0.101.0/24 and
// 10.0.102.0/24 in the first two zones, and one route table for the public
// subnets. A given VPC is built the same way, as the user's, and tagged by
// the CLI all the same (it tags reused VPCs too).
func (d *Deployment) network(ctx context.Context) error {
	c := d.c.ec2
	vpc, err := c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"), TagSpecifications: spec(ec2types.ResourceTypeVpc, d.cliTags("Name", d.Name))})
	if err != nil {
		return err
	}
	d.VPCID = aws.ToString(vpc.Vpc.VpcId)
	for _, in := range []*ec2.ModifyVpcAttributeInput{
		{VpcId: vpc.Vpc.VpcId, EnableDnsSupport: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
		{VpcId: vpc.Vpc.VpcId, EnableDnsHostnames: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}},
	} {
		if _, err := c.ModifyVpcAttribute(ctx, in); err != nil {
			return err
		}
	}
	igw, err := c.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{TagSpecifications: spec(ec2types.ResourceTypeInternetGateway, d.cliTags("Name", d.Name))})
	if err != nil {
		return err
	}
	d.InternetGatewayID = aws.ToString(igw.InternetGateway.InternetGatewayId)
	if _, err := c.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: igw.InternetGateway.InternetGatewayId, VpcId: vpc.Vpc.VpcId}); err != nil {
		return err
	}
	zones, err := c.DescribeAvailabilityZones(ctx, &ec2.DescribeAvailabilityZonesInput{})
	if err != nil {
		return err
	}
	var names []string
	for _, z := range zones.AvailabilityZones {
		names = append(names, aws.ToString(z.ZoneName))
	}
	sort.Strings(names)
	for i, az := range names[:2] {
		for _, kind := range []string{"public", "private"} {
			cidr := fmt.Sprintf("10.0.%d.0/24", i+1)
			if kind == "private" {
				cidr = fmt.Sprintf("10.0.%d.0/24", 101+i)
			}
			sn, err := c.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: vpc.Vpc.VpcId, CidrBlock: aws.String(cidr), AvailabilityZone: aws.String(az),
				TagSpecifications: spec(ec2types.ResourceTypeSubnet, d.cliTags("Name", fmt.Sprintf("%s-%s-%d", d.Name, kind, i+1), "Tier", kind))})
			if err != nil {
				return err
			}
			id := aws.ToString(sn.Subnet.SubnetId)
			if kind == "private" {
				d.PrivateSubnetIDs = append(d.PrivateSubnetIDs, id)
				continue
			}
			d.PublicSubnetIDs = append(d.PublicSubnetIDs, id)
			if _, err := c.ModifySubnetAttribute(ctx, &ec2.ModifySubnetAttributeInput{SubnetId: sn.Subnet.SubnetId, MapPublicIpOnLaunch: &ec2types.AttributeBooleanValue{Value: aws.Bool(true)}}); err != nil {
				return err
			}
		}
	}
	rt, err := c.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: vpc.Vpc.VpcId, TagSpecifications: spec(ec2types.ResourceTypeRouteTable, d.cliTags("Name", d.Name))})
	if err != nil {
		return err
	}
	d.RouteTableID = aws.ToString(rt.RouteTable.RouteTableId)
	if _, err := c.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: rt.RouteTable.RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: igw.InternetGateway.InternetGatewayId}); err != nil {
		return err
	}
	for _, sn := range d.PublicSubnetIDs {
		if _, err := c.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: rt.RouteTable.RouteTableId, SubnetId: aws.String(sn)}); err != nil {
			return err
		}
	}
	return nil
}

// securityGroup: "<stack>-sg", untagged, SSH and HTTP from anywhere, NFS
// from the VPC, HTTPS from anywhere when HTTPS is on.
func (d *Deployment) securityGroup(ctx context.Context, open443 bool) error {
	sg, err := d.c.ec2.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(d.Name + "-sg"), Description: aws.String("GeuseMaker dev SG"), VpcId: aws.String(d.VPCID)})
	if err != nil {
		return err
	}
	d.SecurityGroupID = aws.ToString(sg.GroupId)
	rule := func(port int32, cidr string) ec2types.IpPermission {
		return ec2types.IpPermission{IpProtocol: aws.String("tcp"), FromPort: aws.Int32(port), ToPort: aws.Int32(port), IpRanges: []ec2types.IpRange{{CidrIp: aws.String(cidr)}}}
	}
	perms := []ec2types.IpPermission{rule(22, "0.0.0.0/0"), rule(80, "0.0.0.0/0"), rule(2049, "10.0.0.0/16")}
	if open443 {
		perms = append(perms, rule(443, "0.0.0.0/0"))
	}
	_, err = d.c.ec2.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: sg.GroupId, IpPermissions: perms})
	return err
}

// storage: an encrypted EFS tagged only with Name, and one mount target in
// the instance's subnet with the shared group.
func (d *Deployment) storage(ctx context.Context) error {
	fs, err := d.c.efs.CreateFileSystem(ctx, &efs.CreateFileSystemInput{CreationToken: aws.String("cli-" + d.Name + "-" + fmt.Sprint(time.Now().UnixNano())),
		PerformanceMode: efstypes.PerformanceModeGeneralPurpose, ThroughputMode: efstypes.ThroughputModeBursting, Encrypted: aws.Bool(true),
		Tags: []efstypes.Tag{{Key: aws.String("Name"), Value: aws.String(d.Name)}}})
	if err != nil {
		return err
	}
	d.EFSID = aws.ToString(fs.FileSystemId)
	if err := poll(ctx, func() (bool, error) {
		out, err := d.c.efs.DescribeFileSystems(ctx, &efs.DescribeFileSystemsInput{FileSystemId: fs.FileSystemId})
		return err == nil && len(out.FileSystems) == 1 && out.FileSystems[0].LifeCycleState == efstypes.LifeCycleStateAvailable, err
	}); err != nil {
		return err
	}
	mt, err := d.c.efs.CreateMountTarget(ctx, &efs.CreateMountTargetInput{FileSystemId: fs.FileSystemId, SubnetId: aws.String(d.PublicSubnetIDs[0]), SecurityGroups: []string{d.SecurityGroupID}})
	if err != nil {
		return err
	}
	d.MountTargetID, d.MountTargetIP = aws.ToString(mt.MountTargetId), aws.ToString(mt.IpAddress)
	return poll(ctx, func() (bool, error) {
		out, err := d.c.efs.DescribeMountTargets(ctx, &efs.DescribeMountTargetsInput{MountTargetId: mt.MountTargetId})
		return err == nil && len(out.MountTargets) == 1 && out.MountTargets[0].LifeCycleState == efstypes.LifeCycleStateAvailable, err
	})
}

func (d *Deployment) iamTags(name string) []iamtypes.Tag {
	return []iamtypes.Tag{{Key: aws.String("Name"), Value: aws.String(name)}, {Key: aws.String("Stack"), Value: aws.String(d.Name)},
		{Key: aws.String("Tier"), Value: aws.String(d.Tier)}, {Key: aws.String("ManagedBy"), Value: aws.String("GeuseMaker")}}
}

// instanceRole: "<stack>-efs-mount-role" with the EFS inline policy on "*"
// and Session Manager, in "<stack>-instance-profile".
func (d *Deployment) instanceRole(ctx context.Context) error {
	d.RoleName, d.ProfileName = d.Name+"-efs-mount-role", d.Name+"-instance-profile"
	role, err := d.c.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(d.RoleName), Tags: d.iamTags(d.RoleName),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})
	if err != nil {
		return err
	}
	d.RoleARN = aws.ToString(role.Role.Arn)
	if _, err := d.c.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(d.RoleName), PolicyName: aws.String("EFSMountPolicy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["elasticfilesystem:ClientMount","elasticfilesystem:ClientWrite","elasticfilesystem:ClientRootAccess","elasticfilesystem:DescribeFileSystems","elasticfilesystem:DescribeMountTargets"],"Resource":"*"}]}`)}); err != nil {
		return err
	}
	if _, err := d.c.iam.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(d.RoleName), PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore")}); err != nil {
		return err
	}
	p, err := d.c.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String(d.ProfileName), Tags: d.iamTags(d.ProfileName)})
	if err != nil {
		return err
	}
	d.ProfileARN = aws.ToString(p.InstanceProfile.Arn)
	_, err = d.c.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(d.ProfileName), RoleName: aws.String(d.RoleName)})
	return err
}

// instance: the CLI's launch (no key pair, no metadata options, a 75 GiB
// gp3 root volume), retried while the new profile propagates.
func (d *Deployment) instance(ctx context.Context, instanceType string) error {
	gpu := strings.HasPrefix(instanceType, "g") || strings.HasPrefix(instanceType, "p")
	var ami awsemu.AMI
	for _, a := range awsemu.AMIsOf(Region) {
		if a.GPUDriver == gpu && strings.Contains(a.Name, "amd64") != gpu && !strings.Contains(a.Name, "ARM64") && !strings.Contains(a.Name, "arm64") {
			ami = a
			break
		}
	}
	if ami.ID == "" {
		return fmt.Errorf("no emulator AMI for %s", instanceType)
	}
	img, err := d.c.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{ami.ID}})
	if err != nil {
		return fmt.Errorf("describing %s: %w", ami.ID, err)
	}
	if len(img.Images) == 0 {
		return fmt.Errorf("describing %s: no such image", ami.ID)
	}
	var script bytes.Buffer
	zw := gzip.NewWriter(&script)
	_, _ = zw.Write([]byte("#!/bin/bash\n# GeuseMaker CLI boot script for " + d.Name + "\nset -euo pipefail\n"))
	_ = zw.Close()
	tags := []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(d.Name)}, {Key: aws.String("Stack"), Value: aws.String(d.Name)}, {Key: aws.String("Tier"), Value: aws.String(d.Tier)}}
	in := &ec2.RunInstancesInput{ImageId: aws.String(ami.ID), InstanceType: ec2types.InstanceType(instanceType), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		SubnetId: aws.String(d.PublicSubnetIDs[0]), SecurityGroupIds: []string{d.SecurityGroupID},
		UserData:           aws.String(base64.StdEncoding.EncodeToString(script.Bytes())),
		IamInstanceProfile: &ec2types.IamInstanceProfileSpecification{Name: aws.String(d.ProfileName)},
		BlockDeviceMappings: []ec2types.BlockDeviceMapping{{DeviceName: img.Images[0].RootDeviceName,
			Ebs: &ec2types.EbsBlockDevice{VolumeSize: aws.Int32(75), VolumeType: ec2types.VolumeTypeGp3, Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true)}}},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: tags},
			{ResourceType: ec2types.ResourceTypeNetworkInterface, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(d.Name + "-eni")}, tags[1], tags[2]}}},
	}
	if d.Spot {
		// The CLI's Spot launch: a one-time request, terminated on interruption.
		in.InstanceMarketOptions = &ec2types.InstanceMarketOptionsRequest{MarketType: ec2types.MarketTypeSpot,
			SpotOptions: &ec2types.SpotMarketOptions{SpotInstanceType: ec2types.SpotInstanceTypeOneTime, InstanceInterruptionBehavior: ec2types.InstanceInterruptionBehaviorTerminate}}
	}
	var out *ec2.RunInstancesOutput
	if err := poll(ctx, func() (bool, error) {
		out, err = d.c.ec2.RunInstances(ctx, in)
		if err != nil && strings.Contains(err.Error(), "InvalidParameterValue") {
			return false, nil
		}
		return err == nil, err
	}); err != nil {
		return err
	}
	d.InstanceID = aws.ToString(out.Instances[0].InstanceId)
	return poll(ctx, func() (bool, error) {
		o, err := d.c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{d.InstanceID}})
		if err != nil || len(o.Reservations) == 0 {
			return false, err
		}
		i := o.Reservations[0].Instances[0]
		d.PublicIP, d.PrivateIP = aws.ToString(i.PublicIpAddress), aws.ToString(i.PrivateIpAddress)
		return i.State.Name == ec2types.InstanceStateNameRunning, nil
	})
}

// certificate imports a certificate for the load balancer's domain (the CLI
// requests one from ACM; an imported one is issued at once).
func (d *Deployment) certificate(ctx context.Context, domain string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: domain}, DNSNames: []string{domain},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	out, err := d.c.acm.ImportCertificate(ctx, &acm.ImportCertificateInput{
		Certificate: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		PrivateKey:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
	})
	if err != nil {
		return err
	}
	d.CertificateARN = aws.ToString(out.CertificateArn)
	return nil
}

// loadBalancer: "<stack>-alb" with the shared group in both public subnets,
// "<stack>-tg" (HTTP 80, /healthz 30/5/2/3), HTTP forward, or HTTPS (no SSL
// policy given) with a redirect from HTTP, and the instance registered.
func (d *Deployment) loadBalancer(ctx context.Context) error {
	tags := []elbtypes.Tag{{Key: aws.String("Name"), Value: aws.String(d.Name + "-alb")}, {Key: aws.String("Stack"), Value: aws.String(d.Name)},
		{Key: aws.String("Tier"), Value: aws.String(d.Tier)}, {Key: aws.String("ManagedBy"), Value: aws.String("GeuseMaker")}}
	lb, err := d.c.elb.CreateLoadBalancer(ctx, &elbv2.CreateLoadBalancerInput{Name: aws.String(d.Name + "-alb"), Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing,
		Type: elbtypes.LoadBalancerTypeEnumApplication, IpAddressType: elbtypes.IpAddressTypeIpv4, Subnets: d.PublicSubnetIDs, SecurityGroups: []string{d.SecurityGroupID}, Tags: tags})
	if err != nil {
		return err
	}
	d.ALBARN, d.ALBDNS = aws.ToString(lb.LoadBalancers[0].LoadBalancerArn), aws.ToString(lb.LoadBalancers[0].DNSName)
	tg, err := d.c.elb.CreateTargetGroup(ctx, &elbv2.CreateTargetGroupInput{Name: aws.String(d.Name + "-tg"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		VpcId: aws.String(d.VPCID), TargetType: elbtypes.TargetTypeEnumInstance, HealthCheckPath: aws.String("/healthz"), HealthCheckIntervalSeconds: aws.Int32(30),
		HealthCheckTimeoutSeconds: aws.Int32(5), HealthyThresholdCount: aws.Int32(2), UnhealthyThresholdCount: aws.Int32(3), Tags: tags})
	if err != nil {
		return err
	}
	d.TargetGroupARN = aws.ToString(tg.TargetGroups[0].TargetGroupArn)
	forward := []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}
	if d.CertificateARN == "" {
		_, err = d.c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), DefaultActions: forward})
	} else {
		if _, err = d.c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttps, Port: aws.Int32(443),
			Certificates: []elbtypes.Certificate{{CertificateArn: aws.String(d.CertificateARN)}}, DefaultActions: forward}); err != nil {
			return err
		}
		_, err = d.c.elb.CreateListener(ctx, &elbv2.CreateListenerInput{LoadBalancerArn: lb.LoadBalancers[0].LoadBalancerArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
			DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumRedirect, RedirectConfig: &elbtypes.RedirectActionConfig{Protocol: aws.String("HTTPS"), Port: aws.String("443"), StatusCode: elbtypes.RedirectActionStatusCodeEnumHttp301}}}})
	}
	if err != nil {
		return err
	}
	_, err = d.c.elb.RegisterTargets(ctx, &elbv2.RegisterTargetsInput{TargetGroupArn: tg.TargetGroups[0].TargetGroupArn, Targets: []elbtypes.TargetDescription{{Id: aws.String(d.InstanceID), Port: aws.Int32(80)}}})
	return err
}

// distribution: the CLI's CloudFront in front of the raw load balancer name
// (http-only, 30 s read timeout, no caching, PriceClass_100, no tags), after
// the load balancer is active.
func (d *Deployment) distribution(ctx context.Context) error {
	if err := poll(ctx, func() (bool, error) {
		out, err := d.c.elb.DescribeLoadBalancers(ctx, &elbv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{d.ALBARN}})
		return err == nil && out.LoadBalancers[0].State.Code == elbtypes.LoadBalancerStateEnumActive, err
	}); err != nil {
		return err
	}
	origin := "ALB-" + d.ALBDNS
	methods := func(m ...cftypes.Method) ([]cftypes.Method, *int32) { return m, aws.Int32(int32(len(m))) }
	all, nAll := methods(cftypes.MethodGet, cftypes.MethodHead, cftypes.MethodOptions, cftypes.MethodPut, cftypes.MethodPost, cftypes.MethodPatch, cftypes.MethodDelete)
	cached, nCached := methods(cftypes.MethodGet, cftypes.MethodHead)
	out, err := d.c.cf.CreateDistribution(ctx, &cloudfront.CreateDistributionInput{DistributionConfig: &cftypes.DistributionConfig{
		CallerReference: aws.String(fmt.Sprintf("%s-%d.%06d", d.Name, time.Now().Unix(), time.Now().Nanosecond()/1000)),
		Comment:         aws.String("GeuseMaker CDN for " + d.Name), Enabled: aws.Bool(true), PriceClass: cftypes.PriceClassPriceClass100,
		HttpVersion: cftypes.HttpVersionHttp2and3, IsIPV6Enabled: aws.Bool(true),
		Origins: &cftypes.Origins{Quantity: aws.Int32(1), Items: []cftypes.Origin{{Id: aws.String(origin), DomainName: aws.String(d.ALBDNS),
			CustomOriginConfig: &cftypes.CustomOriginConfig{HTTPPort: aws.Int32(80), HTTPSPort: aws.Int32(443), OriginProtocolPolicy: cftypes.OriginProtocolPolicyHttpOnly,
				OriginReadTimeout: aws.Int32(30), OriginKeepaliveTimeout: aws.Int32(5),
				OriginSslProtocols: &cftypes.OriginSslProtocols{Quantity: aws.Int32(1), Items: []cftypes.SslProtocol{cftypes.SslProtocolTLSv12}}}}}},
		DefaultCacheBehavior: &cftypes.DefaultCacheBehavior{TargetOriginId: aws.String(origin), ViewerProtocolPolicy: cftypes.ViewerProtocolPolicyRedirectToHttps,
			AllowedMethods: &cftypes.AllowedMethods{Quantity: nAll, Items: all, CachedMethods: &cftypes.CachedMethods{Quantity: nCached, Items: cached}},
			Compress:       aws.Bool(true), MinTTL: aws.Int64(0), DefaultTTL: aws.Int64(0), MaxTTL: aws.Int64(0),
			ForwardedValues: &cftypes.ForwardedValues{QueryString: aws.Bool(true), Cookies: &cftypes.CookiePreference{Forward: cftypes.ItemSelectionAll},
				Headers: &cftypes.Headers{Quantity: aws.Int32(1), Items: []string{"Host"}}}},
		ViewerCertificate: &cftypes.ViewerCertificate{CloudFrontDefaultCertificate: aws.Bool(true), MinimumProtocolVersion: cftypes.MinimumProtocolVersionTLSv122021},
	}})
	if err != nil {
		return err
	}
	d.DistributionID, d.DistributionDomain = aws.ToString(out.Distribution.Id), aws.ToString(out.Distribution.DomainName)
	return nil
}

// DeleteGivenNetwork removes the VPC the CLI was given (the user's, which a
// destroy leaves): subnets, route table, internet gateway, VPC.
func (d *Deployment) DeleteGivenNetwork(ctx context.Context) error {
	c := d.c.ec2
	rts, err := c.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{RouteTableIds: []string{d.RouteTableID}})
	if err == nil {
		for _, a := range rts.RouteTables[0].Associations {
			if _, err := c.DisassociateRouteTable(ctx, &ec2.DisassociateRouteTableInput{AssociationId: a.RouteTableAssociationId}); err != nil {
				return err
			}
		}
		if _, err := c.DeleteRouteTable(ctx, &ec2.DeleteRouteTableInput{RouteTableId: aws.String(d.RouteTableID)}); err != nil {
			return err
		}
	}
	if _, err := c.DetachInternetGateway(ctx, &ec2.DetachInternetGatewayInput{InternetGatewayId: aws.String(d.InternetGatewayID), VpcId: aws.String(d.VPCID)}); err != nil {
		return err
	}
	if _, err := c.DeleteInternetGateway(ctx, &ec2.DeleteInternetGatewayInput{InternetGatewayId: aws.String(d.InternetGatewayID)}); err != nil {
		return err
	}
	for _, sn := range append(append([]string{}, d.PublicSubnetIDs...), d.PrivateSubnetIDs...) {
		if _, err := c.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: aws.String(sn)}); err != nil {
			return err
		}
	}
	_, err = c.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: aws.String(d.VPCID)})
	return err
}

// DeleteCertificate removes the imported certificate (the user's, which a
// destroy leaves).
func (d *Deployment) DeleteCertificate(ctx context.Context) error {
	if d.CertificateARN == "" {
		return nil
	}
	_, err := d.c.acm.DeleteCertificate(ctx, &acm.DeleteCertificateInput{CertificateArn: aws.String(d.CertificateARN)})
	return err
}

func poll(ctx context.Context, done func() (bool, error)) error {
	for {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
