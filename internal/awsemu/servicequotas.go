package awsemu

import (
	"regexp"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
)

// Service Quotas (AWS JSON 1.1): the read side of the quota table in
// quotas.go. The value a service enforces and the value reported here are
// the same number: e.Quota(code), the knob quota.<code> over AWS's default.
//
// Behaviour reproduced: GetServiceQuota returns the applied value, which is
// the default for a quota never changed, except for quotas marked
// AppliedOnlyWhenChanged, for which it answers NoSuchResourceException until
// a value was applied (and ListServiceQuotas leaves them out);
// GetAWSDefaultServiceQuota and ListAWSDefaultServiceQuotas always report
// AWS's default; unknown service or quota codes are NoSuchResourceException;
// malformed codes and page sizes IllegalArgumentException; bad page tokens
// InvalidPaginationTokenException.
//
// No knobs of its own.
type serviceQuotasService struct {
	e      *Emulator
	region string
}

func init() {
	Register(ServiceInfo{
		Name:         "servicequotas",
		SigningName:  "servicequotas",
		SDKPackage:   "github.com/aws/aws-sdk-go-v2/service/servicequotas",
		TargetPrefix: "ServiceQuotasV20190624",
		ThrottleCode: "TooManyRequestsException",
	}, func(e *Emulator, region string) *serviceQuotasService {
		return &serviceQuotasService{e: e, region: region}
	})
}

// sqServiceNames are the names Service Quotas gives the services whose quotas
// the emulator registers.
var sqServiceNames = map[string]string{
	"ec2":                  "Amazon Elastic Compute Cloud (Amazon EC2)",
	"vpc":                  "Amazon Virtual Private Cloud (Amazon VPC)",
	"elasticloadbalancing": "Elastic Load Balancing (ELB)",
	"elasticfilesystem":    "Amazon Elastic File System (EFS)",
	"cloudfront":           "Amazon CloudFront",
	"iam":                  "AWS Identity and Access Management (IAM)",
	"acm":                  "AWS Certificate Manager (ACM)",
	"route53":              "Amazon Route 53",
	"ssm":                  "AWS Systems Manager",
	"sts":                  "AWS Security Token Service (AWS STS)",
}

func sqServiceName(code string) string {
	if n, ok := sqServiceNames[code]; ok {
		return n
	}
	return code
}

var (
	sqServiceCodePattern = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,63}$`)
	sqQuotaCodePattern   = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{1,128}$`)
)

func sqIllegal(format string, args ...any) *APIError {
	return Errorf("IllegalArgumentException", format, args...)
}

func sqNoService() *APIError {
	return Errorf("NoSuchResourceException", "The request failed because the specified service does not exist.")
}

func sqNoQuota() *APIError {
	return Errorf("NoSuchResourceException", "The request failed because the specified service quota does not exist.")
}

// sqServiceQuotas lists the registered quotas of a service, failing for a
// service code that is malformed or has none.
func sqServiceQuotas(serviceCode string) ([]QuotaDef, error) {
	if !sqServiceCodePattern.MatchString(serviceCode) {
		return nil, sqIllegal("Invalid input was provided: ServiceCode %q does not match [a-zA-Z][a-zA-Z0-9-]{1,63}.", serviceCode)
	}
	var out []QuotaDef
	for _, q := range QuotaDefinitions() {
		if q.ServiceCode == serviceCode {
			out = append(out, q)
		}
	}
	if len(out) == 0 {
		return nil, sqNoService()
	}
	return out, nil
}

// sqLookupQuota finds one quota of a service.
func sqLookupQuota(serviceCode, quotaCode string) (QuotaDef, error) {
	qs, err := sqServiceQuotas(serviceCode)
	if err != nil {
		return QuotaDef{}, err
	}
	if !sqQuotaCodePattern.MatchString(quotaCode) {
		return QuotaDef{}, sqIllegal("Invalid input was provided: QuotaCode %q does not match [a-zA-Z][a-zA-Z0-9-]{1,128}.", quotaCode)
	}
	for _, q := range qs {
		if q.Code == quotaCode {
			return q, nil
		}
	}
	return QuotaDef{}, sqNoQuota()
}

// view renders a quota: the applied value (account ARN) or AWS's default
// (ARN without account), as the two families of operations report them.
func (s *serviceQuotasService) view(q QuotaDef, applied bool) sqtypes.ServiceQuota {
	value, account := q.Default, ""
	if applied {
		value, account = s.e.Quota(q.Code), AccountID
	}
	out := sqtypes.ServiceQuota{
		ServiceCode: aws.String(q.ServiceCode), ServiceName: aws.String(sqServiceName(q.ServiceCode)),
		QuotaArn:  aws.String("arn:aws:servicequotas:" + s.region + ":" + account + ":" + q.ServiceCode + "/" + q.Code),
		QuotaCode: aws.String(q.Code), QuotaName: aws.String(q.Name), Value: aws.Float64(value), Unit: aws.String(q.Unit),
		Adjustable: q.Adjustable, GlobalQuota: q.Global,
	}
	if applied {
		out.QuotaAppliedAtLevel = sqtypes.AppliedLevelEnumAccount
	}
	if m := q.UsageMetric; m != nil {
		dims := map[string]string{}
		for k, v := range m.Dimensions {
			dims[k] = v
		}
		out.UsageMetric = &sqtypes.MetricInfo{MetricNamespace: aws.String(m.Namespace), MetricName: aws.String(m.Name),
			MetricDimensions: dims, MetricStatisticRecommendation: aws.String(m.Statistic)}
	}
	return out
}

