package deployment

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/userdata"
)

// The GeuseMaker CLI (the Python tool this provider replaces) keeps one JSON
// state file per deployment in ~/.geusemaker/deployments/<stack>.json, in
// schema version 1 or 2. A user migrates by importing that file: this file
// reads it and maps it to a Spec and State without calling AWS (Migrate);
// legacy_adopt.go then checks every object in AWS, completes what the
// provider's layout needs and tags what the CLI left untagged.

// LegacyImportPrefix introduces an import id naming a CLI state file.
const LegacyImportPrefix = "legacy:"

// LegacyMaxSchemaVersion is the newest CLI state schema this provider reads.
const LegacyMaxSchemaVersion = 2

// Names and values the CLI uses.
const (
	legacyRoleSuffix    = "-efs-mount-role"
	legacyProfileSuffix = "-instance-profile"
	// legacyRootVolumeGiB is the CLI's fixed root volume size.
	legacyRootVolumeGiB = 75
	// legacyIdleTimeout is the load balancer's AWS default idle timeout,
	// which the CLI never changes.
	legacyIdleTimeout = 60
	// legacyOriginReadTimeout is what the CLI sets on its CloudFront origin.
	legacyOriginReadTimeout = 30
	// legacyHealthCheckPath is the CLI's target group health check.
	legacyHealthCheckPath = "/healthz"
	// legacyDefaultInstanceType is the CLI config's default.
	legacyDefaultInstanceType = "t3.medium"
	// legacyDefaultRegion is the CLI config's default.
	legacyDefaultRegion = "us-east-1"
)

// legacyTiers maps the CLI's persisted tier keys to tiers.
var legacyTiers = map[string]int{"dev": TierDev, "automation": TierAutomation, "gpu": TierGPU}

// legacyFile is the part of a CLI state file (DeploymentState) the migration
// reads; the CLI writes it with exclude_none, so absent means unset.
type legacyFile struct {
	SchemaVersion json.RawMessage `json:"schema_version"`
	StackName     string          `json:"stack_name"`
	Status        string          `json:"status"`
	CreatedAt     string          `json:"created_at"`

	VPCID             string   `json:"vpc_id"`
	SubnetIDs         []string `json:"subnet_ids"`
	StorageSubnetID   string   `json:"storage_subnet_id"`
	SecurityGroupID   string   `json:"security_group_id"`
	EFSID             string   `json:"efs_id"`
	EFSMountTargetID  string   `json:"efs_mount_target_id"`
	EFSMountTargetIDs []string `json:"efs_mount_target_ids"`
	EFSMountTargetIP  string   `json:"efs_mount_target_ip"`

	InstanceID  string `json:"instance_id"`
	KeypairName string `json:"keypair_name"`
	PublicIP    string `json:"public_ip"`
	PrivateIP   string `json:"private_ip"`
	N8NURL      string `json:"n8n_url"`

	IAMRoleName            string `json:"iam_role_name"`
	IAMRoleARN             string `json:"iam_role_arn"`
	IAMInstanceProfileName string `json:"iam_instance_profile_name"`
	IAMInstanceProfileARN  string `json:"iam_instance_profile_arn"`

	ALBARN         string `json:"alb_arn"`
	ALBDNS         string `json:"alb_dns"`
	TargetGroupARN string `json:"target_group_arn"`

	LaunchTemplateID     string `json:"launch_template_id"`
	AutoScalingGroupName string `json:"auto_scaling_group_name"`

	CloudFrontID     string `json:"cloudfront_id"`
	CloudFrontDomain string `json:"cloudfront_domain"`

	HTTPSEnabled   bool   `json:"https_enabled"`
	HTTPSEndpoint  string `json:"https_endpoint"`
	CertificateARN string `json:"certificate_arn"`

	ResourceProvenance map[string]string `json:"resource_provenance"`
	Cost               struct {
		InstanceType string `json:"instance_type"`
		IsSpot       bool   `json:"is_spot"`
	} `json:"cost"`
	Config legacyConfig `json:"config"`
}

