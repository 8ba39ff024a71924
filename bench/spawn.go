package bench

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/meterd/meterd/node"
)

// Spawned is a meterd started in-process for a run.
type Spawned struct {
	Node *node.Node
	stop context.CancelFunc
	done chan error
	once sync.Once
	err  error
}

// Spawn writes f as a seed into dir and runs a meterd on a free port of
// 127.0.0.1 with its ledger in dir, as `meterd serve --seed` would, with
// the request quotas off: a load test is no abuse. Stop ends it.
func Spawn(ctx context.Context, f *Fixture, dir string, logger *slog.Logger) (*Spawned, error) {
	return SpawnOn(ctx, f, dir, "", logger)
}

// SpawnOn is Spawn with the ledger in the PostgreSQL database store (a
// postgres:// URL) instead; "" is Spawn.
func SpawnOn(ctx context.Context, f *Fixture, dir, store string, logger *slog.Logger) (*Spawned, error) {
	seedFile := filepath.Join(dir, "seed.yaml")
	if err := WriteSeedFile(f, seedFile); err != nil {
		return nil, err
	}
	cfg := node.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = filepath.Join(dir, "data")
	cfg.SeedFile = seedFile
	cfg.Store = store
	cfg.Throttle = false
	n, err := node.Open(ctx, cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("spawn meterd: %w", err)
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	s := &Spawned{Node: n, stop: stop, done: make(chan error, 1)}
	go func() { s.done <- n.Run(runCtx) }()
	return s, nil
}

// Stop shuts the meterd down and returns Run's result; calling it again
// returns the same.
func (s *Spawned) Stop() error {
	s.once.Do(func() {
		s.stop()
		s.err = <-s.done
	})
	return s.err
}

// WriteSeedFile writes f's seed file at path.
func WriteSeedFile(f *Fixture, path string) error {
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := f.WriteSeed(file); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}
