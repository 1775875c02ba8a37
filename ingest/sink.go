package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
	return &S3Sink{client: client, tm: tm, bucket: bucket, prefix: cleanPrefix(prefix)}
}

// cleanPrefix returns prefix with one trailing '/', or "" for none.
func cleanPrefix(prefix string) string {
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
// under a temporary name beside its final one and renamed on Commit, so a
// failed run leaves no partial file and a rerun replaces the old one whole.
type DirSink struct {
	root string
}

// NewDirSink returns a sink that writes under dir.
func NewDirSink(dir string) *DirSink { return &DirSink{root: dir} }

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
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &fileObject{f: f, path: path}, nil
}

type fileObject struct {
	f    *os.File
	path string
}

func (o *fileObject) Write(p []byte) (int, error) { return o.f.Write(p) }

func (o *fileObject) Commit() error {
	if err := o.f.Close(); err != nil {
		os.Remove(o.f.Name())
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	if err := os.Rename(o.f.Name(), o.path); err != nil {
		os.Remove(o.f.Name())
		return fmt.Errorf("writing %s: %w", o.path, err)
	}
	return nil
}

func (o *fileObject) Abort(error) {
	o.f.Close()
	os.Remove(o.f.Name())
}
