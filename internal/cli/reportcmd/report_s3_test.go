package reportcmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/miniotest"
)

// TestS3Source: the same logs, one of them truncated, give the same report
// from MinIO as from the disk, byte for byte but for the file names.
func TestS3Source(t *testing.T) {
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	dir, _ := genDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.gz"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	good, err := os.ReadFile(files[3])
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-02.deadbeef.gz")
	if err := os.WriteFile(bad, good[:len(good)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, bad) {
		srv.PutFile(t, "logs", "cloud front/"+filepath.Base(f), f)
	}
	awsEnv(t, srv.AccessKey, srv.SecretKey)
	args := []string{"--from", "2026-11-20T01:00:00Z", "--until", "2026-11-20T04:00:00Z", "--format", "json", "--fail-on", "none"}
	codeL, outL, _ := runReport(t, append(args, "--source", dir)...)
	codeS, outS, errS := runReport(t, append(args, "--source", "s3://logs/cloud front", "--s3-endpoint", srv.Endpoint)...)
	if codeL != exitUsage || codeS != exitUsage || !strings.Contains(errS, "s3://logs/cloud front/E2QWRUHEXAMPLE.2026-11-20-02.deadbeef.gz") {
		t.Errorf("exit %d locally, %d from S3; want 2 (a file failed); stderr:\n%s", codeL, codeS, errS)
	}
	if strings.ReplaceAll(outS, "s3://logs/cloud front", dir) != outL {
		t.Errorf("the reports differ:\n%s\n%s", outL, outS)
	}
	code, _, errU := runReport(t, append(args, "--source", "s3://logs/x", "--s3-endpoint", "http://127.0.0.1:1")...)
	if code != exitUsage || !strings.Contains(errU, "cannot reach the S3 endpoint http://127.0.0.1:1") {
		t.Errorf("unreachable endpoint: exit %d, %s", code, errU)
	}
}
