package logparse

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

func readAllURIs(t *testing.T, in []byte) ([]string, int) {
	t.Helper()
	r := NewReader(bytes.NewReader(in))
	var rec Record
	var out []string
	for {
		err := r.Read(&rec)
		if err == io.EOF {
			return out, r.Skipped()
		}
		if err != nil {
			if _, ok := err.(*ParseError); ok {
				continue
			}
			t.Fatal(err)
		}
		out = append(out, rec.URIStem+"@"+rec.Time.Format("15:04:05"))
	}
}

// TestFirehoseConcatenated: Firehose writes records back to back; objects
// with no newline between them are records of their own, gzipped or not.
func TestFirehoseConcatenated(t *testing.T) {
	obj := func(path, clock string) string {
		return `{"date":"2024-11-15","time":"` + clock + `","c-ip":"192.0.2.1","cs-method":"GET","sc-status":"200","cs-uri-stem":"` + path + `","cs(User-Agent)":"a}{b"}`
	}
	in := obj("/a", "19:45:51") + obj("/b", "19:45:52") + " " + obj("/c", "19:45:53") + "\n" + obj("/d", "19:45:54") + "\n"
	want := "/a@19:45:51 /b@19:45:52 /c@19:45:53 /d@19:45:54"
	for name, data := range map[string][]byte{"plain": []byte(in), "gzip": testenv.Gzip(t, []byte(in))} {
		got, skipped := readAllURIs(t, data)
		if strings.Join(got, " ") != want || skipped != 0 {
			t.Errorf("%s: got %v (skipped %d), want %s", name, got, skipped, want)
		}
	}
	// A bad object between good ones loses only itself.
	bad := obj("/a", "19:45:51") + `{"date":"2024-11-15","time":"nope","cs-method":"GET"}` + obj("/c", "19:45:53")
	got, skipped := readAllURIs(t, []byte(bad))
	if strings.Join(got, " ") != "/a@19:45:51 /c@19:45:53" || skipped != 1 {
		t.Errorf("bad middle object: got %v skipped %d", got, skipped)
	}
}

// TestFirehoseLargeDelivery: a delivery of thousands of records with no
// newline at all, far over the line length limit, is read record by record
// (the buffer Firehose fills before it writes an object is up to 128 MiB).
func TestFirehoseLargeDelivery(t *testing.T) {
	var b strings.Builder
	const n = 20000 // about 3.6 MB
	for i := range n {
		b.WriteString(`{"date":"2024-11-15","time":"19:45:51","c-ip":"192.0.2.1","cs-method":"GET","sc-status":"200","cs-uri-stem":"/p` + strings.Repeat("x", i%50) + `","x-edge-request-id":"id-{` + strings.Repeat("}", i%3) + `"}`)
	}
	for name, data := range map[string][]byte{"plain": []byte(b.String()), "gzip": testenv.Gzip(t, []byte(b.String()))} {
		got, skipped := readAllURIs(t, data)
		if len(got) != n || skipped != 0 {
			t.Errorf("%s: %d records, %d skipped; want %d and none", name, len(got), skipped, n)
		}
	}
}

// TestFirehoseRealExample reads AWS's Firehose example, and the same
// records concatenated without newlines and gzipped, to the same records.
func TestFirehoseRealExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(testenv.RealLogsDir(t), "docs.aws.amazon.com_AmazonCloudFront__latest__DeveloperGuide__standard-logging.html.example-firehose.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	want, skipped := readAllURIs(t, b)
	if len(want) == 0 || skipped != 0 {
		t.Fatalf("example: %d records, %d skipped", len(want), skipped)
	}
	joined := bytes.ReplaceAll(bytes.TrimSpace(b), []byte("}\n{"), []byte("}{"))
	got, skipped := readAllURIs(t, testenv.Gzip(t, joined))
	if strings.Join(got, " ") != strings.Join(want, " ") || skipped != 0 {
		t.Errorf("concatenated: %v (skipped %d), want %v", got, skipped, want)
	}
}
