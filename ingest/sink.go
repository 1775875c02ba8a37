package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/dataset"
)

// A Sink stores the Parquet files ingest writes: S3 in the Lambda and for
// backfills, a directory for local runs.
type Sink interface {
	// Create starts writing the object key (relative to the sink's root).
	// Nothing is visible under key until the object's Commit succeeds, and
	// an aborted object leaves nothing behind, not even a part: an object
	// that already exists under key stays as it was.
	Create(ctx context.Context, key string) (Object, error)
	// Location names key for people and logs: s3://bucket/key or a path.
	Location(key string) string
}

// An Object is a file being written to a Sink.
type Object interface {
	io.Writer
	// Commit finishes the object and makes it visible, replacing any object
	// of the same key.
	Commit() error
	// Abort drops what was written; cause says why (it ends the upload).
	Abort(cause error)
}

// S3Sink writes objects to a bucket, streamed: a multipart upload once the
// object outgrows one part, a single PUT below that.
type S3Sink struct {
	client *s3.Client
	tm     *transfermanager.Client
	bucket string
	prefix string
}

// uploadPartBytes is the multipart part size: S3's minimum, so the upload
// buffers at most Concurrency parts of it.
const uploadPartBytes = 5 << 20

// NewS3Sink returns a sink that writes under s3://bucket/prefix.
func NewS3Sink(client *s3.Client, bucket, prefix string) *S3Sink {
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.PartSizeBytes = uploadPartBytes
		o.Concurrency = 2
		// An aborted upload is cleaned up (AbortMultipartUpload) with a
		// fresh context, also when the invocation's was cancelled.
		o.FailTimeout = 30 * time.Second
	})
	return &S3Sink{client: client, tm: tm, bucket: bucket, prefix: keyPrefix(prefix)}
}

// keyPrefix returns an S3 key prefix with one trailing '/', or "" for none.
func keyPrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return ""
	}
	return prefix + "/"
}

// Location implements Sink.
func (s *S3Sink) Location(key string) string {
	return "s3://" + s.bucket + "/" + s.prefix + key
}

// Create implements Sink. The upload runs on its own goroutine, reading
// what Write hands it through a pipe, so memory stays at a few parts.
func (s *S3Sink) Create(ctx context.Context, key string) (Object, error) {
	ctx, cancel := context.WithCancel(ctx)
	pr, pw := io.Pipe()
	o := &s3Object{pw: pw, cancel: cancel, done: make(chan error, 1), loc: s.Location(key)}
	full := s.prefix + key
	go func() {
		_, err := s.tm.UploadObject(ctx, &transfermanager.UploadObjectInput{
			Bucket:      aws.String(s.bucket),
			Key:         aws.String(full),
			Body:        pr,
			ContentType: aws.String("application/vnd.apache.parquet"),
		})
		// Unblock a Write waiting on a failed upload.
		pr.CloseWithError(uploadFailed(err))
		o.done <- err
	}()
	return o, nil
}

func uploadFailed(err error) error {
	if err == nil {
		return io.ErrClosedPipe
	}
	return err
}

type s3Object struct {
	pw     *io.PipeWriter
	cancel context.CancelFunc
	done   chan error
	loc    string
}

func (o *s3Object) Write(p []byte) (int, error) {
	n, err := o.pw.Write(p)
	if err != nil {
		return n, fmt.Errorf("uploading %s: %w", o.loc, err)
	}
	return n, nil
}

func (o *s3Object) Commit() error {
	o.pw.Close()
	err := <-o.done
	o.cancel()
	if err != nil {
		return fmt.Errorf("uploading %s: %w", o.loc, err)
	}
	return nil
}

// Abort fails the body before its end reaches the upload: a single PUT is
// never sent, and the transfer manager aborts a multipart upload.
func (o *s3Object) Abort(cause error) {
	if cause == nil {
		cause = errors.New("aborted")
	}
	o.pw.CloseWithError(cause)
	<-o.done
	o.cancel()
}

// DirSink writes objects as files under a directory. A file is written
// under a hidden temporary name beside its final one,
// ".NAME.parquet.PID-NNN.tmp", and renamed on Commit, so a failed run leaves
// no partial file and a rerun replaces the old one whole; readers skip
// hidden files. A process killed while writing leaves its temporary files:
// RemoveLeftovers removes them. A file that fails leaves no directory it
// emptied.
type DirSink struct {
	root string

	mu       sync.Mutex
	inFlight map[string]bool // temporary files being written
}

