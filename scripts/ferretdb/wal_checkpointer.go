package main

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
)

// SQLite checkpoints a WAL database from the connection whose commit crossed
// wal_autocheckpoint, before that commit is answered: at 10,000 pages the write waits 66–87 ms
// on this machine kind, and behind the write serializer every other write waits with it, the
// tail of any write-heavy load (docs/benchmarks.md, "The store's checkpoint"). MongoDB's
// storage engine checkpoints in the background, never on a write's path; this does the same.
// Every checkpointEvery, each database whose WAL holds checkpointFrames (about half the
// autocheckpoint's, so a page rewritten by many commits is still copied back rarely) is
// checkpointed from a connection of its own: PASSIVE twice, copying while writes go on, then
// the few frames committed meanwhile with the write serializer's lock held, restarting the WAL
// from its beginning (RESTART, a millisecond or two without writes). The autocheckpoint is
// never reached.
const (
	checkpointEvery  = 250 * time.Millisecond
	checkpointFrames = 5000
)

func checkpointWALs(ctx context.Context, dir string, lock *writeLock) {
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		shms, _ := filepath.Glob(filepath.Join(dir, "*.sqlite-shm"))
		for _, shm := range shms {
			if walFrames(shm) >= checkpointFrames {
				_ = checkpoint(ctx, strings.TrimSuffix(shm, "-shm"), lock)
			}
		}
	}
}

// walFrames reads how many frames the WAL holds from its index, the -shm file (its header's
// mxFrame, in the machine's byte order: https://sqlite.org/walformat.html).
func walFrames(shm string) uint32 {
	f, err := os.Open(shm)
	if err != nil {
		return 0
	}
	defer f.Close()
	header := make([]byte, 20)
	if _, err := io.ReadFull(f, header); err != nil {
		return 0
	}
	return binary.NativeEndian.Uint32(header[16:20])
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
	for range 2 {
		if err := walCheckpoint(ctx, conn, "PASSIVE"); err != nil {
			return err
		}
	}
	lock.mu.Lock()
	defer lock.mu.Unlock()
	// a reader still on the WAL makes it answer busy without waiting: the next pass tries again
	return walCheckpoint(ctx, conn, "RESTART")
}

func walCheckpoint(ctx context.Context, conn *sql.Conn, mode string) error {
	var busy, frames, copied int
	return conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint("+mode+")").Scan(&busy, &frames, &copied)
}
