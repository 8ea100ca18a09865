package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

// IAMState is the instance role's part of the record.
type IAMState struct {
	RoleName, RoleARN       string
	ProfileName, ProfileARN string
	// OnePolicy says the role's one inline policy, instancePolicyName,
	// also lets the instance mount the file system. Roles made before it
	// have that in a second policy, efsPolicyName, which the next apply
	// folds in; one policy is one read per refresh.
	OnePolicy bool `json:",omitempty"`
}

func (i *IAMState) ids(add func(kind, id string)) {
	add("instance profile", i.ProfileName)
	add("iam role", i.RoleName)
}

func (i *IAMState) forgetRole()    { i.RoleName, i.RoleARN = "", "" }
func (i *IAMState) forgetProfile() { i.ProfileName, i.ProfileARN = "", "" }

const (
	ec2TrustPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	efsPolicyName  = "geusemaker-efs-client"
	// profilePropagation bounds the wait for a new instance profile to be
	// usable by EC2 (IAM is eventually consistent).
	profilePropagation = 2 * time.Minute
)

// ssmManagedPolicy is the AWS managed policy earlier releases attached for
// Session Manager. It allows ssm:GetParameter(s) on every parameter of the
// account, so it is detached in favour of instancePolicyName.
func (o *op) ssmManagedPolicy() string {
	return "arn:" + o.partition() + ":iam::aws:policy/AmazonSSMManagedInstanceCore"
}

// instancePolicyName is the role's inline policy: Session Manager, the
// deployment's own credentials and its file system, nothing else.
const instancePolicyName = "geusemaker-instance"

// instancePolicy is the least the instance needs: the documented minimum
// for Session Manager (ssm:UpdateInstanceInformation and the four
// ssmmessages channel actions; ec2messages serves Run Command, which the
// stack does not use:
// https://docs.aws.amazon.com/systems-manager/latest/userguide/getting-started-create-iam-instance-profile.html),
// and ssm:GetParameters on the parameters under the deployment's path, which
// the boot script reads with decryption. The SecureStrings use the AWS
// managed key aws/ssm, whose key policy already lets principals of the
// account decrypt through SSM: no kms statement is needed. With efsID, the
// statement of efsPolicy follows (the file system exists after the role).
func (o *op) instancePolicy(account, efsID string) string {
	params := fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s*", o.partition(), o.spec.Region, account, o.spec.CredentialsPath())
	statements := []map[string]any{
		{
			"Sid":    "SessionManager",
			"Effect": "Allow",
			"Action": []string{"ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
				"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
			"Resource": "*",
		},
		{
			"Sid":      "ReadDeploymentCredentials",
			"Effect":   "Allow",
			"Action":   []string{"ssm:GetParameters"},
			"Resource": params,
		},
	}
	if efsID != "" {
		statements = append(statements, o.efsStatement(account, efsID))
	}
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	return string(doc)
}

// rolePolicy is the instance policy the role should hold: with the file
// system's statement once the role has one policy.
func (o *op) rolePolicy(account string, st *State) string {
	if st.OnePolicy {
		return o.instancePolicy(account, st.EFSID)
	}
	return o.instancePolicy(account, "")
}

// accountID is the account the instance policy's ARNs name: the role's (its
// ARN holds it) once there is one, so a refresh asks STS nothing, else the
// caller's; "*" when the provider may not ask (skip_requesting_account_id)
// or STS could not say (skip_credentials_validation).
func (o *op) accountID(ctx context.Context) (string, error) {
	if o.c.Account == nil {
		return "*", nil
	}
	if a, err := arn.Parse(o.rec.get().RoleARN); err == nil && a.AccountID != "" {
		return a.AccountID, nil
	}
	id, err := o.c.Account(ctx)
	if err != nil || id == "" {
		return "*", err
	}
	return id, nil
}

func (o *op) partition() string {
	if o.c.Partition == "" {
		return "aws"
	}
	return o.c.Partition
}

// ensureIAM keeps the instance role (Session Manager access and its own
// credentials, instancePolicy) and its instance profile. They are named after the deployment, except the role
// and profile of an adopted CLI deployment, which keep their recorded names
// while they exist.
func (o *op) ensureIAM(ctx context.Context) error {
	conn := o.c.IAM
	st := o.rec.get()
	name, profileName := o.spec.roleName(), o.spec.roleName()
	var role *awstypes.Role
	var err error
	if st.RoleName != "" && st.RoleName != name {
		if role, err = tfiam.FindRoleByName(ctx, conn, st.RoleName); err == nil {
			name = st.RoleName
		} else if !retry.NotFound(err) {
			return err
		}
	}
	if role == nil {
		err = &retry.NotFoundError{}
		if !o.fresh {
			role, err = tfiam.FindRoleByName(ctx, conn, name)
		}
		if retry.NotFound(err) {
			role, err = tfiam.CreateRole(ctx, conn, name, IAMPath, ec2TrustPolicy, "GeuseMaker instance role for deployment "+o.spec.Name, o.spec.tagsFor(CompRole))
		}
		if err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.RoleName, s.RoleARN = name, aws.ToString(role.Arn) })
	if o.fresh {
		// A new role gets one policy; ensureEFSPolicy adds the mount.
		o.rec.set(func(s *State) { s.OnePolicy = true })
	}
	account, err := o.accountID(ctx)
	if err != nil {
		return err
	}
	if err := tfiam.PutRolePolicy(ctx, conn, name, instancePolicyName, o.rolePolicy(account, o.rec.get())); err != nil {
		return err
	}
	// Earlier releases attached the SSM managed policy; a role this create
	// made has none.
	if !o.fresh {
		if err := tfiam.DetachRolePolicy(ctx, conn, name, o.ssmManagedPolicy()); err != nil {
			return err
		}
	}
	var profile *awstypes.InstanceProfile
	if st.ProfileName != "" && st.ProfileName != profileName {
		if profile, err = tfiam.FindInstanceProfileByName(ctx, conn, st.ProfileName); err == nil {
			profileName = st.ProfileName
		} else if !retry.NotFound(err) {
			return err
		}
	}
	if profile == nil {
		err = &retry.NotFoundError{}
		if !o.fresh {
			profile, err = tfiam.FindInstanceProfileByName(ctx, conn, profileName)
		}
		if retry.NotFound(err) {
			profile, err = tfiam.CreateInstanceProfile(ctx, conn, profileName, IAMPath, o.spec.tagsFor(CompProfile))
		}
		if err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.ProfileName, s.ProfileARN = profileName, aws.ToString(profile.Arn) })
	if err := tfiam.AddRoleToInstanceProfile(ctx, conn, profileName, name); err != nil {
		return err
	}
	if o.fresh {
		// Until EC2 sees the new profile, the launch retries
		// (tfec2.RunInstance); reading it back here would add nothing.
		return nil
	}
	_, err = tfiam.WaitInstanceProfileReady(ctx, conn, profileName, name, min(profilePropagation, o.remaining(ctx)))
	return err
}