// legacyConfig is the CLI's DeploymentConfig.
type legacyConfig struct {
	StackName             string   `json:"stack_name"`
	Tier                  string   `json:"tier"`
	Workload              string   `json:"workload"`
	Region                string   `json:"region"`
	InstanceType          string   `json:"instance_type"`
	UseSpot               *bool    `json:"use_spot"`
	BudgetLimit           *float64 `json:"budget_limit"`
	AMIID                 string   `json:"ami_id"`
	VPCID                 string   `json:"vpc_id"`
	SubnetID              string   `json:"subnet_id"`
	PublicSubnetIDs       []string `json:"public_subnet_ids"`
	SecurityGroupID       string   `json:"security_group_id"`
	KeypairName           string   `json:"keypair_name"`
	EnableALB             bool     `json:"enable_alb"`
	EnableCDN             bool     `json:"enable_cdn"`
	EnableHTTPS           *bool    `json:"enable_https"`
	ALBCertificateARN     string   `json:"alb_certificate_arn"`
	ALBDomainName         string   `json:"alb_domain_name"`
	AutoRollbackOnFailure *bool    `json:"auto_rollback_on_failure"`
}

// LegacyDeployment is a CLI state file and the deployment it describes.
type LegacyDeployment struct {
	// Path is the file it was read from ("" when parsed from bytes).
	Path string
	// SchemaVersion is the file's version: 1 or 2.
	SchemaVersion int
	// Spec and State are the migration's result. Before Adopt they hold
	// what the file says; Adopt replaces guesses with what AWS reports.
	Spec  *Spec
	State *State
	// CreatedVPC says whether the CLI created the VPC (the deployment then
	// owns it and destroy deletes it) or was given it.
	CreatedVPC bool
	// Notes are facts the user should know about the migration.
	Notes []string

	file legacyFile
}

// LegacyError is a CLI state file that cannot be migrated.
type LegacyError struct {
	Path   string
	Reason string
	// Hint says what to do.
	Hint string
}

func (e *LegacyError) Error() string {
	msg := e.Reason
	if e.Path != "" {
		msg = e.Path + ": " + e.Reason
	}
	if e.Hint != "" {
		msg += "\n" + e.Hint
	}
	return msg
}

// ExpandLegacyPath resolves "~/" and makes the path absolute.
func ExpandLegacyPath(path string) (string, error) {
	path = strings.TrimSpace(path)
	if path == "" {
		return "", &LegacyError{Reason: "the import id names no file", Hint: "Use legacy:PATH, e.g. legacy:~/.geusemaker/deployments/NAME.json."}
	}
	if path == "~" || strings.HasPrefix(path, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expanding %s: %w", path, err)
		}
		path = filepath.Join(home, strings.TrimPrefix(path, "~"))
	}
	return filepath.Abs(path)
}

// ReadLegacyState reads and migrates a CLI state file. It only reads.
func ReadLegacyState(path string) (*LegacyDeployment, error) {
	abs, err := ExpandLegacyPath(path)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &LegacyError{Path: abs, Reason: "no such file",
			Hint: "The GeuseMaker CLI keeps one state file per deployment in ~/.geusemaker/deployments/NAME.json (`geusemaker list` shows the names). The path is read on the machine running Terraform."}
	case err != nil:
		return nil, &LegacyError{Path: abs, Reason: "cannot be read: " + err.Error()}
	}
	l, err := ParseLegacyState(data)
	if err != nil {
		var le *LegacyError
		if errors.As(err, &le) {
			le.Path = abs
		}
		return nil, err
	}
	l.Path = abs
	return l, nil
}

