package awsemu

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/servicequotas"
	sqtypes "github.com/aws/aws-sdk-go-v2/service/servicequotas/types"
)

func sqClient(e *Emulator) *servicequotas.Client {
	return servicequotas.NewFromConfig(sdkConfig(e, testRegion))
}

func TestServiceQuotasGet(t *testing.T) {
	e := startEmu(t, Options{})
	c := sqClient(e)
	get := func(svc, code string) (*sqtypes.ServiceQuota, error) {
		out, err := c.GetServiceQuota(ctx(t), &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String(svc), QuotaCode: aws.String(code)})
		if err != nil {
			return nil, err
		}
		return out.Quota, nil
	}
	// A quota never changed reports AWS's default as its applied value.
	q, err := get("ec2", "L-1216C47A")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToFloat64(q.Value) != 5 || aws.ToString(q.QuotaName) != "Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances" ||
		aws.ToString(q.QuotaArn) != "arn:aws:servicequotas:us-east-1:123456789012:ec2/L-1216C47A" || !q.Adjustable || q.GlobalQuota ||
		aws.ToString(q.ServiceName) != "Amazon Elastic Compute Cloud (Amazon EC2)" || aws.ToString(q.Unit) != "None" ||
		q.UsageMetric == nil || q.UsageMetric.MetricDimensions["Class"] != "Standard/OnDemand" || q.UsageMetric.MetricDimensions["Resource"] != "vCPU" {
		t.Fatalf("quota = %+v", q)
	}
	if g, _ := get("ec2", "L-DB2E81BA"); g == nil || aws.ToFloat64(g.Value) != 0 {
		t.Fatalf("G and VT = %+v", g)
	}
	// The knob is the applied value; the default stays AWS's.
	e.SetKnob("quota.L-DB2E81BA", "16")
	if g, _ := get("ec2", "L-DB2E81BA"); aws.ToFloat64(g.Value) != 16 {
		t.Fatalf("raised G and VT = %v", aws.ToFloat64(g.Value))
	}
	def := must[*servicequotas.GetAWSDefaultServiceQuotaOutput](t)(c.GetAWSDefaultServiceQuota(ctx(t), &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String("ec2"), QuotaCode: aws.String("L-DB2E81BA")}))
	if aws.ToFloat64(def.Quota.Value) != 0 || aws.ToString(def.Quota.QuotaArn) != "arn:aws:servicequotas:us-east-1::ec2/L-DB2E81BA" {
		t.Fatalf("default = %+v", def.Quota)
	}
	// VPC quotas have no applied value until changed.
	_, err = get("vpc", "L-F678F1CE")
	wantCode(t, err, "NoSuchResourceException")
	vd := must[*servicequotas.GetAWSDefaultServiceQuotaOutput](t)(c.GetAWSDefaultServiceQuota(ctx(t), &servicequotas.GetAWSDefaultServiceQuotaInput{ServiceCode: aws.String("vpc"), QuotaCode: aws.String("L-F678F1CE")}))
	if aws.ToFloat64(vd.Quota.Value) != 5 || aws.ToString(vd.Quota.QuotaName) != "VPCs per Region" {
		t.Fatalf("VPC default = %+v", vd.Quota)
	}
	e.SetKnob("quota.L-F678F1CE", "10")
	if v, err := get("vpc", "L-F678F1CE"); err != nil || aws.ToFloat64(v.Value) != 10 {
		t.Fatalf("changed VPC quota = %+v %v", v, err)
	}
	// Errors.
	_, err = get("nope", "L-1216C47A")
	wantCode(t, err, "NoSuchResourceException", "The request failed because the specified service does not exist.")
	_, err = get("ec2", "L-00000000")
	wantCode(t, err, "NoSuchResourceException")
	_, err = get("ec2", "1-bad")
	wantCode(t, err, "IllegalArgumentException")
	_, err = get("ec2!", "L-1216C47A")
	wantCode(t, err, "IllegalArgumentException")
	_, err = c.GetServiceQuota(ctx(t), &servicequotas.GetServiceQuotaInput{ServiceCode: aws.String("ec2"), QuotaCode: aws.String("L-1216C47A"), ContextId: aws.String("arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1")})
	wantCode(t, err, "NoSuchResourceException")
}

