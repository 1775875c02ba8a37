package report_test

import (
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/report"
)

// TestInputLineOrder: the input line says the same things in the same
// order in every format.
func TestInputLineOrder(t *testing.T) {
	rep := goldenReport(t)
	in := &rep.Input
	in.InvalidValues, in.FilesFiltered, in.RecordsFiltered, in.FilesOutsideWindow = 3, 4, 5, 6
	in.FailedFiles = append(in.FailedFiles, report.FileError{File: "x.gz", Error: "x.gz: unexpected EOF"})
	clauses := []string{"skipped lines", "3 invalid values", "4 files of other distributions not read",
		"5 records of other distributions or hosts left out", "6 files outside the window not read", "1 files not read to the end"}
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown, report.FormatHTML} {
		out := string(render(t, rep, f, report.WriteOptions{}))
		last := -1
		for _, c := range clauses {
			i := strings.Index(out, c)
			if i < 0 {
				t.Errorf("%s: no %q in the input line", f, c)
				continue
			}
			if i < last {
				t.Errorf("%s: %q comes before the clause that should precede it", f, c)
			}
			last = i
		}
		if !strings.Contains(out, "not read to the end** (listed below)") && !strings.Contains(out, "not read to the end (listed below)") {
			t.Errorf("%s: the failed files are not said to be listed below", f)
		}
	}
}