// ParseLegacyState parses and migrates the content of a CLI state file.
func ParseLegacyState(data []byte) (*LegacyDeployment, error) {
	var f legacyFile
	if err := json.Unmarshal(data, &f); err != nil {
		reason := "is not valid JSON: " + err.Error()
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line, col := position(data, se.Offset)
			reason = fmt.Sprintf("is not valid JSON (line %d, column %d): %v", line, col, se)
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			reason = fmt.Sprintf("is not a GeuseMaker CLI state file: field %q holds a JSON %s where the CLI writes %s", te.Field, te.Value, te.Type)
		}
		return nil, &LegacyError{Reason: reason,
			Hint: "The CLI backs up every state it replaces in ~/.geusemaker/backups/NAME/ (gzip); import the newest backup that is intact (gunzip it first)."}
	}
	version := legacySchemaVersion(f.SchemaVersion)
	if version > LegacyMaxSchemaVersion {
		return nil, &LegacyError{Reason: fmt.Sprintf("has schema_version %d; this provider reads CLI state schema versions 1 and 2", version),
			Hint: "It was written by a newer GeuseMaker CLI than this provider knows. Upgrade the provider, or ask for support of that version."}
	}
	l := &LegacyDeployment{SchemaVersion: version, file: f}
	if err := l.migrate(); err != nil {
		return nil, err
	}
	return l, nil
}

// legacySchemaVersion reads schema_version as the CLI does: a missing or
// invalid value (not a positive integer) is version 1.
func legacySchemaVersion(raw json.RawMessage) int {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 1 // missing, null, a string, …
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&n) != nil {
		return 1
	}
	v, err := n.Int64()
	if err != nil || v < 1 {
		return 1
	}
	if v > 1<<20 {
		v = 1 << 20
	}
	return int(v)
}

