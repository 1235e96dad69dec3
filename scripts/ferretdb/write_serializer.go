package main

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// FerretDB v1's SQLite handler applies an update as "query, change in Go, write back" with
// no lock spanning the two, so concurrent $inc on one document lose increments (measured:
// 20 concurrent $inc → 3; even a compare-and-set through findAndModify loses). MongoDB
// guarantees per-document atomicity, and the application relies on it. This proxy restores
// that guarantee for development and tests by letting one write command through at a time,
// across all connections; reads flow freely. Unique indexes were never affected.

const (
	opMsg      = 2013
	headerLen  = 16
	maxMessage = 48 << 20
	moreToCome = 1 << 1
)

var writeCommands = map[string]bool{
	"insert": true, "update": true, "delete": true, "findandmodify": true,
	"create": true, "createindexes": true, "drop": true, "dropindexes": true,
	"dropdatabase": true, "renamecollection": true,
}

type writeLock struct {
	mu sync.Mutex
}

// serve accepts clients on ln and pipes each to a fresh connection from dial.
func serve(ln net.Listener, dial func() (net.Conn, error), lock *writeLock) error {
	for {
		client, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go handle(client, dial, lock)
	}
}

func handle(client net.Conn, dial func() (net.Conn, error), lock *writeLock) {
	defer client.Close()
	server, err := dialWithRetry(dial, 20*time.Second)
	if err != nil {
		return
	}
	defer server.Close()

	// pending holds the requestID of the write this connection is waiting on, if any.
	var pendingMu sync.Mutex
	pending := int32(0)
	holding := false
	release := func() {
		pendingMu.Lock()
		defer pendingMu.Unlock()
		if holding {
			holding = false
			pending = 0
			lock.mu.Unlock()
		}
	}
	defer release()

	done := make(chan struct{}, 2)
	go func() { // server → client: a reply to the pending write releases the lock
		defer func() { done <- struct{}{} }()
		for {
			msg, err := readMessage(server)
			if err != nil {
				return
			}
			responseTo := int32(binary.LittleEndian.Uint32(msg[8:12]))
			if _, err := client.Write(msg); err != nil {
				return
			}
			pendingMu.Lock()
			match := holding && responseTo == pending
			pendingMu.Unlock()
			if match {
				release()
			}
		}
	}()
	go func() { // client → server: a write takes the lock before it is forwarded
		defer func() { done <- struct{}{} }()
		for {
			msg, err := readMessage(client)
			if err != nil {
				return
			}
			if isWrite(msg) && !fireAndForget(msg) {
				lock.mu.Lock()
				pendingMu.Lock()
				holding = true
				pending = int32(binary.LittleEndian.Uint32(msg[4:8]))
				pendingMu.Unlock()
			}
			if _, err := server.Write(msg); err != nil {
				return
			}
		}
	}()
	<-done
}

func dialWithRetry(dial func() (net.Conn, error), within time.Duration) (net.Conn, error) {
	deadline := time.Now().Add(within)
	for {
		c, err := dial()
		if err == nil || time.Now().After(deadline) {
			return c, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func readMessage(r io.Reader) ([]byte, error) {
	head := make([]byte, headerLen)
	if _, err := io.ReadFull(r, head); err != nil {
		return nil, err
	}
	n := int(binary.LittleEndian.Uint32(head[0:4]))
	if n < headerLen || n > maxMessage {
		return nil, errors.New("bad message length")
	}
	msg := make([]byte, n)
	copy(msg, head)
	if _, err := io.ReadFull(r, msg[headerLen:]); err != nil {
		return nil, err
	}
	return msg, nil
}

// isWrite reads the command name (the first key of OP_MSG's body section). Anything it
// cannot read (another opcode, compression) counts as a write: safe, only slower.
func isWrite(msg []byte) bool {
	if int32(binary.LittleEndian.Uint32(msg[12:16])) != opMsg {
		return true
	}
	body := msg[headerLen+4:]
	if len(body) < 1+4+1+1 || body[0] != 0 { // section kind 0 carries the command document
		return true
	}
	doc := body[1:]
	// document: int32 length, then elements: type byte, cstring name, value
	name := doc[5:]
	end := 0
	for end < len(name) && name[end] != 0 {
		end++
	}
	if end == len(name) {
		return true
	}
	return writeCommands[strings.ToLower(string(name[:end]))]
}

// fireAndForget: an unacknowledged request (moreToCome) gets no reply to wait for.
func fireAndForget(msg []byte) bool {
	if int32(binary.LittleEndian.Uint32(msg[12:16])) != opMsg {
		return false
	}
	flags := binary.LittleEndian.Uint32(msg[headerLen : headerLen+4])
	return flags&moreToCome != 0
}
