package regions_test

import (
	"regexp"
	"testing"

	"github.com/meterd/meterd"
	"github.com/meterd/meterd/awsproto"
	"github.com/meterd/meterd/regions"
)

func TestCheck(t *testing.T) {
	table := regions.Default()
	tests := []struct {
		op, region string
		want       string // error code, "" when offered
	}{
		{meterd.OpBatchMeterUsage, "us-east-1", ""},
		{meterd.OpBatchMeterUsage, "cn-northwest-1", ""},
		{meterd.OpBatchMeterUsage, "us-gov-west-1", meterd.EDisabledAPI},
		{meterd.OpResolveCustomer, "eu-central-2", ""},
		{meterd.OpResolveCustomer, "cn-north-1", meterd.EDisabledAPI},
		{meterd.OpMeterUsage, "us-gov-east-1", ""},
		{meterd.OpMeterUsage, "xx-nowhere-1", meterd.EDisabledAPI},
		{meterd.OpRegisterUsage, "ap-southeast-4", ""},
		{meterd.OpRegisterUsage, "us-gov-west-1", meterd.EDisabledAPI},
		{meterd.OpGetEntitlements, "us-east-1", ""},
		{meterd.OpGetEntitlements, "us-west-2", meterd.EDisabledAPI},
		// China: SaaS metering and entitlements in Ningxia, no AMI or container metering.
		{meterd.OpGetEntitlements, "cn-northwest-1", ""},
		{meterd.OpMeterUsage, "cn-northwest-1", meterd.EDisabledAPI},
		{meterd.OpRegisterUsage, "cn-northwest-1", meterd.EDisabledAPI},
		// GovCloud: MeterUsage only.
		{meterd.OpResolveCustomer, "us-gov-east-1", meterd.EDisabledAPI},
		{meterd.OpGetEntitlements, "us-gov-west-1", meterd.EDisabledAPI},
		// European Sovereign Cloud: the SaaS calls of AWS's sovereign-cloud sample.
		{meterd.OpBatchMeterUsage, "eusc-de-east-1", ""},
		{meterd.OpResolveCustomer, "eusc-de-east-1", ""},
		{meterd.OpGetEntitlements, "eusc-de-east-1", ""},
		{meterd.OpMeterUsage, "eusc-de-east-1", meterd.EDisabledAPI},
		{meterd.OpRegisterUsage, "eusc-de-east-1", meterd.EDisabledAPI},
		// ISO partitions: endpoints without documented operations.
		{meterd.OpMeterUsage, "us-isob-east-1", meterd.EDisabledAPI},
		{meterd.OpBatchMeterUsage, "us-isob-east-1", meterd.EDisabledAPI},
		{"NoSuchOperation", "us-east-1", meterd.EDisabledAPI},
	}
	for _, tt := range tests {
		if got := meterd.ErrorCode(table.Check(tt.op, tt.region)); got != tt.want {
			t.Errorf("Check(%s, %s) = %q, want %q", tt.op, tt.region, got, tt.want)
		}
	}
}

func TestCheckMeterUsage(t *testing.T) {
	table := regions.Default()
	ami := &meterd.Product{Type: meterd.ProductAMI}
	container := &meterd.Product{Type: meterd.ProductContainer}
	tests := []struct {
		name     string
		product  *meterd.Product
		platform meterd.Platform
		region   string
		want     string
	}{
		{"AMI in GovCloud", ami, "ec2", "us-gov-west-1", ""},
		{"container from ECS in eu-south-1", container, "ecs", "eu-south-1", ""},
		{"container in GovCloud", container, "", "us-gov-east-1", meterd.EDisabledAPI},
		{"container from EKS in an EKS region", container, "eks", "ap-south-1", ""},
		{"container from EKS outside the EKS regions", container, "eks", "eu-south-1", meterd.EDisabledAPI},
	}
	for _, tt := range tests {
		if got := meterd.ErrorCode(table.CheckMeterUsage(tt.product, tt.platform, tt.region)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// TestEveryOperationHasAList keeps regions.json in step with the model.
func TestEveryOperationHasAList(t *testing.T) {
	table := regions.Default()
	for _, op := range awsproto.Operations() {
		if len(table[op.Name]) == 0 {
			t.Errorf("regions.json has no regions for %s", op.Name)
		}
	}
}

// partitions are the region name patterns of the AWS partitions meterd
// serves (botocore's partitions.json regionRegex).
var partitions = map[string]*regexp.Regexp{
	"aws":        regexp.MustCompile(`^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$`),
	"aws-cn":     regexp.MustCompile(`^cn-\w+-\d+$`),
	"aws-us-gov": regexp.MustCompile(`^us-gov-\w+-\d+$`),
	"aws-eusc":   regexp.MustCompile(`^eusc-(de)-\w+-\d+$`),
}

// TestRegionsBelongToPartitions catches a misspelt region in regions.json,
// which would silently disable an operation there.
func TestRegionsBelongToPartitions(t *testing.T) {
	for op, set := range regions.Default() {
		for region := range set {
			n := 0
			for _, re := range partitions {
				if re.MatchString(region) {
					n++
				}
			}
			// us-gov-* also matches the aws pattern, as in botocore.
			if n == 0 || n > 1 && !partitions["aws-us-gov"].MatchString(region) {
				t.Errorf("%s: region %q matches %d partitions", op, region, n)
			}
		}
	}
}