func position(data []byte, offset int64) (line, col int) {
	line, col = 1, 1
	// Offset counts the bytes read, the offending one included.
	for i := int64(0); i < offset-1 && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// migrate maps the file to a Spec and a State. Values the file does not
// hold are the CLI's fixed settings (75 GiB root volume, SSH open to the
// world, a 30 s CloudFront origin timeout, …): the state must say what
// exists, and the plan then shows what applying the user's configuration
// would change.
func (l *LegacyDeployment) migrate() error {
	f, cfg := &l.file, &l.file.Config
	name := f.StackName
	if name == "" {
		name = cfg.StackName
	}
	if name == "" {
		return &LegacyError{Reason: "has no stack_name: it is not a GeuseMaker CLI deployment state file"}
	}
	if err := ValidateName(name); err != nil {
		return &LegacyError{Reason: fmt.Sprintf("stack %q cannot be managed by this provider: %v", name, err),
			Hint: "The provider names every AWS object after the deployment and needs lowercase names of at most 28 characters. Redeploy under a valid name with Terraform, then move the data (the EFS file system) over."}
	}
	switch f.Status {
	case "terminated":
		return &LegacyError{Reason: fmt.Sprintf("deployment %q was destroyed (status terminated); there is nothing to import", name)}
	case "failed", "rolling_back", "destroying":
		return &LegacyError{Reason: fmt.Sprintf("deployment %q is %s", name, f.Status),
			Hint: "Only a deployment the CLI finished can be adopted. Finish it with the CLI (`geusemaker destroy` or a new deploy) and import once it is running."}
	}
	if f.AutoScalingGroupName != "" || f.LaunchTemplateID != "" {
		return &LegacyError{Reason: fmt.Sprintf("deployment %q runs its instance in the spot Auto Scaling group %q (launch template %q), which this provider does not manage", name, f.AutoScalingGroupName, f.LaunchTemplateID),
			Hint: "The provider runs one instance (on-demand or one-time Spot, capacity.market), not an Auto Scaling group. Redeploy with the CLI with use_spot = false, then import; or create a new deployment with Terraform."}
	}
	var missing []string
	for field, v := range map[string]string{"vpc_id": f.VPCID, "security_group_id": f.SecurityGroupID, "efs_id": f.EFSID, "instance_id": f.InstanceID} {
		if v == "" {
			missing = append(missing, field)
		}
	}
	if len(f.SubnetIDs) == 0 {
		missing = append(missing, "subnet_ids")
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return &LegacyError{Reason: fmt.Sprintf("deployment %q is incomplete: the file has no %s", name, strings.Join(missing, ", ")),
			Hint: "The CLI saves these once a deployment has its instance. Finish or destroy it with the CLI."}
	}
	if p := f.ResourceProvenance["security_group"]; p == "reused" || (p == "" && cfg.SecurityGroupID != "" && cfg.SecurityGroupID == f.SecurityGroupID) {
		return &LegacyError{Reason: fmt.Sprintf("deployment %q uses security group %s, which it was given (config.security_group_id) rather than created", name, f.SecurityGroupID),
			Hint: "The provider manages the security groups of a deployment and deletes them on destroy. Redeploy with the CLI without security_group_id, then import."}
	}

	tier := TierDev
	if cfg.Tier != "" {
		t, ok := legacyTiers[cfg.Tier]
		if !ok {
			return &LegacyError{Reason: fmt.Sprintf("config.tier is %q; the CLI's tiers are dev, automation and gpu", cfg.Tier)}
		}
		tier = t
	}
	if cfg.EnableALB || f.ALBARN != "" {
		tier = max(tier, TierAutomation)
	}
	if cfg.EnableCDN || f.CloudFrontID != "" {
		tier = TierGPU
	}

	region := cfg.Region
	if region == "" {
		region = legacyDefaultRegion
	}
	instanceType := cfg.InstanceType
	if f.Cost.InstanceType != "" {
		instanceType = f.Cost.InstanceType // what was launched, after spot selection
	}
	if instanceType == "" {
		instanceType = legacyDefaultInstanceType
	}
	// The CLI's effective workload: gpu when set so, or unset on tier gpu.
	gpu := cfg.Workload == "gpu" || (cfg.Workload == "" && cfg.Tier == "gpu")
	l.CreatedVPC = f.ResourceProvenance["vpc"] == "created" || (f.ResourceProvenance["vpc"] == "" && cfg.VPCID == "")

	spec := &Spec{
		Name: name, Region: region, Tier: tier, InstanceType: instanceType, GPU: gpu, AMIID: cfg.AMIID,
		KeyName: f.KeypairName, RootVolumeGiB: legacyRootVolumeGiB, VPCCIDR: DefaultVPCCIDR,
		// The CLI opens HTTP and SSH to everyone.
		AllowedCIDRs: []string{"0.0.0.0/0"}, SSHCIDRs: []string{"0.0.0.0/0"},
		EFS:      EFSSpec{PerformanceMode: "generalPurpose", ThroughputMode: "bursting"},
		Services: userdata.DefaultServices(), Models: userdata.DefaultModels(gpu),
		LoadBalancer: LoadBalancerSpec{SSLPolicy: DefaultSSLPolicy, IdleTimeoutSeconds: DefaultIdleTimeout, HealthCheckPath: DefaultHealthCheckPath},
		CDN:          CDNSpec{PriceClass: DefaultPriceClass, OriginReadTimeoutSeconds: DefaultOriginReadTimeout, WaitForDeployment: true, RestrictOrigin: true},
		WaitForReady: true, RollbackOnFail: cfg.AutoRollbackOnFailure == nil || *cfg.AutoRollbackOnFailure,
		Capacity: DefaultCapacity(),
		Tags:     map[string]string{},
	}
	if tier >= TierAutomation {
		spec.LoadBalancer.IdleTimeoutSeconds, spec.LoadBalancer.HealthCheckPath = legacyIdleTimeout, legacyHealthCheckPath
		if f.CertificateARN != "" {
			spec.LoadBalancer.CertificateARN = f.CertificateARN
			spec.LoadBalancer.DomainName = cfg.ALBDomainName
		}
	}
	if tier == TierGPU {
		// No origin protection and the CLI's origin timeout.
		spec.CDN.RestrictOrigin, spec.CDN.OriginReadTimeoutSeconds = false, legacyOriginReadTimeout
	}
	if !l.CreatedVPC {
		spec.VPCID = f.VPCID
	}

	st := &State{
		Name:   name,
		Region: region,
		Nonce:  newNonce(),
		Tier:   tier,
		Status: StatusRunning,
		NetworkState: NetworkState{
			OwnedNetwork: l.CreatedVPC,
			VPCID:        f.VPCID,
			SubnetIDs:    slices.Clone(f.SubnetIDs),
		},
		SecurityGroupState: SecurityGroupState{
			InstanceSecurityGroupID: f.SecurityGroupID,
			EFSSecurityGroupID:      f.SecurityGroupID,
		},
		IAMState: IAMState{
			RoleName:    f.IAMRoleName,
			RoleARN:     f.IAMRoleARN,
			ProfileName: f.IAMInstanceProfileName,
			ProfileARN:  f.IAMInstanceProfileARN,
		},
		StorageState: StorageState{
			EFSID:          f.EFSID,
			MountTargetIDs: slices.Clone(f.EFSMountTargetIDs),
		},
		InstanceState: InstanceState{
			InstanceID:      f.InstanceID,
			InstanceType:    instanceType,
			PrivateIP:       f.PrivateIP,
			PublicIP:        f.PublicIP,
			KeyName:         f.KeypairName,
			AdoptedInstance: true,
		},
		LoadBalancerState: LoadBalancerState{
			ALBARN:         f.ALBARN,
			ALBDNSName:     f.ALBDNS,
			TargetGroupARN: f.TargetGroupARN,
		},
		CDNState: CDNState{
			DistributionID:     f.CloudFrontID,
			DistributionDomain: f.CloudFrontDomain,
		},
	}
	if tier >= TierAutomation {
		st.ALBSecurityGroupID = f.SecurityGroupID
	}
	if st.RoleName == "" {
		st.RoleName = name + legacyRoleSuffix // the CLI's partial state has no IAM fields
	}
	if st.ProfileName == "" {
		st.ProfileName = name + legacyProfileSuffix
	}
	if id := f.EFSMountTargetID; id != "" && !slices.Contains(st.MountTargetIDs, id) {
		st.MountTargetIDs = append([]string{id}, st.MountTargetIDs...)
	}
	if t, err := time.Parse(time.RFC3339Nano, f.CreatedAt); err == nil {
		st.CreatedAt = t.UTC()
	} else if t, err := time.Parse("2006-01-02T15:04:05.999999", f.CreatedAt); err == nil {
		st.CreatedAt = t.UTC() // Python's isoformat() without a zone
	}
	spec.SubnetIDs = nil // chosen once AWS says which subnets are public
	l.Spec, l.State = spec, st

	switch {
	case f.Cost.IsSpot:
		spec.Capacity.Market = MarketSpot
		l.Notes = append(l.Notes, `the instance is a one-time Spot instance: it is adopted with capacity.market = "spot" (on_demand_fallback = true); if AWS reclaims it, the next apply launches a new Spot instance, or an on-demand one when no zone has Spot capacity`)
	case cfg.UseSpot != nil && *cfg.UseSpot:
		l.Notes = append(l.Notes, `use_spot was set but the deployment runs on-demand: it is adopted with capacity.market = "on-demand"; set capacity.market = "spot" to move it to Spot (that replaces the instance)`)
	}
	if cfg.BudgetLimit != nil {
		l.Notes = append(l.Notes, fmt.Sprintf("budget_limit (%.2f USD) has no equivalent: the provider estimates the cost (estimated_monthly_cost) but does not enforce a budget", *cfg.BudgetLimit))
	}
	if f.KeypairName != "" {
		l.Notes = append(l.Notes, fmt.Sprintf("keypair_name %q: the CLI never passed it to the instance; key_name records the key the instance really has", f.KeypairName))
	}
	return nil
}

// LegacyResourceIDs lists every AWS object the file names, as "field id",
// in the order the migration checks them.
func (l *LegacyDeployment) LegacyResourceIDs() []string {
	f := &l.file
	var out []string
	add := func(field, id string) {
		if id != "" {
			out = append(out, field+" "+id)
		}
	}
	add("vpc_id", f.VPCID)
	for _, s := range f.SubnetIDs {
		add("subnet_ids", s)
	}
	add("security_group_id", f.SecurityGroupID)
	add("efs_id", f.EFSID)
	for _, m := range l.State.MountTargetIDs {
		add("efs_mount_target_ids", m)
	}
	add("instance_id", f.InstanceID)
	add("iam_role_name", l.State.RoleName)
	add("iam_instance_profile_name", l.State.ProfileName)
	add("alb_arn", f.ALBARN)
	add("target_group_arn", f.TargetGroupARN)
	add("cloudfront_id", f.CloudFrontID)
	return out
}
