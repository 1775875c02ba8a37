package ingestcmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/loggen"
)

// A file whose values cannot all be read is ingested whole, and the summary
// says how many values were written as NULL; a file that is not a log
// (binary, a gzip bomb, a header that names a field twice) is named and
// makes the exit status 1.
func TestLocalInvalidValuesAndNotLogs(t *testing.T) {
	dir := t.TempDir()
	good := "2026-11-20\t12:00:01\tIAD89-C1\t500\t192.0.2.1\tGET\td111111abcdef8.cloudfront.net\t/\t200\t-\tMozilla/5.0\t-\t-\tHit\treq\tapp.example.com\thttps\t100\t0.010\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t443\t0.010\tHit\ttext/html\t10\t-\t-\n"
	frac := strings.Replace(good, "\ttext/html\t10\t", "\ttext/html\t570129.7648412298\t", 1)
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("E2QWRUHEXAMPLE.2026-11-20-12.a.gz", testenv.Gzip(t, []byte(loggen.Header+good+frac+frac)))
	code, stdout, stderr := runCmd(t, nil, "--local", dir, "--out", t.TempDir())
	if code != exitOK || !strings.Contains(stdout, "3 records, 2 invalid values written as NULL") ||
		!strings.Contains(stdout, "(0 lines skipped, 2 invalid values)") || !strings.Contains(stderr, "sc-content-len") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	write("E2QWRUHEXAMPLE.2026-11-20-13.bomb.gz", testenv.Gzip(t, make([]byte, 16<<20)))
	write("E2QWRUHEXAMPLE.2026-11-20-13.dup.gz", testenv.Gzip(t, []byte("#Version: 1.0\n#Fields: date time sc-status cs-uri-stem sc-status\n2026-11-20\t13:00:00\t200\t/\t403\n")))
	code, stdout, _ = runCmd(t, nil, "--local", dir, "--out", t.TempDir())
	if code != exitFailed || !strings.Contains(stdout, "2 not a CloudFront log") {
		t.Fatalf("exit %d, want %d:\n%s", code, exitFailed, stdout)
	}
	for _, want := range []string{"bomb.gz: 0 records: ", "binary", "dup.gz: 0 records: ", "names \"sc-status\" twice"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, stdout)
		}
	}

	code, stdout, _ = runCmd(t, nil, "--local", dir, "--out", t.TempDir(), "--format", "json")
	var doc struct {
		Files []struct {
			Status        string `json:"status"`
			InvalidValues int64  `json:"invalid_values"`
		} `json:"files"`
		Totals struct {
			NotLogs       int   `json:"not_logs"`
			InvalidValues int64 `json:"invalid_values"`
		} `json:"totals"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != exitFailed {
		t.Fatalf("exit %d, %v:\n%s", code, err, stdout)
	}
	if doc.Totals.NotLogs != 2 || doc.Totals.InvalidValues != 2 {
		t.Errorf("JSON totals %+v", doc.Totals)
	}
}
