package postgres

import "testing"

// TestRebind numbers store/backend's ? parameters as PostgreSQL's $n.
func TestRebind(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"OK none", "SELECT 1", "SELECT 1"},
		{"OK several", "a = ? AND (b, c) > (?, ?) LIMIT ?", "a = $1 AND (b, c) > ($2, $3) LIMIT $4"},
		{"OK last character", "x = ?", "x = $1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := rebind(tt.in); got != tt.want {
				t.Fatalf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
