package meterd_test

import (
	"go/build"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/meterd/meterd"

// layer is a row of docs/architecture.md's layer table: a package of this
// module, the module packages it may import, and the standard packages it
// must not.
type layer struct {
	pkg     string   // relative to the module root; "." is package meterd
	imports []string // module packages it may import
	forbid  []string // standard packages it must not import
	// testHelper packages are imported by tests only and may import
	// "testing", which every other package must not.
	testHelper bool
}

// noIO is what the domain, the rules and the wire layer never import: they
// know neither the HTTP front nor SQL.
var noIO = []string{"net/http", "database/sql"}

var layers = []layer{
	{pkg: ".", forbid: noIO},
	{pkg: "awsproto", imports: []string{"."}, forbid: []string{"database/sql"}},
	{pkg: "awsproto/sigv4", imports: []string{"."}, forbid: []string{"database/sql"}},
	{pkg: "regions", imports: []string{"."}, forbid: noIO},
	{pkg: "sim", imports: []string{".", "awsproto"}, forbid: noIO},
	{pkg: "seed", imports: []string{".", "awsproto", "sim"}, forbid: noIO},
	{pkg: "metering", imports: []string{".", "regions"}, forbid: noIO},
	{pkg: "entitlement", imports: []string{".", "regions"}, forbid: noIO},
	{pkg: "store/migrate", imports: []string{"."}, forbid: noIO},
	{pkg: "store/backend", imports: []string{"."}, forbid: noIO},
	{pkg: "lifecycle", imports: []string{"."}, forbid: noIO},
	{pkg: "store/sqlite", imports: []string{".", "store/backend", "store/migrate"}, forbid: []string{"net/http"}},
	{pkg: "store/postgres", imports: []string{".", "store/backend", "store/migrate"}, forbid: noIO},
	{pkg: "store/postgres/pgtest", testHelper: true, forbid: noIO},
	{pkg: "store/sqlite/sqlitetest", imports: []string{".", "store/sqlite"}, testHelper: true},
	{pkg: "store/storetest", imports: []string{"."}, forbid: []string{"net/http"}, testHelper: true},
	{pkg: "audit", imports: []string{"."}, forbid: noIO},
	{pkg: "notify", imports: []string{"."}, forbid: []string{"database/sql"}},
	{pkg: "notify/notifytest", testHelper: true},
	{pkg: "insight", imports: []string{".", "audit"}, forbid: noIO},
	{pkg: "server", imports: []string{".", "audit", "awsproto", "awsproto/sigv4", "metering", "entitlement", "lifecycle", "regions", "sim", "insight"}, forbid: []string{"database/sql"}},
	{pkg: "console", imports: []string{".", "audit", "server", "sim", "insight"}, forbid: []string{"database/sql"}},
	{pkg: "node", imports: []string{".", "audit", "awsproto/sigv4", "console", "metering", "entitlement", "lifecycle", "notify", "regions", "seed", "server", "sim", "store/sqlite", "store/postgres", "insight"}},
	{pkg: "meterdtest", imports: []string{".", "audit", "node", "server", "store/postgres/pgtest"}, testHelper: true},
	{pkg: "bench", imports: []string{".", "awsproto", "awsproto/sigv4", "node"}},
	{pkg: "reporter"},
	{pkg: "reporter/reportermetrics", imports: []string{"reporter"}},
	{pkg: "cmd/meterd", imports: []string{".", "audit", "node", "seed", "server", "sim", "reporter", "bench", "insight"}, forbid: []string{"database/sql"}},
}

// TestArchitecture checks every package's imports against its row, and
// that every package has one.
func TestArchitecture(t *testing.T) {
	pkgs := modulePackages(t)
	for _, l := range layers {
		if !slices.Contains(pkgs, l.pkg) {
			t.Errorf("layer %q: no such package (remove its row)", l.pkg)
		}
	}
	for _, dir := range pkgs {
		t.Run(dir, func(t *testing.T) {
			i := slices.IndexFunc(layers, func(l layer) bool { return l.pkg == dir })
			if i < 0 {
				t.Fatalf("package %q has no row in layers (and docs/architecture.md)", dir)
			}
			p, err := build.ImportDir(dir, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range p.Imports {
				if err := layers[i].check(imp); err != "" {
					t.Errorf("imports %q: %s", imp, err)
				}
			}
		})
	}
}

// check returns why l may not import imp, or "".
func (l layer) check(imp string) string {
	switch {
	case imp == module || strings.HasPrefix(imp, module+"/"):
		rel := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
		if rel == "" {
			rel = "."
		}
		if !slices.Contains(l.imports, rel) {
			return "not among the module packages its layer may import"
		}
	case imp == "testing" && !l.testHelper:
		return "only test helper packages import testing"
	case slices.Contains(l.forbid, imp):
		return "forbidden in its layer"
	}
	return ""
}

// modulePackages lists the directories of the module holding non-test Go
// files, relative to the root.
func modulePackages(t *testing.T) []string {
	t.Helper()
	var dirs []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != "." && (name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".")) {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go") {
			if dir := filepath.ToSlash(filepath.Dir(path)); !slices.Contains(dirs, dir) {
				dirs = append(dirs, dir)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("go.mod"); err != nil || len(dirs) < len(layers)/2 {
		t.Fatalf("not at the module root or no packages found: %v, %v", err, dirs)
	}
	return dirs
}

// TestLayerCheck: one row per kind of import the check refuses or allows.
func TestLayerCheck(t *testing.T) {
	rules := layer{pkg: "metering", imports: []string{".", "regions"}, forbid: noIO}
	helper := layer{pkg: "meterdtest", imports: []string{"node"}, testHelper: true}
	tests := []struct {
		name    string
		l       layer
		imp     string
		wantErr bool
	}{
		{"OK allowed module package", rules, module + "/regions", false},
		{"OK the root package", rules, module, false},
		{"OK other standard package", rules, "crypto/rsa", false},
		{"OK testing in a test helper", helper, "testing", false},
		{"ErrModulePackageNotListed", rules, module + "/store/sqlite", true},
		{"ErrForbiddenStandardPackage", rules, "net/http", true},
		{"ErrTestingOutsideHelpers", rules, "testing", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.l.check(tt.imp); (got != "") != tt.wantErr {
				t.Fatalf("check(%q) = %q, want an error: %v", tt.imp, got, tt.wantErr)
			}
		})
	}
}
