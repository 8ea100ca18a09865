package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	awstypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/errs"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

// IAMState is the instance role's part of the record.
type IAMState struct {
	RoleName, RoleARN       string
	ProfileName, ProfileARN string
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

// ssmManagedPolicy lets operators reach the instance with Session Manager
// instead of SSH.
func (o *op) ssmManagedPolicy() string {
	return "arn:" + o.partition() + ":iam::aws:policy/AmazonSSMManagedInstanceCore"
}

func (o *op) partition() string {
	if o.c.Partition == "" {
		return "aws"
	}
	return o.c.Partition
}

// ensureIAM keeps the instance role (Session Manager access) and its
// instance profile. They are named after the deployment, except the role
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
		role, err = tfiam.FindRoleByName(ctx, conn, name)
		if retry.NotFound(err) {
			role, err = tfiam.CreateRole(ctx, conn, name, IAMPath, ec2TrustPolicy, "GeuseMaker instance role for deployment "+o.spec.Name, o.spec.tagsFor(CompRole))
		}
		if err != nil {
			return err
		}
	}
	o.rec.set(func(s *State) { s.RoleName, s.RoleARN = name, aws.ToString(role.Arn) })
	if err := tfiam.AttachRolePolicy(ctx, conn, name, o.ssmManagedPolicy()); err != nil {
		return err
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
		profile, err = tfiam.FindInstanceProfileByName(ctx, conn, profileName)
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
	_, err = tfiam.WaitInstanceProfileReady(ctx, conn, profileName, name, min(profilePropagation, o.remaining(ctx)))
	return err
}

// legacyEFSPolicy is the inline policy the GeuseMaker CLI gives its role:
// EFS client access to every file system ("*"). The provider's own policy
// replaces it on an adopted role.
const legacyEFSPolicy = "EFSMountPolicy"

// ensureEFSPolicy lets the instance mount exactly this deployment's file
// system with IAM authorization, nothing else.
func (o *op) ensureEFSPolicy(ctx context.Context) error {
	st := o.rec.get()
	account := o.c.AccountID
	if account == "" {
		account = "*"
	}
	fsARN := fmt.Sprintf("arn:%s:elasticfilesystem:%s:%s:file-system/%s", o.partition(), o.spec.Region, account, st.EFSID)
	doc, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []map[string]any{{
			"Sid":      "MountDeploymentFileSystem",
			"Effect":   "Allow",
			"Action":   []string{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess", "elasticfilesystem:DescribeMountTargets"},
			"Resource": fsARN,
		}},
	})
	if err := tfiam.PutRolePolicy(ctx, o.c.IAM, st.RoleName, efsPolicyName, string(doc)); err != nil {
		return err
	}
	if st.RoleName == o.spec.roleName() {
		return nil
	}
	_, err := o.c.IAM.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{RoleName: aws.String(st.RoleName), PolicyName: aws.String(legacyEFSPolicy)})
	if err != nil && !errs.IsA[*awstypes.NoSuchEntityException](err) {
		return fmt.Errorf("removing the CLI's policy %s from IAM role (%s): %w", legacyEFSPolicy, st.RoleName, err)
	}
	return nil
}
