package reportcmd

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/internal/firehosetest"
	"github.com/cfwatch/cfwatch/internal/miniotest"
)

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
		srv.Put(t, "logs", firehosetest.Key("cf-v2/", hour, i), firehosetest.Object(t, f, "E2QWRUHEXAMPLE"))
	}
	awsEnv(t, srv.AccessKey, srv.SecretKey)
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
