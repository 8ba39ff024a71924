package seed

import (
	"strings"
	"testing"
)

// TestValidLicenseArn checks the fast LicenseArn check against the model's
// own pattern, one row per part of the pattern.
func TestValidLicenseArn(t *testing.T) {
	model, _ := modelPattern("LicenseArn")
	const prefix = "arn:aws:license-manager::444455556666:"
	tests := []struct {
		name string
		arn  string
		want bool
	}{
		{"OK License Manager license", prefix + "license:l-0123456789abcdef", true},
		{"OK partition suffix", "arn:aws-us-gov:license-manager::1:license:l-1", true},
		{"OK colons in the last part", prefix + "license:a:b:c", true},
		{"OK last part of 1,024 characters", prefix + "l" + strings.Repeat("x", 1023), true},
		{"ErrLastPartOf1025Characters", prefix + "l" + strings.Repeat("x", 1024), false},
		{"Err1025CharactersAfterColons", prefix + "l:" + strings.Repeat("x", 1023), false},
		{"ErrNoArnPrefix", "license:l-0123", false},
		{"ErrLastPartStartsWithDash", prefix + "-license", false},
		{"ErrEmptyLastPart", prefix, false},
		{"ErrServiceOf64Characters", "arn:aws:" + strings.Repeat("s", 64) + "::1:license", false},
		{"ErrSpaceInLastPart", prefix + "license l", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := validLicenseArn(tt.arn); got != tt.want {
				t.Errorf("validLicenseArn = %v, want %v", got, tt.want)
			}
			if got := model.MatchString(tt.arn); got != tt.want {
				t.Errorf("the model's pattern says %v: the row is wrong", got)
			}
		})
	}
}
