package meterd_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/meterd/meterd"
)

func TestErrorIs(t *testing.T) {
	wrapped := fmt.Errorf("find product: %w", meterd.Errorf(meterd.ENotFound, "product %q does not exist", "p"))
	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		{"OK same code, other message", wrapped, &meterd.Error{Code: meterd.ENotFound}, true},
		{"OK unwrapped", meterd.Errorf(meterd.EConflict, "x"), &meterd.Error{Code: meterd.EConflict}, true},
		{"ErrOtherCode", wrapped, &meterd.Error{Code: meterd.EConflict}, false},
		{"ErrNotCoded", errors.New("disk full"), &meterd.Error{Code: meterd.EInternalServiceError}, false},
		{"ErrTargetNotCoded", wrapped, errors.New(`NotFound: product "p" does not exist`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Fatalf("errors.Is(%v, %v) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}
