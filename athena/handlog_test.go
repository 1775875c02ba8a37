package athena

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/internal/datasettest"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/report"
)

// A handLine is one request of a hand-written log (loggen.Header's 33
// fields): what a test sets of it. Empty fields are logged as "-"; an empty
// response result type is the result type's.
type handLine struct {
	method, path, status, result, response, detailed, ttfb, query, cookie, fle, ctype string
}

// handLog writes n requests of line's making, from t0 on at random steps of
// up to step, as one log file, and the dataset of it. It returns the logs'
// directory and the dataset's root.
func handLog(t *testing.T, seed uint64, n int, step time.Duration, line func(rng *rand.Rand, i int) handLine) (logs, root string) {
	t.Helper()
	tmp := t.TempDir()
	logs = filepath.Join(tmp, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	or := func(v string) string {
		if v == "" {
			return "-"
		}
		return v
	}
	var b strings.Builder
	b.WriteString(loggen.Header)
	at := t0
	for i := range n {
		at = at.Add(time.Duration(rng.Int64N(int64(step))))
		l := line(rng, i)
		if l.response == "" {
			l.response = l.result
		}
		fields := []string{
			at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "512", fmt.Sprintf("192.0.2.%d", rng.IntN(60)+1),
			l.method, "d111111abcdef8.cloudfront.net", l.path, l.status, "-", "Mozilla/5.0", or(l.query), or(l.cookie),
			l.result, fmt.Sprintf("h%06d==", i), "app.example.com", "https", "100", "0.050", "-", "TLSv1.3",
			"TLS_AES_128_GCM_SHA256", l.response, "HTTP/2.0", or(l.fle), "-", "443", or(l.ttfb), or(l.detailed),
			or(l.ctype), "120", "-", "-",
		}
		b.WriteString(strings.Join(fields, "\t") + "\n")
	}
	if err := os.WriteFile(filepath.Join(logs, "E2QWRUHEXAMPLE.2026-11-20-00.0000abcd"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(tmp, "ds")
	datasettest.Write(t, logs, root, dataset.Options{})
	return logs, root
}

// sameAsLocal computes the report of the logs and of their dataset root
// with the local engine, and of the dataset with the Athena engine (on
// DuckDB), and requires all three to be the same in every format. It
// returns the local engine's report.
func sameAsLocal(t *testing.T, logs, root string, opts report.Options) *report.Report {
	t.Helper()
	raw := localReport(t, logs, opts)
	local := localReport(t, root, opts)
	rep, err := Run(context.Background(), &duck{db: openTable(t, root)}, opts, Options{Dialect: DuckDB})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range report.Formats() {
		if r, l := formatOf(t, raw, f), formatOf(t, local, f); r != l {
			t.Errorf("%s reports over the logs and over the dataset differ:\n%s", f, firstDiff(r, l))
		}
		if l, a := formatOf(t, local, f), formatOf(t, rep, f); l != a {
			t.Errorf("%s reports of the local and the Athena engine differ:\n%s", f, firstDiff(l, a))
		}
	}
	return local
}

// formatOf is a report in format f without its input section (jsonOf).
func formatOf(t *testing.T, rep *report.Report, f report.Format) string {
	t.Helper()
	c := *rep
	c.Input = report.Input{}
	c.Coverage.NearestBefore, c.Coverage.NearestAfter = nil, nil
	var b bytes.Buffer
	if err := c.Write(&b, f, report.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// pickOf returns one of vs at random.
func pickOf(rng *rand.Rand, vs ...string) string { return vs[rng.IntN(len(vs))] }
