package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meterd/meterd"
)

// catalogChannel is the notification every catalog write sends in its
// transaction; every node listening empties its catalog cache on it.
const catalogChannel = "meterd_catalog"

// listen holds a connection of its own LISTENing on catalogChannel until
// ctx ends, reconnecting after failures. While it is down the cache keeps
// nothing (a change by another node would go unnoticed), and it is emptied
// whenever listening starts again, since notifications sent meanwhile are
// lost.
func (db *DB) listen(ctx context.Context) {
	defer close(db.listenDone)
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := db.listenOnce(ctx)
		if db.listening.Swap(false) {
			backoff = 100 * time.Millisecond // it was up: retry soon
		}
		db.cache.Invalidate()
		if ctx.Err() != nil {
			return
		}
		db.logger.Warn("postgres catalog listener down; catalog cache off", meterd.LogKeyError, err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (db *DB) listenOnce(ctx context.Context) error {
	cfg := db.pool.Config().ConnConfig.Copy()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+catalogChannel); err != nil {
		return err
	}
	db.cache.Invalidate()
	db.listening.Store(true)
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		db.cache.Invalidate()
	}
}
