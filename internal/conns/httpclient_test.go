package conns_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/geusemaker/terraform-provider-geusemaker/internal/awsemu"
	"github.com/geusemaker/terraform-provider-geusemaker/internal/conns"
)

// Large responses from a loopback server used to fail with "use of closed
// network connection" within a few dozen requests when the SDK's request
// body exposed WriterTo (see NewHTTPClient).
func TestHTTPClientSurvivesFastLargeResponses(t *testing.T) {
	emu := awsemu.New(awsemu.Options{Speed: 1000})
	if err := emu.Start(""); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	client := ec2.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(emu.URL()), HTTPClient: conns.NewHTTPClient(),
		Credentials: credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKey, awsemu.DefaultSecretKey, ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for i := 0; i < 200; i++ {
		p := ec2.NewDescribeInstanceTypesPaginator(client, &ec2.DescribeInstanceTypesInput{MaxResults: aws.Int32(20)})
		for p.HasMorePages() {
			if _, err := p.NextPage(ctx); err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
	}
}

// A create that reached AWS when its caller gave up still returns its
// answer, so the caller can record (and later roll back) what it made.
func TestHTTPClientFinishesRequestsInFlight(t *testing.T) {
	emu := awsemu.New(awsemu.Options{Speed: 1000})
	if err := emu.Start(""); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	emu.InjectFault(awsemu.Fault{Service: "ec2", Operation: "CreateVpc", Latency: awsemu.Duration(300 * time.Millisecond)})
	client := ec2.NewFromConfig(aws.Config{
		Region: "us-east-1", BaseEndpoint: aws.String(emu.URL()), HTTPClient: conns.NewHTTPClient(),
		Credentials: credentials.NewStaticCredentialsProvider(awsemu.DefaultAccessKey, awsemu.DefaultSecretKey, ""),
	})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	out, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})
	if err != nil || aws.ToString(out.Vpc.VpcId) == "" {
		t.Fatalf("CreateVpc cancelled in flight: %v", err)
	}
	if len(emu.Inventory()) != 1 {
		t.Fatalf("inventory = %+v", emu.Inventory())
	}
	// Cancellation still stops the next call.
	if _, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.1.0.0/16")}); err == nil {
		t.Fatal("a call made after cancellation went through")
	}
}