// legacyEFSPolicy is the inline policy the GeuseMaker CLI gives its role:
// EFS client access to every file system ("*"). The provider's own policy
// replaces it on an adopted role.
const legacyEFSPolicy = "EFSMountPolicy"

// efsStatement lets the instance mount exactly this deployment's file
// system with IAM authorization, nothing else.
func (o *op) efsStatement(account, efsID string) map[string]any {
	return map[string]any{
		"Sid":      "MountDeploymentFileSystem",
		"Effect":   "Allow",
		"Action":   []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess", "elasticfilesystem:DescribeMountTargets"},
		"Resource": fmt.Sprintf("arn:%s:elasticfilesystem:%s:%s:file-system/%s", o.partition(), o.spec.Region, account, efsID),
	}
}

// efsPolicy is efsPolicyName's document, the second inline policy of roles
// made before OnePolicy.
func (o *op) efsPolicy(account string, st *State) string {
	doc, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": []map[string]any{o.efsStatement(account, st.EFSID)}})
	return string(doc)
}

// ensureEFSPolicy adds the file system to the role's policy. A role with
// the mount in its second policy (made before OnePolicy) gets one policy:
// the instance policy holds the mount before the second one goes, so the
// instance never loses it.
func (o *op) ensureEFSPolicy(ctx context.Context) error {
	st := o.rec.get()
	account, err := o.accountID(ctx)
	if err != nil {
		return err
	}
	if err := tfiam.PutRolePolicy(ctx, o.c.IAM, st.RoleName, instancePolicyName, o.instancePolicy(account, st.EFSID)); err != nil {
		return err
	}
	if !st.OnePolicy {
		if err := tfiam.DeleteRolePolicy(ctx, o.c.IAM, st.RoleName, efsPolicyName); err != nil {
			return err
		}
		o.rec.set(func(s *State) { s.OnePolicy = true })
	}
	if st.RoleName == o.spec.roleName() {
		return nil
	}
	if err := tfiam.DeleteRolePolicy(ctx, o.c.IAM, st.RoleName, legacyEFSPolicy); err != nil {
		return fmt.Errorf("removing the CLI's policy: %w", err)
	}
	return nil
}

