package ec2

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// SpotProductDescription is the product whose Spot prices the deployment
// pays: Linux on a VPC (accounts made since EC2-Classic ended report VPC
// launches under this description).
const SpotProductDescription = "Linux/UNIX"

// SpotPrice is the Spot price of an instance type in one zone.
type SpotPrice struct {
	Zone   string
	ZoneID string
	// Price is the hourly price in USD.
	Price float64
	// Since is when the price took effect.
	Since time.Time
}

// FindSpotPrices returns, per zone, the Spot price of instanceType in force
// at `at` in each of zones (all of the region's zones when zones is empty).
// One DescribeSpotPriceHistory call (and its pages): with StartTime = EndTime
// EC2 answers the last price change before that time, the effective price.
// A zone without Spot capacity for the type has no history and is absent.
func FindSpotPrices(ctx context.Context, conn *ec2.Client, instanceType string, zones []string, at time.Time) (map[string]SpotPrice, error) {
	in := &ec2.DescribeSpotPriceHistoryInput{
		InstanceTypes:       []types.InstanceType{types.InstanceType(instanceType)},
		ProductDescriptions: []string{SpotProductDescription},
		StartTime:           aws.Time(at),
		EndTime:             aws.Time(at),
	}
	if len(zones) > 0 {
		in.Filters = []types.Filter{filter("availability-zone", zones...)}
	}
	out := map[string]SpotPrice{}
	p := ec2.NewDescribeSpotPriceHistoryPaginator(conn, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the Spot price history of %s: %w", instanceType, err)
		}
		for _, row := range page.SpotPriceHistory {
			zone := aws.ToString(row.AvailabilityZone)
			price, err := strconv.ParseFloat(aws.ToString(row.SpotPrice), 64)
			if zone == "" || err != nil || price <= 0 {
				continue
			}
			since := aws.ToTime(row.Timestamp)
			if prev, ok := out[zone]; ok && !since.After(prev.Since) {
				continue // keep the latest change per zone
			}
			out[zone] = SpotPrice{Zone: zone, ZoneID: aws.ToString(row.AvailabilityZoneId), Price: price, Since: since}
		}
	}
	return out, nil
}

// FindSpotPlacementScores returns the Spot placement score (1-10: how
// likely a request for one instance of the type succeeds) of each zone of
// region, by zone id.
func FindSpotPlacementScores(ctx context.Context, conn *ec2.Client, region, instanceType string) (map[string]int32, error) {
	out := map[string]int32{}
	p := ec2.NewGetSpotPlacementScoresPaginator(conn, &ec2.GetSpotPlacementScoresInput{
		InstanceTypes:          []string{instanceType},
		TargetCapacity:         aws.Int32(1),
		TargetCapacityUnitType: types.TargetCapacityUnitTypeUnits,
		SingleAvailabilityZone: aws.Bool(true),
		RegionNames:            []string{region},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the Spot placement scores of %s: %w", instanceType, err)
		}
		for _, s := range page.SpotPlacementScores {
			if id := aws.ToString(s.AvailabilityZoneId); id != "" {
				out[id] = aws.ToInt32(s.Score)
			}
		}
	}
	return out, nil
}
