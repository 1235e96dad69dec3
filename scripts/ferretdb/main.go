// Command ferretdb runs FerretDB v1 (MongoDB wire protocol over SQLite) for
// development and tests. FerretDB's own command cannot be installed here with
// `go install` (the module proxy refuses the module list and the command panics
// without a generated version file), so the project embeds the public package.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	_ "net/http/pprof" // served only with -pprof, to profile the store under the bench
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

// defaultSQLiteParams is added to FerretDB's own defaults (busy_timeout(10000), journal_mode(wal),
// auto_vacuum(none)). With WAL, synchronous(normal) skips the fsync on every commit and syncs at
// checkpoints instead: each transaction stays atomic and a crashed process loses nothing; only
// a power cut or OS crash may roll back the last commits, which a dev/test store can afford.
// wal_autocheckpoint(10000) checkpoints every 10,000 pages (about 40 MB of WAL) instead of 1,000:
// a page written by many commits is copied back once, not once per 1,000 pages, which the
// profile showed taking a fifth of the store's CPU under updates. docs/benchmarks.md has the figures.
const defaultSQLiteParams = "_pragma=synchronous(normal)&_pragma=wal_autocheckpoint(10000)"

func main() {
	addr := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dir := flag.String("data", "", "folder for the SQLite databases (required)")
	watchStdin := flag.Bool("watch-stdin", false, "exit when standard input closes (the parent died)")
	sqliteParams := flag.String("sqlite-params", defaultSQLiteParams, "query string of the SQLite URL (pragmas)")
	postgresURL := flag.String("postgresql-url", "", "use FerretDB's PostgreSQL handler on this database instead of SQLite in -data")
	pprofAddr := flag.String("pprof", "", "serve Go's pprof handlers on this loopback address (profiling)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "ferretdb: -data is required")
		os.Exit(2)
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	// FerretDB listens on a private Unix socket; clients reach it through the write
	// serializer on the TCP address (see write_serializer.go for why).
	sock := filepath.Join(*dir, "ferretdb.sock")
	if len(sock) > 100 { // Unix socket paths are limited to about 108 bytes
		sock = filepath.Join(os.TempDir(), fmt.Sprintf("ferretdb-%d.sock", os.Getpid()))
	}
	_ = os.Remove(sock)
	cfg := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{Unix: sock},
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dir + "/?" + *sqliteParams,
	}
	if *postgresURL != "" {
		cfg.Handler, cfg.PostgreSQLURL, cfg.SQLiteURL = "postgresql", *postgresURL, ""
	}
	f, err := ferretdb.New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}

	if *pprofAddr != "" {
		go func() { fmt.Fprintln(os.Stderr, "ferretdb: pprof:", http.ListenAndServe(*pprofAddr, nil)) }()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watchStdin {
		// A parent that is SIGKILLed cannot stop us; its end of the pipe closing can.
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	lock := &writeLock{}
	go func() {
		_ = serve(ln, func() (net.Conn, error) { return net.Dial("unix", sock) }, lock)
	}()
	if cfg.Handler == "sqlite" {
		go checkpointWALs(ctx, *dir, lock)
	}

	fmt.Printf("ferretdb listening on %s\n", *addr)
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}