func (o *op) deleteIAM(ctx context.Context) error {
	st := o.rec.get()
	name := st.ProfileName
	if name == "" {
		name = o.spec.roleName()
	}
	if err := tfiam.DeleteInstanceProfile(ctx, o.c.IAM, name); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetProfile() })
	role := st.RoleName
	if role == "" {
		role = o.spec.roleName()
	}
	if err := tfiam.DeleteRole(ctx, o.c.IAM, role, o.remaining(ctx)); err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.forgetRole() })
	return nil
}

// refreshIAM reads the instance profile, which lists its role: a role in a
// profile exists (IAM refuses to delete it), so the role is read on its own
// only when the profile is gone or no longer holds it. The drift checks read
// the role's inline policies and whether the broad managed policy is
// attached.
func (o *op) refreshIAM(ctx context.Context) error {
	st := o.rec.get()
	roleSeen := false
	if st.ProfileName != "" {
		p, err := tfiam.FindInstanceProfileByName(ctx, o.c.IAM, st.ProfileName)
		switch {
		case gone(err):
			o.rec.set(func(s *State) { s.forgetProfile() })
		case err != nil:
			return err
		default:
			if o.seen != nil {
				o.seen.profile = p
			}
			for _, r := range p.Roles {
				if strings.EqualFold(aws.ToString(r.RoleName), st.RoleName) {
					roleSeen = true
				}
			}
		}
	}
	if st.RoleName == "" {
		return nil
	}
	if !roleSeen {
		if _, err := tfiam.FindRoleByName(ctx, o.c.IAM, st.RoleName); gone(err) {
			o.rec.set(func(s *State) { s.forgetRole() })
			return nil
		} else if err != nil {
			return err
		}
		if o.rec.get().ProfileName != "" {
			o.drifted(DriftIAM, "role %s was removed from instance profile %s", st.RoleName, st.ProfileName)
		}
	}
	if err := o.refreshRolePolicies(ctx, st); err != nil {
		return err
	}
	attached, err := tfiam.FindAttachedRolePolicyARNs(ctx, o.c.IAM, st.RoleName)
	if err != nil && !gone(err) {
		return err
	}
	if slices.Contains(attached, o.ssmManagedPolicy()) {
		o.drifted(DriftIAM, "role %s has the managed policy %s attached (it reads every SSM parameter of the account)", st.RoleName, o.ssmManagedPolicy())
	}
	return nil
}

// refreshRolePolicies compares the role's inline policy (two for a role
// made before OnePolicy) with what the deployment wants. A record without
// OnePolicy whose role has the one policy (an import) learns it here.
func (o *op) refreshRolePolicies(ctx context.Context, st *State) error {
	account, err := o.accountID(ctx)
	if err != nil {
		return err
	}
	if !st.OnePolicy && st.EFSID != "" {
		doc, err := tfiam.FindRolePolicyDocument(ctx, o.c.IAM, st.RoleName, efsPolicyName)
		switch {
		case gone(err):
			one := &State{IAMState: IAMState{OnePolicy: true}, StorageState: st.StorageState}
			if cur, ierr := tfiam.FindRolePolicyDocument(ctx, o.c.IAM, st.RoleName, instancePolicyName); ierr == nil && samePolicy(cur, o.rolePolicy(account, one)) {
				o.rec.set(func(s *State) { s.OnePolicy = true })
				return nil
			}
			o.drifted(DriftIAM, "role %s lost its inline policy %s (the instance cannot mount the file system)", st.RoleName, efsPolicyName)
		case err != nil:
			return err
		case !samePolicy(doc, o.efsPolicy(account, st)):
			o.drifted(DriftIAM, "the inline policy %s of role %s was changed outside Terraform", efsPolicyName, st.RoleName)
		}
	}
	doc, err := tfiam.FindRolePolicyDocument(ctx, o.c.IAM, st.RoleName, instancePolicyName)
	switch {
	case gone(err):
		o.drifted(DriftIAM, "role %s lost its inline policy %s (Session Manager, the deployment's credentials and its file system)", st.RoleName, instancePolicyName)
	case err != nil:
		return err
	case !samePolicy(doc, o.rolePolicy(account, st)):
		o.drifted(DriftIAM, "the inline policy %s of role %s was changed outside Terraform", instancePolicyName, st.RoleName)
	}
	return nil
}

// samePolicy compares two policy documents as JSON values.
func samePolicy(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}

