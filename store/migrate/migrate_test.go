package migrate_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/meterd/meterd/store/migrate"
)

func TestLoad(t *testing.T) {
	file := &fstest.MapFile{Data: []byte("SELECT 1")}
	tests := []struct {
		name    string
		files   []string
		want    []int
		wantErr string
	}{
		{"OK in order", []string{"m/0002_b.sql", "m/0001_a.sql", "m/0003_c.sql"}, []int{1, 2, 3}, ""},
		{"OK none", nil, nil, ""},
		{"ErrGap", []string{"m/0001_a.sql", "m/0003_c.sql"}, nil, "want version 2"},
		{"ErrDuplicate", []string{"m/0001_a.sql", "m/0001_b.sql"}, nil, "want version 2"},
		{"ErrNotFromOne", []string{"m/0002_b.sql"}, nil, "want version 1"},
		{"ErrName", []string{"m/one.sql"}, nil, "want NNNN_name.sql"},
		{"ErrZero", []string{"m/0000_zero.sql"}, nil, "want NNNN_name.sql"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for _, f := range tt.files {
				fsys[f] = file
			}
			ms, err := migrate.Load(fsys, "m/*.sql")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []int
			for _, m := range ms {
				got = append(got, m.Version)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("versions %v, want %v", got, tt.want)
			}
		})
	}
}

// target records what Run applies.
type target struct {
	recorded []int
	ran      []int
}

func (t *target) Applied(context.Context) ([]int, error) { return t.recorded, nil }

func (t *target) Apply(_ context.Context, m migrate.Migration) (bool, error) {
	t.ran = append(t.ran, m.Version)
	return true, nil
}

// batchTarget records what Run applies, and in how many transactions.
type batchTarget struct {
	target
	batches [][]int
}

func (t *batchTarget) ApplyAll(_ context.Context, ms []migrate.Migration) ([]migrate.Migration, error) {
	var batch []int
	for _, m := range ms {
		batch = append(batch, m.Version)
	}
	t.ran = append(t.ran, batch...)
	t.batches = append(t.batches, batch)
	return ms, nil
}

func TestRun(t *testing.T) {
	ms := []migrate.Migration{{Version: 1, Name: "a"}, {Version: 2, Name: "b"}, {Version: 3, Name: "c"}}
	tests := []struct {
		name     string
		recorded []int
		upTo     int
		want     []int
		wantErr  string
	}{
		{"OK fresh", nil, 0, []int{1, 2, 3}, ""},
		{"OK up to", nil, 2, []int{1, 2}, ""},
		{"OK only the missing", []int{1, 3}, 0, []int{2}, ""},
		{"OK current", []int{1, 2, 3}, 0, nil, ""},
		{"ErrNewer", []int{1, 2, 3, 4}, 0, nil, "newer than this build's 3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tg := &target{recorded: tt.recorded}
			err := migrate.Run(t.Context(), tg, ms, tt.upTo, nil, "test")
			checkRun(t, err, tg.ran, tt.want, tt.wantErr)
		})
		// A BatchTarget is given the same migrations, all in one call.
		t.Run(tt.name+" in one batch", func(t *testing.T) {
			tg := &batchTarget{target: target{recorded: tt.recorded}}
			err := migrate.Run(t.Context(), tg, ms, tt.upTo, nil, "test")
			checkRun(t, err, tg.ran, tt.want, tt.wantErr)
			if want := min(len(tt.want), 1); len(tg.batches) != want {
				t.Errorf("%d batches %v, want %d", len(tg.batches), tg.batches, want)
			}
		})
	}
}

func checkRun(t *testing.T, err error, ran, want []int, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ran, want) {
		t.Errorf("applied %v, want %v", ran, want)
	}
}
