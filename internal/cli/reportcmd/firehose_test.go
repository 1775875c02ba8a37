package reportcmd

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/miniotest"
)

// firehoseObject turns a W3C log file (gzipped) into what standard logging
// v2 delivers through Firehose: its records as JSON objects of strings,
// back to back with no newline between them, gzipped.
func firehoseObject(t *testing.T, w3c string) []byte {
	t.Helper()
	f, err := os.Open(w3c)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var fields []string
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "#Fields: "); ok {
			fields = strings.Fields(rest)
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		values := strings.Split(line, "\t")
		obj := make(map[string]string, len(fields))
		for i, name := range fields {
			obj[name] = values[i]
		}
		b, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		zw.Write(b) // back to back, as Firehose concatenates records
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestS3Firehose: standard logging v2 delivered through Firehose (its
// YYYY/MM/DD/HH/stream-N-… keys, gzipped back-to-back JSON records) gives
// the same report from MinIO as the same requests as W3C files, but for the
// input's files and bytes; files outside the window are skipped by key.
func TestS3Firehose(t *testing.T) {
	srv := miniotest.Start(t)
	srv.CreateBucket(t, "logs")
	dir, _ := genDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.gz"))
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for i, f := range files {
		// E2QWRUHEXAMPLE.2026-11-20-03.xxxx.gz: the hour the file holds.
		hour, err := time.Parse("2006-01-02-15", strings.Split(filepath.Base(f), ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		delivered := hour.Add(time.Hour + time.Duration(i)*time.Second)
		key := "cf-v2/" + hour.Format("2006/01/02/15/") + "cloudfront-logs-1-" + delivered.Format("2006-01-02-15-04-05") +
			fmt.Sprintf("-0f8b2c1e-4a5d-4e6f-9a7b-%012x.gz", i)
		srv.Put(t, "logs", key, firehoseObject(t, f))
	}
	t.Setenv("AWS_ACCESS_KEY_ID", srv.AccessKey)
	t.Setenv("AWS_SECRET_ACCESS_KEY", srv.SecretKey)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
	args := []string{"--from", "2026-11-20T01:00:00Z", "--until", "2026-11-20T04:00:00Z", "--format", "json", "--fail-on", "none"}
	codeL, outL, errL := runReport(t, append(args, "--source", dir)...)
	codeS, outS, errS := runReport(t, append(args, "--source", "s3://logs/cf-v2/", "--s3-endpoint", srv.Endpoint)...)
	if codeL != exitOK || codeS != exitOK {
		t.Fatalf("exit %d locally (%s), %d from Firehose's objects (%s)", codeL, errL, codeS, errS)
	}
	var l, s map[string]any
	if err := json.Unmarshal([]byte(outL), &l); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(outS), &s); err != nil {
		t.Fatal(err)
	}
	in := s["input"].(map[string]any)
	if in["records"] != l["input"].(map[string]any)["records"] || in["files_outside_window"].(float64) == 0 {
		t.Errorf("input: Firehose %v, W3C %v; want the same records, and files outside the window skipped by key", in, l["input"])
	}
	delete(l, "input")
	delete(s, "input")
	bl, _ := json.Marshal(l)
	bs, _ := json.Marshal(s)
	if !bytes.Equal(bl, bs) {
		t.Errorf("the reports differ beyond their input:\nW3C      %s\nFirehose %s", bl, bs)
	}
}
