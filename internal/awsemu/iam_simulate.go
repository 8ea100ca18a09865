package awsemu

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// SimulatePrincipalPolicy evaluates a user's or role's policies for a list of
// actions with the same evaluation the authorization layer applies to real
// calls, the iam.deny knob included (reported as an Organizations decision).
// As the simulator does, it answers one result per action, whose decision is
// the most restrictive over the resources asked about (ResourceSpecificResults
// has each), treats context keys it is not given as absent and lists them in
// MissingContextValues.
func (s *iamService) SimulatePrincipalPolicy(c *Call, in *iam.SimulatePrincipalPolicyInput) (*iam.SimulatePrincipalPolicyOutput, error) {
	src := aws.ToString(in.PolicySourceArn)
	if src == "" {
		return nil, iamValidation("policySourceArn", "null", "Member must not be null")
	}
	if len(in.ActionNames) == 0 {
		return nil, iamValidation("actionNames", "null", "Member must not be null")
	}
	for _, a := range in.ActionNames {
		if len(a) < 3 || len(a) > 128 || !strings.Contains(a, ":") {
			return nil, Errorf("InvalidInput", "Invalid action name: %s. An action name has the form service:Action.", a)
		}
	}
	ps, apiErr := s.simulationPrincipal(src)
	if apiErr != nil {
		return nil, apiErr
	}
	for i, doc := range in.PolicyInputList {
		if err := iamValidatePolicy(doc, false); err != nil {
			return nil, err
		}
		ps.docs = append(ps.docs, sourced(doc, "PolicyInputList."+itoa(int64(i+1)), iamtypes.PolicySourceTypeUser))
	}
	ctx := map[string][]string{}
	for _, ce := range in.ContextEntries {
		ctx[strings.ToLower(aws.ToString(ce.ContextKeyName))] = append([]string(nil), ce.ContextKeyValues...)
	}
	resources := in.ResourceArns
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	scp := s.e.knobDenyPolicy()
	var results []iamtypes.EvaluationResult
	for _, action := range in.ActionNames {
		res := iamtypes.EvaluationResult{EvalActionName: aws.String(action), EvalResourceName: aws.String(resources[0])}
		worst := decisionAllowed
		var worstMatched []*policyStmt
		for _, r := range resources {
			out := s.e.decide(ps, &authzRequest{Action: action, Resource: r, Context: ctx})
			if rank(out.Decision) > rank(worst) || (worstMatched == nil && out.Decision == worst) {
				worst, worstMatched = out.Decision, out.Matched
			}
			if len(in.ResourceArns) > 0 {
				res.ResourceSpecificResults = append(res.ResourceSpecificResults, iamtypes.ResourceSpecificResult{
					EvalResourceName: aws.String(r), EvalResourceDecision: iamtypes.PolicyEvaluationDecisionType(out.Decision),
					MatchedStatements: matchedStatements(out.Matched),
				})
			}
		}
		res.EvalDecision = iamtypes.PolicyEvaluationDecisionType(worst)
		res.MatchedStatements = matchedStatements(worstMatched)
		docs := ps.docs
		if ps.admin {
			docs = []*policyDoc{adminPolicy}
		}
		var missing []string
		for _, k := range conditionKeys(docs, action) {
			if _, ok := ctx[strings.ToLower(k)]; !ok {
				missing = append(missing, k)
			}
		}
		res.MissingContextValues = missing
		if res.MissingContextValues == nil {
			res.MissingContextValues = []string{}
		}
		if scp != nil {
			denied := evaluatePolicies([]*policyDoc{scp}, &authzRequest{Action: action, Resource: "*", Context: ctx}, false).Decision == decisionExplicitDeny
			res.OrganizationsDecisionDetail = &iamtypes.OrganizationsDecisionDetail{AllowedByOrganizations: !denied}
		}
		results = append(results, res)
	}
	page, next, truncated, err := iamPage(results, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	if page == nil {
		page = []iamtypes.EvaluationResult{}
	}
	return &iam.SimulatePrincipalPolicyOutput{EvaluationResults: page, IsTruncated: truncated, Marker: next}, nil
}

func rank(decision string) int {
	switch decision {
	case decisionExplicitDeny:
		return 2
	case decisionImplicitDeny:
		return 1
	}
	return 0
}

func matchedStatements(stmts []*policyStmt) []iamtypes.Statement {
	out := []iamtypes.Statement{}
	for _, st := range stmts {
		if st.sourceID == "iam.deny" {
			continue // the knob stands for an Organizations policy, reported apart
		}
		out = append(out, iamtypes.Statement{SourcePolicyId: aws.String(st.sourceID), SourcePolicyType: iamtypes.PolicySourceType(st.sourceType)})
	}
	return out
}

// simulationPrincipal resolves PolicySourceArn to the policies to simulate.
func (s *iamService) simulationPrincipal(src string) (principalPolicySet, *APIError) {
	invalid := Errorf("InvalidInput", "Invalid value for PolicySourceArn: %s. It must be the ARN of an IAM user, group or role.", src)
	if !strings.HasPrefix(src, "arn:aws:iam::") {
		return principalPolicySet{}, invalid
	}
	switch {
	case strings.Contains(src, ":role/"):
		r := s.roleByARN(src)
		if r == nil {
			return principalPolicySet{}, iamNoSuchEntity("The role with name %s cannot be found.", src[strings.LastIndex(src, "/")+1:])
		}
		return principalPolicySet{kind: "AssumedRole", entityARN: r.arn, docs: s.rolePolicies(r)}, nil
	case strings.Contains(src, ":user/"):
		name := src[strings.LastIndex(src, "/")+1:]
		if u := s.users[strings.ToLower(name)]; u != nil && u.arn == src && name != "emulator" {
			return principalPolicySet{kind: "User", entityARN: u.arn, userName: u.name, docs: s.userPolicies(u)}, nil
		}
		// A user outside the emulated IAM that owns a static key (the
		// default key's user "emulator") is an administrator.
		for _, cred := range s.e.creds {
			if cred.Source == "static" && cred.Principal.ARN == src {
				return principalPolicySet{admin: true, kind: "User", entityARN: src, userName: name}, nil
			}
		}
		return principalPolicySet{}, iamNoSuchEntity("The user with name %s cannot be found.", name)
	case strings.Contains(src, ":group/"):
		return principalPolicySet{}, iamNoSuchEntity("The group with name %s cannot be found.", src[strings.LastIndex(src, "/")+1:])
	}
	return principalPolicySet{}, invalid
}
