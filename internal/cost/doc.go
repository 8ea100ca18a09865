// Package cost estimates what a geusemaker_deployment costs to run, at plan
// time and without calling AWS, from an embedded, dated price table
// (prices.json, as of 2026-01-19; see PriceTableDate and PriceTableSource).
//
// # Model
//
// A month is 730 hours. The estimate is the sum of seven lines:
//
//   - Compute: the instance's on-demand Linux, shared-tenancy hourly price.
//   - RootVolume: the root volume's GiB × the region's gp3 GB-month rate
//     (the original tool never costed EBS).
//   - EFS: the assumed stored GB × the region's EFS Standard GB-month rate.
//     File systems use the API default Bursting throughput, which has no
//     throughput charge.
//   - LoadBalancer (tier ≥ 2): the ALB hourly rate plus LCUs × the LCU-hour
//     rate, LCUs = max(1, GB per hour, new connections per second / 25)
//     derived from the assumptions (see LCUs).
//   - CloudFrontRequests and CloudFrontTransfer (tier 3): requests / 10,000
//     × the price class's HTTPS rate and GB × its per-GB rate. One figure per
//     class is derived from CloudFront's per-geography first-10-TB rates:
//     the highest rate among the geographies the class serves, an upper
//     bound for the class.
//   - DataTransfer (tiers without CloudFront): GB × the region's internet egress rate. With
//     CloudFront (tier 3) the viewers' traffic is CloudFront transfer and the
//     ALB-to-CloudFront origin fetches are free, so it is not counted twice
//     (the original tool added both).
//
// Usage-based lines are monthly figures; their hourly figure is monthly / 730.
// Free tiers (100 GB of account-wide egress, CloudFront's 1 TB and 10 million
// requests) are not deducted: they are shared with the rest of the account.
//
// # Assumptions
//
// DefaultAssumptions: 1,000,000 requests, 100 GB to viewers and 50 GB of EFS
// per month; its comment gives the reasons.
//
// # Rounding
//
// Figures keep full precision internally. Every figure Estimate returns is
// rounded to 4 decimals with Round, and the totals are the sums of the
// rounded lines, so the lines always add up to the totals.
//
// # Unknown input
//
// An unknown region, an instance type without a price in the region, an
// unknown price class or an invalid input (tier outside 1..3, negative
// assumptions) gives warnings naming what is unknown and what is supported,
// and ok=false: the cost is unknown, never a failure.
package cost
