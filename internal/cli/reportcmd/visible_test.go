package reportcmd

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/visible/visibletest"
	"github.com/cfwatch/cfwatch/loggen"
)

// escLogs writes the example: 30 sign-in callbacks to
// /api/auth/callback/%1B[31mred%1B[0m answered 403 (enough for
// auth-403-burst), in a gzipped log whose name carries an OSC sequence, with
// one line that cannot be placed in time; and a corrupt gzipped file whose
// name carries a bidi override. It returns the directory.
func escLogs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(loggen.Header)
	line := func(hhmmss string, i int) string {
		return strings.Join([]string{"2026-03-01", hhmmss, "LHR50-C1", "512", fmt.Sprintf("198.51.100.%d", i%20+1), "GET",
			"d111111abcdef8.cloudfront.net", "/api/auth/callback/%1B[31mred%1B[0m", "403", "https://app.example.com/",
			"Mozilla/5.0%20%E2%80%AE", "code=abc&state=xyz", "-", "Error", fmt.Sprintf("req%02d%%1B%%5B2J", i),
			"app.example.com", "https", "300", "0.050", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Error", "HTTP/2.0",
			"-", "-", "443", "0.050", "Error", "text/html", "100", "-", "-"}, "\t") + "\n"
	}
	for i := range 30 {
		b.WriteString(line(fmt.Sprintf("10:%02d:%02d", i/6, i*7%60), i))
	}
	b.WriteString(line("10:61:\x1b[2J", 99)) // skipped: no time
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(b.String()))
	zw.Close()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("E2QWRUHEXAMPLE.2026-03-01-10.ab\x1b]0;pwned\x07cd.gz", gz.Bytes())
	write("E2QWRUHEXAMPLE.2026-03-01-11.ef\u202egh.gz", gz.Bytes()[:gz.Len()/2])
	return dir
}

// TestReportVisible runs report over escLogs in every format: the text,
// Markdown and HTML reports and stderr (the failed file, the log lines)
// hold no raw control, bidi or zero-width character (only their own
// newlines); the decoded path and the file names are there, escaped (in
// Markdown, as code spans). JSON keeps the decoded path exactly.
func TestReportVisible(t *testing.T) {
	dir := escLogs(t)
	for _, format := range []string{"text", "markdown", "html", "json"} {
		code, out, errs := runReport(t, "--source", dir, "--from", "2026-03-01T00:00:00Z", "--until", "2026-03-02T00:00:00Z",
			"--fail-on", "none", "--format", format)
		if code != exitUsage { // a file could not be read to the end
			t.Fatalf("%s: exit %d: %s", format, code, errs)
		}
		if raw := visibletest.Raw([]byte(errs), "\n"); raw != nil {
			t.Errorf("%s: stderr: %d raw characters, first %q", format, len(raw), raw[:min(len(raw), 3)])
		}
		if !strings.Contains(errs, `ef\u202egh.gz: read failed`) {
			t.Errorf("%s: stderr does not name the failed file, escaped:\n%s", format, errs)
		}
		if format == "json" {
			var rep struct {
				Findings []struct {
					Rule  string   `json:"rule"`
					Paths []string `json:"paths"`
				} `json:"findings"`
			}
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 1 || rep.Findings[0].Rule != "auth-403-burst" ||
				rep.Findings[0].Paths[0] != "/api/auth/callback/\x1b[31mred\x1b[0m" {
				t.Errorf("json: findings %+v", rep.Findings)
			}
			if strings.Contains(out, "\x1b") {
				t.Error("json: raw ESC")
			}
			continue
		}
		if raw := visibletest.Raw([]byte(out), "\n"); raw != nil {
			t.Errorf("%s: %d raw characters, first %q", format, len(raw), raw[:min(len(raw), 3)])
		}
		// The page lets long paths wrap with <wbr/>: formatting, not the value.
		shown := strings.ReplaceAll(out, "<wbr/>", "")
		for _, want := range []string{"auth-403-burst", `/api/auth/callback/\x1b[31mred\x1b[0m`, `ab\x1b]0;pwned\x07cd.gz`, `ef\u202egh.gz`} {
			if !strings.Contains(shown, want) {
				t.Errorf("%s: no %q in\n%s", format, want, out)
			}
		}
	}
}
