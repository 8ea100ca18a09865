package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/retry"
	tfiam "github.com/geusemaker/terraform-provider-geusemaker/internal/service/iam"
)

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
// instance profile.
func (o *op) ensureIAM(ctx context.Context) error {
	conn := o.c.IAM
	name := o.spec.roleName()
	role, err := tfiam.FindRoleByName(ctx, conn, name)
	if retry.NotFound(err) {
		role, err = tfiam.CreateRole(ctx, conn, name, IAMPath, ec2TrustPolicy, "GeuseMaker instance role for deployment "+o.spec.Name, o.spec.tagsFor(CompRole))
	}
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.RoleName, s.RoleARN = name, aws.ToString(role.Arn) })
	if err := tfiam.AttachRolePolicy(ctx, conn, name, o.ssmManagedPolicy()); err != nil {
		return err
	}
	profile, err := tfiam.FindInstanceProfileByName(ctx, conn, name)
	if retry.NotFound(err) {
		profile, err = tfiam.CreateInstanceProfile(ctx, conn, name, IAMPath, o.spec.tagsFor(CompProfile))
	}
	if err != nil {
		return err
	}
	o.rec.set(func(s *State) { s.ProfileName, s.ProfileARN = name, aws.ToString(profile.Arn) })
	if err := tfiam.AddRoleToInstanceProfile(ctx, conn, name, name); err != nil {
		return err
	}
	_, err = tfiam.WaitInstanceProfileReady(ctx, conn, name, name, min(profilePropagation, o.remaining(ctx)))
	return err
}

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
	return tfiam.PutRolePolicy(ctx, o.c.IAM, st.RoleName, efsPolicyName, string(doc))
}
