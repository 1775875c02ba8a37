package local

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/cfwatch/cfwatch/report"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
)

// withField returns logLine's record with field i (0-based) set to v.
func withField(at time.Time, path string, status, i int, v string) string {
	f := strings.Split(strings.TrimSuffix(logLine(at, path, status), "\n"), "\t")
	f[i] = v
	return strings.Join(f, "\t") + "\n"
}

// A value that cannot be read loses that value, not the request: the
// records are in the report, their bad values unknown (an unreadable status
// in no class, unreadable bytes not summed), and the values are counted and
// listed as field errors in every format.
func TestFieldErrors(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(loggen.Header)
	for i := range 10 {
		b.WriteString(logLine(t0.Add(time.Duration(i)*time.Minute), "/ok", 200))
	}
	at := t0.Add(30 * time.Minute)
	b.WriteString(withField(at, "/frac", 200, 30, "570129.7648412298"))    // line 13: sc-content-len
	b.WriteString(withField(at, "/status", 200, 8, "99999999999"))         // line 14: sc-status out of range
	b.WriteString(withField(at, "/bytes", 200, 3, "9223372036854775807"))  // line 15: sc-bytes beyond the bound
	b.WriteString(withField(at, "/bytes", 200, 3, "9223372036854775807"))  // line 16
	b.WriteString(withField(at, "/cookie", 200, 3, "session=SECRETVALUE")) // line 17: a shifted cookie
	b.WriteString(withField(at, "/late", 200, 0, "292278994-08-17"))       // line 18: cannot be placed: skipped
	for i := range 25 {
		b.WriteString(withField(at, "/many", 200, 26, fmt.Sprint(70000+i))) // c-port out of range
	}
	file := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-00.fielderr")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	w := source.Window{From: t0, Until: t0.Add(time.Hour)}
	objs, skipped, err := source.Local([]string{file}, w)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := run(context.Background(), objs, skipped, report.Options{Window: w})
	if err != nil {
		t.Fatal(err)
	}
	in := rep.Input
	if in.Records != 10+5+25 || in.SkippedLines != 1 || in.InvalidValues != 5+25 {
		t.Fatalf("records %d, skipped lines %d, invalid values %d; want 40, 1, 30", in.Records, in.SkippedLines, in.InvalidValues)
	}
	if len(in.FieldErrors) != report.MaxFieldErrors {
		t.Fatalf("%d field errors listed, want the first %d", len(in.FieldErrors), report.MaxFieldErrors)
	}
	for i, want := range []struct {
		line  int
		field string
	}{{13, "sc-content-len"}, {14, "sc-status"}, {15, "sc-bytes"}, {16, "sc-bytes"}, {17, "sc-bytes"}, {19, "c-port"}} {
		fe := in.FieldErrors[i]
		if fe.File != file || fe.Line != want.line || !strings.Contains(fe.Error, want.field) || !strings.Contains(fe.Error, fmt.Sprintf("line %d", want.line)) {
			t.Errorf("field error %d: %+v, want line %d field %s", i, fe, want.line, want.field)
		}
	}
	// Unknown values are unknown: the status is in no class but "unknown",
	// and the out-of-range byte counts add nothing (two max-int64 values
	// once summed to 17,876).
	if rep.Totals.Requests != 40 || rep.Status.Classes["2xx"] != 39 || rep.Status.Classes["unknown"] != 1 {
		t.Errorf("requests %d, classes %v", rep.Totals.Requests, rep.Status.Classes)
	}
	if want := int64(500 * (40 - 3)); rep.Totals.BytesSent != want {
		t.Errorf("bytes sent %d, want %d (the unreadable values unknown)", rep.Totals.BytesSent, want)
	}

	var doc struct {
		Input struct {
			InvalidValues int64 `json:"invalid_values"`
			FieldErrors   []struct {
				File  string `json:"file"`
				Line  int    `json:"line"`
				Error string `json:"error"`
			} `json:"field_errors"`
			LineErrors []json.RawMessage `json:"line_errors"`
		} `json:"input"`
		Status struct {
			Classes map[string]int64 `json:"classes"`
		} `json:"status"`
	}
	js := render(t, rep, report.FormatJSON, report.WriteOptions{})
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Input.InvalidValues != 30 || len(doc.Input.FieldErrors) != report.MaxFieldErrors || len(doc.Input.LineErrors) != 1 ||
		doc.Input.FieldErrors[0].Line != 13 || doc.Input.FieldErrors[0].File != file || doc.Status.Classes["unknown"] != 1 {
		t.Errorf("JSON input: %+v", doc.Input)
	}

	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown, report.FormatHTML, report.FormatJSON} {
		out := string(render(t, rep, f, report.WriteOptions{}))
		if strings.Contains(out, "SECRETVALUE") {
			t.Errorf("%s: a cookie value from a bad field is shown", f)
		}
		if f == report.FormatJSON {
			continue
		}
		for _, want := range []string{"30 invalid values", "line 13", "sc-content-len", "line 14", "… and 10 more invalid values"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s output lacks %q", f, want)
			}
		}
	}
}