func TestServiceQuotasList(t *testing.T) {
	e := startEmu(t, Options{})
	c := sqClient(e)
	var codes []string
	pages := 0
	p := servicequotas.NewListServiceQuotasPaginator(c, &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("ec2"), MaxResults: aws.Int32(5)})
	for p.HasMorePages() {
		page := must[*servicequotas.ListServiceQuotasOutput](t)(p.NextPage(ctx(t)))
		pages++
		for _, q := range page.Quotas {
			codes = append(codes, aws.ToString(q.QuotaCode))
		}
	}
	var ec2Quotas int
	for _, q := range QuotaDefinitions() {
		if q.ServiceCode == "ec2" {
			ec2Quotas++
		}
	}
	if len(codes) != ec2Quotas || ec2Quotas < 19 || pages != (ec2Quotas+4)/5 {
		t.Fatalf("listed %d of %d ec2 quotas in %d pages", len(codes), ec2Quotas, pages)
	}
	one := must[*servicequotas.ListServiceQuotasOutput](t)(c.ListServiceQuotas(ctx(t), &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("ec2"), QuotaCode: aws.String("L-417A185B")}))
	if len(one.Quotas) != 1 || aws.ToString(one.Quotas[0].QuotaName) != "Running On-Demand P instances" {
		t.Fatalf("by code = %+v", one.Quotas)
	}
	// Quotas without an applied value are listed only by the default lists.
	applied := must[*servicequotas.ListServiceQuotasOutput](t)(c.ListServiceQuotas(ctx(t), &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("vpc")}))
	defaults := must[*servicequotas.ListAWSDefaultServiceQuotasOutput](t)(c.ListAWSDefaultServiceQuotas(ctx(t), &servicequotas.ListAWSDefaultServiceQuotasInput{ServiceCode: aws.String("vpc")}))
	if len(applied.Quotas) != 0 || len(defaults.Quotas) < 8 {
		t.Fatalf("vpc: %d applied, %d defaults", len(applied.Quotas), len(defaults.Quotas))
	}
	e.SetKnob("quota.L-0EA8095F", "120")
	applied = must[*servicequotas.ListServiceQuotasOutput](t)(c.ListServiceQuotas(ctx(t), &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("vpc")}))
	if len(applied.Quotas) != 1 || aws.ToFloat64(applied.Quotas[0].Value) != 120 {
		t.Fatalf("changed vpc quotas = %+v", applied.Quotas)
	}
	services := must[*servicequotas.ListServicesOutput](t)(c.ListServices(ctx(t), &servicequotas.ListServicesInput{}))
	found := map[string]bool{}
	for _, s := range services.Services {
		found[aws.ToString(s.ServiceCode)] = true
	}
	if !found["ec2"] || !found["vpc"] {
		t.Fatalf("services = %v", found)
	}
	_, err := c.ListServiceQuotas(ctx(t), &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("ec2"), MaxResults: aws.Int32(101)})
	wantCode(t, err, "IllegalArgumentException")
	_, err = c.ListServiceQuotas(ctx(t), &servicequotas.ListServiceQuotasInput{ServiceCode: aws.String("ec2"), NextToken: aws.String("garbage")})
	wantCode(t, err, "InvalidPaginationTokenException")
	_, err = c.ListAWSDefaultServiceQuotas(ctx(t), &servicequotas.ListAWSDefaultServiceQuotasInput{ServiceCode: aws.String("EC2")})
	wantCode(t, err, "NoSuchResourceException", "The request failed because the specified service does not exist.")
}
