package sqlite

import "testing"

// One row per rule of nextCheckpoint.
func TestNextCheckpoint(t *testing.T) {
	idle := writerActivity{started: 5, ended: 5}
	running := writerActivity{started: 6, ended: 5}
	tests := []struct {
		name      string
		last, now writerActivity
		truncated bool
		want      string
	}{
		{"a group started since the last tick: passive", idle, running, false, "PASSIVE"},
		{"a group ended since the last tick: passive", running, writerActivity{6, 6}, false, "PASSIVE"},
		{"groups came after a truncate: passive", idle, writerActivity{7, 7}, true, "PASSIVE"},
		{"one group outlasts a tick: no truncate under it", running, running, false, ""},
		{"idle a whole interval: truncate", idle, idle, false, "TRUNCATE"},
		{"idle and already truncated: nothing", idle, idle, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nextCheckpoint(tt.last, tt.now, tt.truncated); got != tt.want {
				t.Errorf("nextCheckpoint(%+v, %+v, %v) = %q, want %q", tt.last, tt.now, tt.truncated, got, tt.want)
			}
		})
	}
}