// discoverIAM finds the role and profile by their derived name, else (an
// adopted CLI deployment's) through the instance's profile when it carries
// the deployment's tag.
func (d *discovery) discoverIAM(ctx context.Context) error {
	name, st := d.spec.roleName(), d.st
	if r, err := tfiam.FindRoleByName(ctx, d.c.IAM, name); err == nil {
		st.RoleName, st.RoleARN = name, aws.ToString(r.Arn)
	} else if !retry.NotFound(err) {
		return err
	}
	if p, err := tfiam.FindInstanceProfileByName(ctx, d.c.IAM, name); err == nil {
		st.ProfileName, st.ProfileARN = name, aws.ToString(p.Arn)
	} else if !retry.NotFound(err) {
		return err
	}
	if st.ProfileName == "" && d.inst != nil && d.inst.IamInstanceProfile != nil {
		return discoverInstanceProfile(ctx, d.c, d.spec.Name, aws.ToString(d.inst.IamInstanceProfile.Arn), st)
	}
	return nil
}

// discoverInstanceProfile records the instance's profile and its role when
// the profile carries the deployment's tag (an adopted CLI deployment's
// "<stack>-instance-profile" and "<stack>-efs-mount-role").
func discoverInstanceProfile(ctx context.Context, c *Clients, name, profileARN string, st *State) error {
	profileName := profileARN[strings.LastIndex(profileARN, "/")+1:]
	if profileName == "" {
		return nil
	}
	p, err := tfiam.FindInstanceProfileByName(ctx, c.IAM, profileName)
	if retry.NotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if tfiam.TagsMap(p.Tags)[TagDeployment] != name {
		return nil
	}
	st.ProfileName, st.ProfileARN = profileName, aws.ToString(p.Arn)
	for _, r := range p.Roles {
		role, err := tfiam.FindRoleByName(ctx, c.IAM, aws.ToString(r.RoleName))
		if retry.NotFound(err) {
			continue
		} else if err != nil {
			return err
		}
		if tfiam.TagsMap(role.Tags)[TagDeployment] == name {
			st.RoleName, st.RoleARN = aws.ToString(role.RoleName), aws.ToString(role.Arn)
		}
	}
	return nil
}

// existingRole is the role named after the deployment, if it exists.
func existingRole(ctx context.Context, c *Clients, spec *Spec) ([]string, error) {
	if _, err := tfiam.FindRoleByName(ctx, c.IAM, spec.roleName()); err == nil {
		return []string{"iam-role " + spec.roleName()}, nil
	} else if !retry.NotFound(err) {
		return nil, err
	}
	return nil, nil
}

// collectProfiles lists the instance profiles the provider made, for List.
func (l *listing) collectProfiles(ctx context.Context, c *Clients) error {
	profiles, err := tfiam.FindInstanceProfilesByPathPrefix(ctx, c.IAM, IAMPath)
	if err != nil {
		return err
	}
	l.profiles = map[string]bool{}
	for _, ip := range profiles {
		l.profiles[aws.ToString(ip.InstanceProfileName)] = true
	}
	return nil
}

// retagIAM moves the role's and profile's tags from old's to the spec's.
func (o *op) retagIAM(ctx context.Context, old *Spec, st *State) error {
	if st.RoleName != "" {
		if err := tfiam.UpdateRoleTags(ctx, o.c.IAM, st.RoleName, old.tagsFor(CompRole), o.spec.tagsFor(CompRole)); err != nil {
			return err
		}
	}
	if st.ProfileName != "" {
		return tfiam.UpdateInstanceProfileTags(ctx, o.c.IAM, st.ProfileName, old.tagsFor(CompProfile), o.spec.tagsFor(CompProfile))
	}
	return nil
}

// adoptIAM records the role and profile named after the deployment that a
// create made but did not record; only those carrying the deployment's tag.
func (o *op) adoptIAM(ctx context.Context) error {
	st, name := o.rec.get(), o.spec.roleName()
	if st.RoleName == "" {
		r, err := tfiam.FindRoleByName(ctx, o.c.IAM, name)
		switch {
		case err == nil && tfiam.TagsMap(r.Tags)[TagDeployment] == o.spec.Name:
			o.rec.set(func(s *State) { s.RoleName, s.RoleARN = name, aws.ToString(r.Arn) })
		case err != nil && !retry.NotFound(err):
			return err
		}
	}
	if st.ProfileName == "" {
		p, err := tfiam.FindInstanceProfileByName(ctx, o.c.IAM, name)
		switch {
		case err == nil && tfiam.TagsMap(p.Tags)[TagDeployment] == o.spec.Name:
			o.rec.set(func(s *State) { s.ProfileName, s.ProfileARN = name, aws.ToString(p.Arn) })
		case err != nil && !retry.NotFound(err):
			return err
		}
	}
	return nil
}
