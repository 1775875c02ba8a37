package reportcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/internal/miniotest"
)

// withoutInput drops the "input" member of a JSON report: the files read
// differ between logs and the dataset, the rest must not.
func withoutInput(t *testing.T, s string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	delete(m, "input")
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDatasetSource: --source names a dataset directory or s3:// prefix
// as it names logs, with nothing else to say; the report is the one the
// logs give, and the S3 dataset's the local one's.
func TestDatasetSource(t *testing.T) {
	logs := callbackDir(t)
	root := filepath.Join(t.TempDir(), "ds")
	files := datasettest.Write(t, logs, root, dataset.Options{})
	args := []string{"--from", "2026-11-20T00:30:00Z", "--until", "2026-11-20T02:00:00Z", "--format", "json", "--fail-on", "none", "--compare"}

	codeL, outL, errL := runReport(t, append(args, "--source", logs)...)
	codeD, outD, errD := runReport(t, append(args, "--source", root)...)
	if codeL != 0 || codeD != 0 {
		t.Fatalf("exit %d over logs, %d over the dataset:\n%s\n%s", codeL, codeD, errL, errD)
	}
	if withoutInput(t, outL) != withoutInput(t, outD) {
		t.Errorf("the dataset's report differs from the logs':\n%s\n%s", outL, outD)
	}
	in := decode(t, outD).Input
	if in.Files != len(files) || in.SkippedLines != 0 || len(in.FailedFiles) != 0 {
		t.Errorf("input %+v: want the %d files read", in, len(files))
	}
	if !strings.Contains(outD, `"callback-redirects"`) || !strings.Contains(outD, `"auth-403-burst"`) {
		t.Errorf("the callbacks' failure is not reported:\n%s", outD)
	}

	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		srv.PutFile(t, "logs", "cloudfront/"+filepath.ToSlash(rel), f)
	}
	awsEnv(t, srv.AccessKey, srv.SecretKey)
	codeS, outS, errS := runReport(t, append(args, "--source", "s3://logs/cloudfront/", "--s3-endpoint", srv.Endpoint)...)
	if codeS != 0 {
		t.Fatalf("exit %d from S3: %s", codeS, errS)
	}
	if strings.ReplaceAll(outS, "s3://logs/cloudfront", root) != outD {
		t.Errorf("the S3 dataset's report differs from the local one's:\n%s\n%s", outD, outS)
	}

	// A damaged dataset file is listed and the rest still reported.
	bad := files[len(files)/2]
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, b[:len(b)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runReport(t, "--source", root, "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-20T02:00:00Z", "--format", "json")
	if code != exitUsage || !strings.Contains(errs, bad) || decode(t, out).Totals.Requests == 0 {
		t.Errorf("damaged file: exit %d, stderr %s", code, errs)
	}
}
