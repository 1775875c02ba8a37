package loggen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Stream writes the header and every record of the window
// [cfg.Start, cfg.Start+cfg.Duration) to w as plain text, in time order
// (non-decreasing timestamps). It returns the number of records written.
// Memory use does not depend on the window length.
func Stream(w io.Writer, cfg Config) (int, error) {
	return stream(w, cfg, -1)
}

// WriteN writes the header and exactly n records to w. The traffic starts
// at cfg.Start and simply continues past cfg.Duration when the window holds
// fewer than n records (incident windows keep their absolute times); it is
// cut short when the window holds more. Benchmarks use it for files of a
// fixed size.
func WriteN(w io.Writer, cfg Config, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("loggen: negative record count %d", n)
	}
	return stream(w, cfg, n)
}

func stream(w io.Writer, cfg Config, limit int) (int, error) {
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	cfg = cfg.WithDefaults()
	g := newGen(cfg)
	bw := bufio.NewWriterSize(w, 256<<10)
	if _, err := bw.WriteString(Header); err != nil {
		return 0, err
	}
	n, err := g.run(context.Background(), limit, func(_ int64, _ uint32, line []byte) error {
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// WriteFileN writes the header and exactly n records (as WriteN) into one
// gzip-compressed file at path, compressing concurrently with generation.
func WriteFileN(path string, cfg Config, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("loggen: negative record count %d", n)
	}
	if err := cfg.Validate(); err != nil {
		return 0, err
	}
	z, err := createGz(path)
	if err != nil {
		return 0, err
	}
	cfg = cfg.WithDefaults()
	g := newGen(cfg)
	written, err := g.run(context.Background(), n, func(_ int64, _ uint32, line []byte) error { return z.write(line) })
	if cerr := z.close(); err == nil {
		err = cerr
	}
	return written, err
}

// WriteDir writes the window's records as gzip-compressed files named the
// way CloudFront names them:
//
//	<dir>/<DistributionID>.YYYY-MM-DD-HH.<8 lowercase hex>.gz
//
// where YYYY-MM-DD-HH is the UTC hour of the records inside. Each hour's
// records are spread over up to cfg.FilesPerHour files (each with its own
// header; hours without traffic produce no file). The 8-hex unique IDs are
// derived from the seed, so reruns produce the same names and contents.
// The directory is created if needed. It returns the paths written, sorted.
func WriteDir(ctx context.Context, dir string, cfg Config) ([]string, error) {
	paths, _, err := WriteDirCount(ctx, dir, cfg)
	return paths, err
}

// WriteDirCount is WriteDir that also returns the number of records.
func WriteDirCount(ctx context.Context, dir string, cfg Config) ([]string, int, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := cfg.Validate(); err != nil {
		return nil, 0, err
	}
	cfg = cfg.WithDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	g := newGen(cfg)
	files := make([]*gzFile, cfg.FilesPerHour)
	ids := make([]string, cfg.FilesPerHour)
	var paths []string
	hour := int64(-1 << 62)
	closeAll := func() error {
		var errs []error
		for i, f := range files {
			if f != nil {
				errs = append(errs, f.close())
				files[i] = nil
			}
		}
		return errors.Join(errs...)
	}
	sink := func(t int64, key uint32, line []byte) error {
		if h := floorDiv(t, hourMs); h != hour {
			if err := closeAll(); err != nil {
				return err
			}
			hour = h
			fileIDs(cfg.Seed, h, ids)
		}
		k := int(key % uint32(len(files)))
		f := files[k]
		if f == nil {
			stamp := time.UnixMilli(hour * hourMs).UTC().Format("2006-01-02-15")
			p := filepath.Join(dir, cfg.DistributionID+"."+stamp+"."+ids[k]+".gz")
			var err error
			if f, err = createGz(p); err != nil {
				return err
			}
			files[k] = f
			paths = append(paths, p)
		}
		return f.write(line)
	}
	n, err := g.run(ctx, -1, sink)
	if cerr := closeAll(); err == nil {
		err = cerr
	}
	slices.Sort(paths)
	return paths, n, err
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// fileIDs fills ids with distinct 8-hex-digit identifiers for one hour.
func fileIDs(seed uint64, hour int64, ids []string) {
	x := seed ^ uint64(hour)*0x9e3779b97f4a7c15
	for i := range ids {
	again:
		x = splitmix(x)
		id := strconv.FormatUint(x>>32|1<<32, 16)[1:]
		for _, prev := range ids[:i] {
			if prev == id {
				goto again
			}
		}
		ids[i] = id
	}
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// gzFile is a gzip file whose compression runs in its own goroutine, fed
// with large buffers, so that several files (and generation) proceed in
// parallel. Write errors surface at close.
type gzFile struct {
	buf  []byte
	full chan []byte
	free chan []byte
	done chan error
}

const gzBufSize = 512 << 10

func createGz(path string) (*gzFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.DefaultCompression)
	if err != nil {
		f.Close()
		return nil, err
	}
	z := &gzFile{full: make(chan []byte, 2), free: make(chan []byte, 3), done: make(chan error, 1)}
	for i := 0; i < 2; i++ {
		z.free <- make([]byte, 0, gzBufSize+16<<10)
	}
	z.buf = make([]byte, 0, gzBufSize+16<<10)
	z.buf = append(z.buf, Header...)
	go func() {
		var err error
		for b := range z.full {
			if err == nil {
				_, err = zw.Write(b)
			}
			z.free <- b[:0]
		}
		if cerr := zw.Close(); err == nil {
			err = cerr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		z.done <- err
	}()
	return z, nil
}

func (z *gzFile) write(line []byte) error {
	z.buf = append(z.buf, line...)
	if len(z.buf) >= gzBufSize {
		z.full <- z.buf
		z.buf = <-z.free
	}
	return nil
}

func (z *gzFile) close() error {
	if len(z.buf) > 0 {
		z.full <- z.buf
	}
	close(z.full)
	return <-z.done
}