// NewDirSink returns a sink that writes under dir.
func NewDirSink(dir string) *DirSink { return &DirSink{root: dir, inFlight: make(map[string]bool)} }

// Location implements Sink.
func (d *DirSink) Location(key string) string {
	return filepath.Join(d.root, filepath.FromSlash(key))
}

// Create implements Sink.
func (d *DirSink) Create(ctx context.Context, key string) (Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	path := d.Location(key)
	dir := filepath.Dir(path)
	pattern := "." + filepath.Base(path) + "." + strconv.Itoa(os.Getpid()) + "-*.tmp"
	var f *os.File
	var err error
	// Another object's failure may remove an empty directory between
	// MkdirAll and CreateTemp: then again.
	for range 3 {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			f, err = os.CreateTemp(dir, pattern)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		d.removeEmptyDirs(dir)
		return nil, err
	}
	d.mu.Lock()
	d.inFlight[f.Name()] = true
	d.mu.Unlock()
	return &fileObject{d: d, f: f, path: path}, nil
}

// done forgets a temporary file, and after a failure removes the
// directories it leaves empty.
func (d *DirSink) done(tmp string, failed bool) {
	d.mu.Lock()
	delete(d.inFlight, tmp)
	d.mu.Unlock()
	if failed {
		d.removeEmptyDirs(filepath.Dir(tmp))
	}
}

// removeEmptyDirs removes dir and its parents below the root while they
// are empty (or already gone).
func (d *DirSink) removeEmptyDirs(dir string) {
	root := filepath.Clean(d.root)
	for dir = filepath.Clean(dir); dir != root && strings.HasPrefix(dir, root+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if err := os.Remove(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return
		}
	}
}

// leftover matches the temporary files of DirSink, now and before the
// process ID was in their names: its first group is the process ID.
var leftover = regexp.MustCompile(`^\..+\.parquet\.(?:(\d+)-)?\d+\.tmp$`)

// RemoveLeftovers removes the temporary files that runs killed while
// writing left in the dataset's partition directories
// (distribution=…/day=…/hour=…), and the directories that leaves empty.
// Only files of its temporary naming are touched, and not those of a
// process still running (another ingest writing to the same directory).
// It returns how many files it removed. Call it before writing.
func (d *DirSink) RemoveLeftovers() (int, error) {
	self := os.Getpid()
	removed := 0
	var walk func(dir string, level int) error
	walk = func(dir string, level int) error {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		prefix := [...]string{dataset.PartitionDistribution + "=", dataset.PartitionDay + "=", dataset.PartitionHour + "="}
		for _, e := range entries {
			name, path := e.Name(), filepath.Join(dir, e.Name())
			if level < len(prefix) {
				if e.IsDir() && strings.HasPrefix(name, prefix[level]) {
					if err := walk(path, level+1); err != nil {
						return err
					}
				}
				continue
			}
			m := leftover.FindStringSubmatch(name)
			if m == nil || !e.Type().IsRegular() {
				continue
			}
			if m[1] != "" {
				pid, err := strconv.Atoi(m[1])
				d.mu.Lock()
				mine := d.inFlight[path]
				d.mu.Unlock()
				if mine || err == nil && pid != self && processAlive(pid) {
					continue
				}
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			removed++
		}
		if level > 0 {
			d.removeEmptyDirs(dir)
		}
		return nil
	}
	if err := walk(d.root, 0); err != nil {
		return removed, fmt.Errorf("removing temporary files under %s: %w", d.root, err)
	}
	return removed, nil
}

// processAlive reports whether a process with this ID runs.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	if runtime.GOOS == "windows" {
		return true // FindProcess found it
	}
	err = p.Signal(syscall.Signal(0))
	return err == nil || errors.Is(err, syscall.EPERM)
}

type fileObject struct {
	d    *DirSink
	f    *os.File
	path string
}

func (o *fileObject) Write(p []byte) (int, error) { return o.f.Write(p) }

func (o *fileObject) Commit() error {
	tmp := o.f.Name()
	err := o.f.Close()
	if err == nil {
		err = os.Rename(tmp, o.path)
	}
	if err != nil {
		os.Remove(tmp)
		o.d.done(tmp, true)
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	o.d.done(tmp, false)
	return nil
}

func (o *fileObject) Abort(error) {
	tmp := o.f.Name()
	o.f.Close()
	os.Remove(tmp)
	o.d.done(tmp, true)
}
