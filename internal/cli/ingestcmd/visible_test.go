package ingestcmd

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/visible/visibletest"
	"github.com/cfwatch/cfwatch/loggen"
)

// TestLocalVisible: ingest --local over logs whose path, file name and a
// skipped line carry escape sequences and a bidi override, and a corrupt
// file with such a name: the summary and the findings on stdout, and the
// log lines and errors on stderr, hold none of them raw; the path and the
// file names are there, escaped.
func TestLocalVisible(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(loggen.Header)
	line := func(hhmmss string, i int) string {
		return strings.Join([]string{"2026-03-01", hhmmss, "LHR50-C1", "512", fmt.Sprintf("198.51.100.%d", i%20+1), "GET",
			"d111111abcdef8.cloudfront.net", "/api/auth/callback/%1B[31mred%1B[0m", "403", "-", "Mozilla/5.0", "-", "-",
			"Error", fmt.Sprintf("req%02d", i), "app.example.com", "https", "300", "0.050", "-", "TLSv1.3",
			"TLS_AES_128_GCM_SHA256", "Error", "HTTP/2.0", "-", "-", "443", "0.050", "Error", "text/html", "100", "-", "-"}, "\t") + "\n"
	}
	for i := range 30 {
		b.WriteString(line(fmt.Sprintf("10:%02d:%02d", i/6, i*7%60), i))
	}
	b.WriteString(line("10:61:\x1b[2J\u202e", 99)) // skipped: no time
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(b.String()))
	zw.Close()
	os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-03-01-10.ab\x1b]0;pwned\x07cd.gz"), gz.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "E2QWRUHEXAMPLE.2026-03-01-11.ef\u202egh.gz"), gz.Bytes()[:gz.Len()/2], 0o644)

	code, stdout, stderr := runCmd(t, nil, "--local", dir, "--out", t.TempDir(), "--verbose")
	if code != exitFailed {
		t.Fatalf("exit %d:\n%s\n%s", code, stdout, stderr)
	}
	for name, out := range map[string]string{"stdout": stdout, "stderr": stderr} {
		if raw := visibletest.Raw([]byte(out), "\n"); raw != nil {
			t.Errorf("%s: %d raw characters, first %q\n%s", name, len(raw), raw[:min(len(raw), 3)], out)
		}
	}
	for _, want := range []string{"auth-403-burst", `/api/auth/callback/\x1b[31mred\x1b[0m`, `ab\x1b]0;pwned\x07cd.gz`, `ef\u202egh.gz`} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if !strings.Contains(stderr, "line skipped") || !strings.Contains(stderr, `ab\\x1b]0;pwned\\x07cd.gz`) {
		t.Errorf("stderr lacks the skipped line, escaped:\n%s", stderr)
	}
}
