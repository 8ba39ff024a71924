package meterdtest_test

import (
	"fmt"
	"os"
	"testing"
)

// exampleT is the part of testing.TB that Start uses, for examples, which
// get no *testing.T. Any other method panics (the embedded TB is nil), so an
// example that needs more fails loudly.
type exampleT struct {
	testing.TB
	dirs     []string
	cleanups []func()
}

func newExampleT() *exampleT { return &exampleT{} }

func (t *exampleT) Helper() {}

func (t *exampleT) TempDir() string {
	dir, err := os.MkdirTemp("", "meterdtest-example-")
	if err != nil {
		panic(err)
	}
	t.dirs = append(t.dirs, dir)
	return dir
}

func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *exampleT) Errorf(format string, args ...any) { fmt.Printf(format+"\n", args...) }

func (t *exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// cleanup runs the cleanups last-first, as testing does, then removes the
// temporary directories.
func (t *exampleT) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	for _, dir := range t.dirs {
		os.RemoveAll(dir)
	}
}
