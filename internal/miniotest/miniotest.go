// Package miniotest runs a real MinIO server for tests of the S3 source.
//
// The server binary comes from the project's own setup (.ci/run installs it
// with go install; see Version). Start looks for it in $CFWATCH_MINIO, then
// $(go env GOPATH)/bin/minio, then PATH. When it is missing the test is
// skipped, except in CI (CI=true), where that is a failure.
package miniotest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

// Module is what .ci/run installs: go install Module.
const Module = "github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"

// A Server is a MinIO server on 127.0.0.1, with its data in a temporary
// directory. It stops when the test that started it ends.
type Server struct {
	Endpoint  string // http://127.0.0.1:PORT
	AccessKey string
	SecretKey string
	Region    string

	proc *testenv.Process
}

// Binary returns the path of the MinIO binary, or "" when there is none.
func Binary() string {
	if p := os.Getenv("CFWATCH_MINIO"); p != "" {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		gopath = strings.TrimSpace(string(out))
	}
	if gopath != "" {
		p := filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	return ""
}

// Start starts a MinIO server for tb and waits until it answers. It skips
// tb when MinIO is not installed (and fails it in CI). env adds environment
// variables ("KEY=value") to the server's, such as the
// MINIO_NOTIFY_WEBHOOK_* settings of a notification target.
func Start(tb testing.TB, env ...string) *Server {
	tb.Helper()
	bin := Binary()
	if bin == "" {
		msg := "MinIO not found: install it with `go install " + Module + "`, or set CFWATCH_MINIO to its path"
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + " (.ci/run installs it)")
		}
		tb.Skip("skipping: " + msg)
	}
	dir := tb.TempDir()
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(tb, bin, filepath.Join(dir, fmt.Sprint("data", attempt)), env)
		if err == nil {
			return s
		}
		lastErr = err
	}
	tb.Fatalf("miniotest: %v", lastErr)
	return nil
}

func start(tb testing.TB, bin, dir string, env []string) (*Server, error) {
	ports, err := testenv.FreePorts(2)
	if err != nil {
		return nil, err
	}
	s := &Server{
		Endpoint:  "http://" + ports[0],
		AccessKey: "cfwatch-test",
		SecretKey: "cfwatch-test-secret",
		Region:    "us-east-1",
	}
	cmd := exec.Command(bin, "server", dir, "--address", ports[0], "--console-address", ports[1], "--quiet")
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_REGION="+s.Region,
		"MINIO_UPDATE=off", // no update check: it would look up dl.min.io
		"MINIO_BROWSER=off",
		"MINIO_CALLHOME_ENABLE=off",
	)
	cmd.Env = append(cmd.Env, env...)
	s.proc, err = testenv.StartProcess(cmd, s.Endpoint+"/minio/health/ready", 30*time.Second)
	if err != nil {
		return nil, err
	}
	tb.Cleanup(s.proc.Stop)
	return s, nil
}

// Log returns what the server printed.
func (s *Server) Log() string { return s.proc.Log() }

// Client returns an S3 client for the server: its credentials, path-style
// addressing, and optFns applied last.
func (s *Server) Client(optFns ...func(*s3.Options)) *s3.Client {
	return s3.New(s3.Options{
		Region:       s.Region,
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	}, optFns...)
}

// CreateBucket creates a bucket. MinIO can say it is ready (its health
// check answers) a moment before it takes bucket operations, answering
// XMinioServerNotInitialized under load: that answer is retried for up to
// 30 seconds.
func (s *Server) CreateBucket(tb testing.TB, bucket string) {
	tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := s.Client().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)})
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "XMinioServerNotInitialized") || time.Now().After(deadline) {
			tb.Fatalf("miniotest: creating bucket %s: %v", bucket, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Put stores an object.
func (s *Server) Put(tb testing.TB, bucket, key string, data []byte) {
	tb.Helper()
	_, err := s.Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		tb.Fatalf("miniotest: putting s3://%s/%s: %v", bucket, key, err)
	}
}

// PutFile stores the file at path as an object.
func (s *Server) PutFile(tb testing.TB, bucket, key, path string) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	s.Put(tb, bucket, key, data)
}
