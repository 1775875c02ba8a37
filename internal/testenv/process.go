package testenv

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// A Process is a server binary run for tests (MinIO, moto_server): its
// output is kept for failure messages, and it dies with the test process.
type Process struct {
	Name string
	cmd  *exec.Cmd
	out  Buffer
	done chan struct{}
}

// StartProcess starts cmd (whose Env the caller sets) and waits until
// readyURL answers 200 OK, or fails after timeout or when the process exits.
// Stop it with Stop.
func StartProcess(cmd *exec.Cmd, readyURL string, timeout time.Duration) (*Process, error) {
	p := &Process{Name: cmd.Path, cmd: cmd, done: make(chan struct{})}
	p.out.Limit = 64 << 10
	cmd.Stdout, cmd.Stderr = &p.out, &p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	cmd.WaitDelay = 2 * time.Second // do not wait on output pipes a child may hold
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", cmd.Path, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	if err := p.waitReady(readyURL, timeout); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitReady(url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	hc := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			return fmt.Errorf("%s exited before it was ready: %s", p.Name, p.out.String())
		default:
		}
		resp, err := hc.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %v: %s", p.Name, timeout, p.out.String())
}

// Stop ends the process: SIGTERM, then SIGKILL after 5 seconds.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Log returns what the process printed (its first 64 KiB).
func (p *Process) Log() string { return p.out.String() }

// FreePorts returns n distinct free addresses on 127.0.0.1.
func FreePorts(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var addrs []string
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		addrs = append(addrs, l.Addr().String())
	}
	if len(addrs) != n {
		return nil, errors.New("testenv: no free port")
	}
	return addrs, nil
}

// A Buffer is a goroutine-safe bytes.Buffer for output written by other
// goroutines or processes (logs, a child's stdout). With a Limit, writes
// past it are dropped (and reported as written).
type Buffer struct {
	Limit int
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.Limit <= 0 || b.buf.Len() < b.Limit {
		b.buf.Write(p)
	}
	return len(p), nil
}

// String returns what was written.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Len returns the number of bytes kept.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

// Gzip returns data gzipped.
func Gzip(tb testing.TB, data []byte) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
