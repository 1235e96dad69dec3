package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// SQLite checkpoints a WAL database from the connection whose commit crossed
// wal_autocheckpoint, before that commit is answered: at 10,000 pages the write waits 66–87 ms
// on this machine kind, and behind the write serializer every other write waits with it, the
// tail of any write-heavy load (docs/benchmarks.md, "The store's checkpoint"). MongoDB's storage engine checkpoints in the background, never on a write's
// path; this does the same. Every checkpointEvery, each database whose WAL has grown past
// checkpointFromBytes and changed since its last pass is checkpointed from a connection of its
// own, PASSIVE: the pages are copied while writes go on. Once the WAL holds restartFrames, the
// few frames committed meanwhile are copied with the write serializer's lock held and the WAL
// restarted from its beginning (RESTART), a millisecond or two without writes: a writer does
// not restart it on its own while commits keep coming, and the autocheckpoint would then copy
// on a write's path again.
const (
	checkpointEvery     = 250 * time.Millisecond
	checkpointFromBytes = 1 << 20
	restartFrames       = 2000
)

func checkpointWALs(ctx context.Context, dir string, lock *writeLock) {
	done := map[string]time.Time{} // WAL path → its modification time at the last checkpoint
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		wals, _ := filepath.Glob(filepath.Join(dir, "*.sqlite-wal"))
		next := make(map[string]time.Time, len(wals))
		for _, wal := range wals {
			st, err := os.Stat(wal)
			if err != nil || st.Size() < checkpointFromBytes {
				continue
			}
			if at, ok := done[wal]; ok && at.Equal(st.ModTime()) {
				next[wal] = at
				continue
			}
			if checkpoint(ctx, strings.TrimSuffix(wal, "-wal"), lock) == nil {
				next[wal] = st.ModTime()
			}
		}
		done = next
	}
}

// checkpoint opens the database read-write without creating it (a database dropped meanwhile
// must not come back as an empty file) and copies what the WAL holds into it.
func checkpoint(ctx context.Context, db string, lock *writeLock) error {
	pool, err := sql.Open("sqlite", "file:"+db+"?mode=rw")
	if err != nil {
		return err
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The database's last connection deletes its WAL and shared-memory files by name on close.
	// Should FerretDB drop the database and make one of the same name meanwhile, those names
	// would be the new database's: this connection keeps them.
	err = conn.Raw(func(driverConn any) error {
		fc, ok := driverConn.(sqlite.FileControl)
		if !ok {
			return errors.New("the SQLite driver offers no file control")
		}
		_, err := fc.FileControlPersistWAL("main", 1)
		return err
	})
	if err != nil {
		return err
	}
	frames, err := walCheckpoint(ctx, conn, "PASSIVE")
	if err != nil || frames < restartFrames {
		return err
	}
	lock.mu.Lock()
	defer lock.mu.Unlock()
	// a reader still on the WAL makes it answer busy without waiting: the next pass tries again
	_, err = walCheckpoint(ctx, conn, "RESTART")
	return err
}

// walCheckpoint runs one checkpoint and answers how many frames the WAL held.
func walCheckpoint(ctx context.Context, conn *sql.Conn, mode string) (frames int, err error) {
	var busy, copied int
	err = conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
	return frames, err
}
