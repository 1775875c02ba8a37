package ingestcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/cfwatch/cfwatch/internal/firehosetest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cfwatch/cfwatch/internal/cli"
	"github.com/cfwatch/cfwatch/internal/miniotest"
	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
)

func runCmd(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "GOMEMLIMIT" {
			return "off" // the test process's memory is not the command's
		}
		return env[k]
	}
	e := cli.Env{Stdout: &stdout, Stderr: &stderr, Getenv: getenv}
	code := cli.Execute(context.Background(), New(e), args, e)
	return code, stdout.String(), stderr.String()
}

// logsDir writes three hours of logs (four files an hour) with an incident
// in the last hour.
func logsDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	start := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	_, err := loggen.WriteDir(context.Background(), dir, loggen.Config{
		Seed: 3, Start: start, Duration: 3 * time.Hour, RequestsPerHour: 4000,
		Incidents: []loggen.Incident{{Kind: loggen.MethodRejected, From: start.Add(2 * time.Hour), Until: start.Add(3 * time.Hour), Rate: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLocal(t *testing.T) {
	logs := logsDir(t)
	out := t.TempDir()
	code, stdout, stderr := runCmd(t, nil, "--local", logs, "--out", out)
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "12 files (0 failed)") || !strings.Contains(stdout, "method-rejected") || !strings.Contains(stdout, "CachingDisabled") {
		t.Errorf("output:\n%s", stdout)
	}
	parquets, _ := filepath.Glob(filepath.Join(out, "distribution=E2QWRUHEXAMPLE", "day=2026-11-20", "hour=1[234]", "*.parquet"))
	if len(parquets) != 12 {
		t.Errorf("%d Parquet files, want 12 (one per log file)", len(parquets))
	}

	// JSON: per-file results, totals and findings.
	code, stdout, _ = runCmd(t, nil, "--local", logs, "--out", out, "--format", "json")
	var doc struct {
		Files    []struct{ Status string }
		Findings []struct{ Rule string }
		Totals   struct{ Files, Failed, Records int64 }
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != exitOK {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if doc.Totals.Files != 12 || doc.Totals.Records == 0 || len(doc.Files) != 12 || len(doc.Findings) == 0 || doc.Findings[0].Rule != "method-rejected" {
		t.Errorf("JSON %+v", doc)
	}

	// Settings apply: a threshold no incident reaches leaves no finding.
	_, stdout, _ = runCmd(t, nil, "--local", logs, "--out", t.TempDir(), "--set", "method_rejected.min_count=1000000")
	if !strings.Contains(stdout, "No findings.") {
		t.Errorf("--set ignored:\n%s", stdout)
	}
}

func TestLocalFailedFile(t *testing.T) {
	logs := logsDir(t)
	files, _ := filepath.Glob(filepath.Join(logs, "*.gz"))
	data, _ := os.ReadFile(files[0])
	os.WriteFile(files[0], data[:len(data)/2], 0o644) // truncated
	code, stdout, _ := runCmd(t, nil, "--local", logs, "--out", t.TempDir())
	if code != exitFailed || !strings.Contains(stdout, "failed") || !strings.Contains(stdout, filepath.Base(files[0])) {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--local", "x"},
		{"--local", "/nonexistent", "--out", t.TempDir()},
		{"--local", ".", "--out", t.TempDir(), "--format", "xml"},
		{"--local", ".", "--out", t.TempDir(), "--set", "nonsense"},
		{"backfill"},
		{"backfill", "--source", "s3://b/p", "--since", "72h"}, // no --out and no bucket
		{"ddl", "extra"},
	} {
		if code, _, stderr := runCmd(t, nil, args...); code != exitUsage || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, stderr)
		}
	}
	if code, _, stderr := runCmd(t, map[string]string{"CFWATCH_CONFIG_JSON": `{"nope":1}`}, "--local", ".", "--out", t.TempDir()); code != exitUsage || !strings.Contains(stderr, "CFWATCH_CONFIG_JSON") {
		t.Errorf("bad CFWATCH_CONFIG_JSON: exit %d, %q", code, stderr)
	}
}

func TestDDL(t *testing.T) {
	code, stdout, _ := runCmd(t, nil, "ddl", "--location", "s3://lake/cloudfront/", "--distribution", "E2QWRUHEXAMPLE")
	if code != exitOK || !strings.Contains(stdout, "CREATE EXTERNAL TABLE") || !strings.Contains(stdout, "s3://lake/cloudfront/") || !strings.Contains(stdout, "E2QWRUHEXAMPLE") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

// backfill lists only the files of the window in S3, processes them and
// writes the dataset to S3.
func TestBackfill(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "logs")
	m.CreateBucket(t, "lake")
	logs := logsDir(t)
	files, _ := filepath.Glob(filepath.Join(logs, "*.gz"))
	for _, f := range files {
		m.PutFile(t, "logs", "AWSLogs/"+filepath.Base(f), f)
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": m.AccessKey, "AWS_SECRET_ACCESS_KEY": m.SecretKey, "AWS_REGION": m.Region}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	// 14:00–15:00: the hour's four files (and none of 12:00).
	code, stdout, stderr := runCmd(t, env, "backfill", "--source", "s3://logs/AWSLogs/", "--from", "2026-11-20T14:00:00Z", "--until", "2026-11-20T15:00:00Z",
		"--out", "s3://lake/cloudfront/", "--s3-endpoint", m.Endpoint, "--workers", "2")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	list, err := m.Client().ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String("lake")})
	if err != nil {
		t.Fatal(err)
	}
	hours := map[string]int{}
	for _, o := range list.Contents {
		k := aws.ToString(o.Key)
		hours[k[strings.Index(k, "hour="):strings.LastIndex(k, "/")]]++
	}
	// Files of 13:00 and 14:00 may hold records of the window (CloudFront
	// delivers late); 12:00's may not.
	if hours["hour=12"] != 0 || hours["hour=14"] != 4 {
		t.Errorf("partitions written %v, want hour=14 ×4 and no hour=12", hours)
	}
	if !strings.Contains(stdout, "method-rejected") {
		t.Errorf("findings not printed:\n%s", stdout)
	}
}

// docs/dataset.md ships the DDL ingest generates: it must stay the same.
func TestDatasetDocDDL(t *testing.T) {
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Skip(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "dataset.md"))
	if err != nil {
		t.Fatal(err)
	}
	const cmd = "cfwatch ingest ddl --location s3://my-dataset-bucket/cloudfront/ --distribution E2QWRUHEXAMPLE\n```\n\n```sql\n"
	_, rest, ok := strings.Cut(string(doc), cmd)
	if !ok {
		t.Fatal("docs/dataset.md has no `ingest ddl` example followed by its output")
	}
	shipped, _, _ := strings.Cut(rest, "```")
	_, stdout, _ := runCmd(t, nil, "ddl", "--location", "s3://my-dataset-bucket/cloudfront/", "--distribution", "E2QWRUHEXAMPLE")
	if shipped != stdout {
		t.Errorf("docs/dataset.md's DDL differs from ingest ddl's output; paste:\n%s", stdout)
	}
}

// TestBackfillFirehose: standard logging v2 delivered through Firehose
// (YYYY/MM/DD/HH/stream-N-… keys, gzipped back-to-back JSON records) is
// ingested like CloudFront's own files: the same records, partitions and
// findings as the same requests as W3C files.
func TestBackfillFirehose(t *testing.T) {
	m := miniotest.Start(t)
	m.CreateBucket(t, "logs")
	logs := logsDir(t)
	files, _ := filepath.Glob(filepath.Join(logs, "*.gz"))
	for i, f := range files {
		hour, err := time.Parse("2006-01-02-15", strings.Split(filepath.Base(f), ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		m.Put(t, "logs", firehosetest.Key("cf-v2/", hour, i), firehosetest.Object(t, f, "E2QWRUHEXAMPLE"))
	}
	env := map[string]string{"AWS_ACCESS_KEY_ID": m.AccessKey, "AWS_SECRET_ACCESS_KEY": m.SecretKey, "AWS_REGION": m.Region}
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("AWS_CONFIG_FILE", "/dev/null")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
	type summary struct {
		Totals struct {
			Files   int   `json:"files"`
			Records int64 `json:"records"`
		} `json:"totals"`
		Findings []struct {
			Rule string `json:"rule"`
		} `json:"findings"`
	}
	read := func(stdout string) summary {
		var s summary
		if err := json.Unmarshal([]byte(stdout), &s); err != nil {
			t.Fatalf("%v: %s", err, stdout)
		}
		return s
	}
	w3cOut, fhOut := t.TempDir(), t.TempDir()
	code, stdout, stderr := runCmd(t, env, "--local", logs, "--out", w3cOut, "--format", "json")
	if code != exitOK {
		t.Fatalf("W3C: exit %d\n%s", code, stderr)
	}
	w3c := read(stdout)
	code, stdout, stderr = runCmd(t, env, "backfill", "--source", "s3://logs/cf-v2/", "--from", "2026-11-20T00:00:00Z", "--until", "2026-11-21T00:00:00Z",
		"--out", fhOut, "--s3-endpoint", m.Endpoint, "--format", "json")
	if code != exitOK {
		t.Fatalf("Firehose: exit %d\n%s%s", code, stdout, stderr)
	}
	fh := read(stdout)
	if fh.Totals.Files != len(files) || fh.Totals.Records != w3c.Totals.Records || w3c.Totals.Records == 0 {
		t.Errorf("Firehose: %d files, %d records; W3C: %d files, %d records\n%s", fh.Totals.Files, fh.Totals.Records, len(files), w3c.Totals.Records, stdout)
	}
	if fmt.Sprint(fh.Findings) != fmt.Sprint(w3c.Findings) {
		t.Errorf("findings: Firehose %v, W3C %v", fh.Findings, w3c.Findings)
	}
	// The same hour partitions.
	parts := func(dir string) []string {
		got, _ := filepath.Glob(filepath.Join(dir, "distribution=*", "day=*", "hour=*"))
		for i := range got {
			got[i], _ = filepath.Rel(dir, got[i])
		}
		return got
	}
	if fmt.Sprint(parts(fhOut)) != fmt.Sprint(parts(w3cOut)) {
		t.Errorf("partitions: Firehose %v, W3C %v", parts(fhOut), parts(w3cOut))
	}
}

// TestLocalWorkers: ingest --local writes the same Parquet files, byte for
// byte, and reports the same files and findings in the same order, with 1
// and 4 workers; the input has an incident and a file cut short.
func TestLocalWorkers(t *testing.T) {
	logs := logsDir(t)
	files, _ := filepath.Glob(filepath.Join(logs, "*.gz"))
	data, _ := os.ReadFile(files[5])
	os.WriteFile(files[5], data[:len(data)/2], 0o644) // truncated: its records before the cut still count
	run := func(workers string) (map[string][]byte, string) {
		out := t.TempDir()
		code, stdout, stderr := runCmd(t, nil, "--local", logs, "--out", out, "--workers", workers, "--format", "json")
		if code != exitFailed {
			t.Fatalf("--workers %s: exit %d, want %d (one failed file)\n%s%s", workers, code, exitFailed, stdout, stderr)
		}
		got := readTree(t, out)
		var doc map[string]any
		if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
			t.Fatalf("%v:\n%s", err, stdout)
		}
		if tot, ok := doc["totals"].(map[string]any); ok {
			delete(tot, "seconds") // the one figure that is a timing
		}
		norm, _ := json.MarshalIndent(doc, "", " ")
		return got, strings.ReplaceAll(string(norm), out, "OUT")
	}
	want, wantDoc := run("1")
	if len(want) < 11 || !strings.Contains(wantDoc, "method-rejected") {
		t.Fatalf("%d output files, findings %s: want 11 Parquet files and the incident", len(want), wantDoc)
	}
	got, gotDoc := run("4")
	if len(got) != len(want) {
		t.Errorf("4 workers: %d output files, want %d", len(got), len(want))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("4 workers: %s differs from one worker's", name)
		}
	}
	if gotDoc != wantDoc {
		t.Errorf("4 workers: the summary differs from one worker's:\n%s\nwant:\n%s", gotDoc, wantDoc)
	}
}

// readTree returns the files under dir by their path in it.
func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	got := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		got[rel], err = os.ReadFile(path)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestBackfillWorkers: backfill writes the same Parquet files, byte for
// byte, with 1 and 4 workers (each file has its own writers and engine).
func TestBackfillWorkers(t *testing.T) {
	logs := logsDir(t)
	run := func(workers string) map[string][]byte {
		out := t.TempDir()
		code, stdout, stderr := runCmd(t, nil, "backfill", "--source", logs, "--from", "2026-11-20T12:00:00Z", "--until", "2026-11-20T15:00:00Z",
			"--out", out, "--workers", workers)
		if code != exitOK {
			t.Fatalf("--workers %s: exit %d\n%s%s", workers, code, stdout, stderr)
		}
		return readTree(t, out)
	}
	want, got := run("1"), run("4")
	if len(want) != 12 || len(got) != len(want) {
		t.Fatalf("%d and %d output files, want 12 each", len(want), len(got))
	}
	for name, b := range want {
		if !bytes.Equal(got[name], b) {
			t.Errorf("4 workers: %s differs from one worker's", name)
		}
	}
}

// TestLocalParquetEncoder: --parquet-encoder and $CFWATCH_PARQUET_ENCODER
// choose the encoder (the flag wins), the files of both hold the same
// rows, and a bad value of either is a usage error that names it.
func TestLocalParquetEncoder(t *testing.T) {
	logs := logsDir(t)
	run := func(env map[string]string, args ...string) (createdBy map[string]bool, rows int64) {
		t.Helper()
		out := t.TempDir()
		code, stdout, stderr := runCmd(t, env, append([]string{"--local", logs, "--out", out}, args...)...)
		if code != exitOK {
			t.Fatalf("%v %q: exit %d\n%s%s", env, args, code, stdout, stderr)
		}
		files, _ := filepath.Glob(filepath.Join(out, "distribution=*", "day=*", "hour=*", "*.parquet"))
		if len(files) != 12 {
			t.Fatalf("%d Parquet files, want 12", len(files))
		}
		createdBy = map[string]bool{}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r, err := file.NewParquetReader(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			createdBy[r.MetaData().GetCreatedBy()] = true
			rows += r.NumRows()
			r.Close()
		}
		return createdBy, rows
	}
	native, nativeRows := run(nil)
	pgo, pgoRows := run(nil, "--parquet-encoder", "parquet-go")
	fromEnv, _ := run(map[string]string{"CFWATCH_PARQUET_ENCODER": "parquet-go"})
	flagWins, _ := run(map[string]string{"CFWATCH_PARQUET_ENCODER": "parquet-go"}, "--parquet-encoder", "native")
	isPGo := func(m map[string]bool) bool {
		for k := range m {
			if !strings.Contains(k, "parquet-go") {
				return false
			}
		}
		return len(m) > 0
	}
	if isPGo(native) || !isPGo(pgo) || !isPGo(fromEnv) || isPGo(flagWins) {
		t.Errorf("created_by: default %v, --parquet-encoder parquet-go %v, $CFWATCH_PARQUET_ENCODER=parquet-go %v, both %v", native, pgo, fromEnv, flagWins)
	}
	if nativeRows == 0 || nativeRows != pgoRows {
		t.Errorf("native files hold %d rows, parquet-go ones %d", nativeRows, pgoRows)
	}

	code, _, stderr := runCmd(t, nil, "--local", logs, "--out", t.TempDir(), "--parquet-encoder", "arrow")
	if code != exitUsage || !strings.Contains(stderr, `--parquet-encoder: parquet encoder "arrow": want native or parquet-go`) {
		t.Errorf("--parquet-encoder arrow: exit %d, %q", code, stderr)
	}
	code, _, stderr = runCmd(t, map[string]string{"CFWATCH_PARQUET_ENCODER": "fast"}, "--local", logs, "--out", t.TempDir())
	if code != exitUsage || !strings.Contains(stderr, `CFWATCH_PARQUET_ENCODER: parquet encoder "fast": want native or parquet-go`) {
		t.Errorf("CFWATCH_PARQUET_ENCODER=fast: exit %d, %q", code, stderr)
	}
}