// hasApplied reports whether Service Quotas has an applied value for q.
func (s *serviceQuotasService) hasApplied(q QuotaDef) bool {
	return !q.AppliedOnlyWhenChanged || s.e.QuotaChanged(q.Code)
}

// sqPage pages a list with Service Quotas' MaxResults (1..100) and tokens.
func sqPage[T any](items []T, token *string, maxResults *int32) ([]T, *string, error) {
	size := int32(100)
	if maxResults != nil {
		if *maxResults < 1 || *maxResults > 100 {
			return nil, nil, sqIllegal("Invalid input was provided: MaxResults must be between 1 and 100.")
		}
		size = *maxResults
	}
	page, next, apiErr := Paginate(items, token, size, 0)
	if apiErr != nil {
		return nil, nil, Errorf("InvalidPaginationTokenException", "Invalid input was provided: the pagination token is not valid.")
	}
	return page, next, nil
}

func (s *serviceQuotasService) GetServiceQuota(c *Call, in *servicequotas.GetServiceQuotaInput) (*servicequotas.GetServiceQuotaOutput, error) {
	q, err := sqLookupQuota(aws.ToString(in.ServiceCode), aws.ToString(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	if in.ContextId != nil {
		return nil, Errorf("NoSuchResourceException", "The request failed because applied value for the specified context Id do not exist.")
	}
	if !s.hasApplied(q) {
		return nil, Errorf("NoSuchResourceException", "The request failed because the specified quota has no applied value. Use GetAWSDefaultServiceQuota for its default value.")
	}
	v := s.view(q, true)
	return &servicequotas.GetServiceQuotaOutput{Quota: &v}, nil
}

func (s *serviceQuotasService) GetAWSDefaultServiceQuota(c *Call, in *servicequotas.GetAWSDefaultServiceQuotaInput) (*servicequotas.GetAWSDefaultServiceQuotaOutput, error) {
	q, err := sqLookupQuota(aws.ToString(in.ServiceCode), aws.ToString(in.QuotaCode))
	if err != nil {
		return nil, err
	}
	v := s.view(q, false)
	return &servicequotas.GetAWSDefaultServiceQuotaOutput{Quota: &v}, nil
}

func (s *serviceQuotasService) ListServiceQuotas(c *Call, in *servicequotas.ListServiceQuotasInput) (*servicequotas.ListServiceQuotasOutput, error) {
	qs, err := sqServiceQuotas(aws.ToString(in.ServiceCode))
	if err != nil {
		return nil, err
	}
	switch in.QuotaAppliedAtLevel {
	case "", sqtypes.AppliedLevelEnumAccount, sqtypes.AppliedLevelEnumAll:
	case sqtypes.AppliedLevelEnumResource:
		qs = nil // no resource-level quotas are emulated
	default:
		return nil, sqIllegal("Invalid input was provided: QuotaAppliedAtLevel must be ACCOUNT, RESOURCE or ALL.")
	}
	var items []sqtypes.ServiceQuota
	for _, q := range qs {
		if in.QuotaCode != nil && q.Code != aws.ToString(in.QuotaCode) {
			continue
		}
		if s.hasApplied(q) {
			items = append(items, s.view(q, true))
		}
	}
	page, next, err := sqPage(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &servicequotas.ListServiceQuotasOutput{Quotas: append([]sqtypes.ServiceQuota{}, page...), NextToken: next}, nil
}

func (s *serviceQuotasService) ListAWSDefaultServiceQuotas(c *Call, in *servicequotas.ListAWSDefaultServiceQuotasInput) (*servicequotas.ListAWSDefaultServiceQuotasOutput, error) {
	qs, err := sqServiceQuotas(aws.ToString(in.ServiceCode))
	if err != nil {
		return nil, err
	}
	items := make([]sqtypes.ServiceQuota, 0, len(qs))
	for _, q := range qs {
		items = append(items, s.view(q, false))
	}
	page, next, err := sqPage(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &servicequotas.ListAWSDefaultServiceQuotasOutput{Quotas: append([]sqtypes.ServiceQuota{}, page...), NextToken: next}, nil
}

func (s *serviceQuotasService) ListServices(c *Call, in *servicequotas.ListServicesInput) (*servicequotas.ListServicesOutput, error) {
	seen := map[string]bool{}
	for _, q := range QuotaDefinitions() {
		seen[q.ServiceCode] = true
	}
	codes := make([]string, 0, len(seen))
	for code := range seen {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	items := make([]sqtypes.ServiceInfo, 0, len(codes))
	for _, code := range codes {
		items = append(items, sqtypes.ServiceInfo{ServiceCode: aws.String(code), ServiceName: aws.String(sqServiceName(code))})
	}
	page, next, err := sqPage(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &servicequotas.ListServicesOutput{Services: append([]sqtypes.ServiceInfo{}, page...), NextToken: next}, nil
}
