package report

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/loggen"
	"github.com/cfwatch/cfwatch/source"
	"github.com/cfwatch/cfwatch/traffic"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	t0 = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	// The golden input: four hours of a modest site whose /api/* behavior
	// starts forwarding the viewer's Host header to API Gateway at 03:00.
	incidentFrom, incidentUntil = t0.Add(3 * time.Hour), t0.Add(4 * time.Hour)
	window                      = source.Window{From: t0.Add(2 * time.Hour), Until: t0.Add(4 * time.Hour)}
)

var (
	logsOnce sync.Once
	logsDir  string
	logsErr  error
)

// goldenLogs writes the golden input once per test run.
func goldenLogs(t *testing.T) string {
	t.Helper()
	logsOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cfwatch-report-test")
		if err != nil {
			logsErr = err
			return
		}
		logsDir = filepath.Join(dir, "logs")
		cfg := loggen.Config{Seed: 7, Start: t0, Duration: 4 * time.Hour, RequestsPerHour: 4000,
			Incidents: []loggen.Incident{{Kind: loggen.APIOrigin403, From: incidentFrom, Until: incidentUntil, Rate: 1}}}
		_, logsErr = loggen.WriteDir(context.Background(), logsDir, cfg)
	})
	if logsErr != nil {
		t.Fatal(logsErr)
	}
	return logsDir
}

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	if logsDir != "" {
		os.RemoveAll(filepath.Dir(logsDir))
	}
	if incidentsDir != "" {
		os.RemoveAll(incidentsDir)
	}
	os.Exit(code)
}

// goldenReport runs the report of the golden input: the window 02:00–04:00
// compared with the two hours before.
func goldenReport(t *testing.T, mutate ...func(*Options)) *Report {
	t.Helper()
	dir := goldenLogs(t)
	base := Shifted(window, 2*time.Hour)
	opts := Options{Window: window, Baseline: &base}
	for _, f := range mutate {
		f(&opts)
	}
	objs, skipped, err := source.Local([]string{dir}, Union(opts.Window, opts.Baseline))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), objs, skipped, opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func render(t *testing.T, rep *Report, f Format, o WriteOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := rep.Write(&b, f, o); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestGolden compares the text (without colour), JSON and Markdown reports
// of the golden input with testdata/report.*.golden. Run with -update to
// rewrite them after a deliberate change, and read the diff.
func TestGolden(t *testing.T) {
	rep := goldenReport(t)
	for _, c := range []struct {
		f    Format
		file string
	}{{FormatText, "report.txt.golden"}, {FormatJSON, "report.json.golden"}, {FormatMarkdown, "report.md.golden"}} {
		t.Run(string(c.f), func(t *testing.T) {
			got := render(t, rep, c.f, WriteOptions{})
			path := filepath.Join("testdata", c.file)
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := range min(len(gl), len(wl)) {
					if gl[i] != wl[i] {
						t.Fatalf("%s differs from %s at line %d:\n got: %s\nwant: %s\n(go test ./report -run TestGolden -update rewrites it)", c.f, path, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%s differs from %s in length: %d lines, want %d", c.f, path, len(gl), len(wl))
			}
		})
	}
}

// TestDeterministic: the same input gives the same bytes in every format,
// whatever the order the objects are listed in.
func TestDeterministic(t *testing.T) {
	a := goldenReport(t)
	b := goldenReport(t, func(o *Options) {}) // a second, independent run
	dir := goldenLogs(t)
	objs, skipped, err := source.Local([]string{dir}, Union(window, a.base.winPtr()))
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(objs)
	base := Shifted(window, 2*time.Hour)
	c, err := Run(context.Background(), objs, skipped, Options{Window: window, Baseline: &base})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats() {
		ra, rb, rc := render(t, a, f, WriteOptions{}), render(t, b, f, WriteOptions{}), render(t, c, f, WriteOptions{})
		if !bytes.Equal(ra, rb) || !bytes.Equal(ra, rc) {
			t.Errorf("%s: two runs over the same input differ", f)
		}
	}
}

func (t *tally) winPtr() *source.Window { return &t.win }

func TestSeries(t *testing.T) {
	rep := goldenReport(t)
	s := rep.Series
	if s.Interval != "5m" || s.IntervalSeconds != 300 || len(s.Points) != 24 {
		t.Fatalf("series of a 2h window: %s, %d points", s.Interval, len(s.Points))
	}
	var sum traffic.Point
	for i, p := range s.Points {
		if want := window.From.Add(time.Duration(i) * 5 * time.Minute); !p.Start.Equal(want) {
			t.Errorf("point %d starts at %v, want %v", i, p.Start, want)
		}
		sum.Add(p.point())
	}
	if sum.Requests != rep.Totals.Requests || sum.Errors4xx != rep.Status.Classes["4xx"] || sum.Errors5xx != rep.Status.Classes["5xx"] {
		t.Errorf("series sums %+v, totals %+v, classes %v", sum, rep.Totals, rep.Status.Classes)
	}
	var auth int64
	for _, e := range rep.AuthEndpoints {
		var r, f int64
		for i := range e.Series.Requests {
			r, f = r+e.Series.Requests[i], f+e.Series.Failures[i]
		}
		if r != e.Requests || f != e.Failures {
			t.Errorf("%s: series sums %d/%d, totals %d/%d", e.Endpoint, r, f, e.Requests, e.Failures)
		}
		auth += e.Requests
	}
	if auth == 0 || auth > sum.AuthRequests {
		t.Errorf("endpoint requests %d, auth requests %d", auth, sum.AuthRequests)
	}
	// The burst: every 4xx-heavy point lies in the incident.
	peak := 0
	for i, p := range s.Points {
		if p.Errors4xx > s.Points[peak].Errors4xx {
			peak = i
		}
	}
	if at := s.Points[peak].Start; at.Before(incidentFrom) || !at.Before(incidentUntil) {
		t.Errorf("most 4xx at %v, outside the incident", at)
	}
	// The baseline has the same shape, one window earlier.
	bl := rep.Baseline
	if bl == nil || len(bl.Series.Points) != 24 || !bl.Series.Points[0].Start.Equal(t0) || bl.Offset != "2h" || bl.Totals.Requests == 0 {
		t.Fatalf("baseline %+v", bl)
	}
}

// TestHTML checks that the page is well-formed (it is XHTML-compatible:
// encoding/xml reads it strictly), self-contained, and draws the series: the
// interval with the most 4xx lies in the incident.
func TestHTML(t *testing.T) {
	rep := goldenReport(t)
	page := render(t, rep, FormatHTML, WriteOptions{})
	s := string(page)
	for _, bad := range []string{"<script", "src=", `href="h`, "@import", "url(", "<link"} {
		if strings.Contains(s, bad) {
			t.Errorf("page has %q: it must need nothing from outside", bad)
		}
	}
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	type hover struct {
		start time.Time
		e4xx  int64
	}
	charts := map[string][]hover{}
	var chart string
	var depth, maxDepth int
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			depth++
			maxDepth = max(maxDepth, depth)
			attr := func(name string) string {
				for _, a := range el.Attr {
					if a.Name.Local == name {
						return a.Value
					}
				}
				return ""
			}
			if el.Name.Local == "svg" {
				chart = attr("data-chart")
			}
			if el.Name.Local == "rect" && attr("class") == "hv" {
				at, err := time.Parse(time.RFC3339, attr("data-start"))
				if err != nil {
					t.Fatal(err)
				}
				n, err := strconv.ParseInt(attr("data-4xx"), 10, 64)
				if err != nil {
					t.Fatal(err)
				}
				charts[chart] = append(charts[chart], hover{at, n})
			}
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 || maxDepth < 5 {
		t.Errorf("unbalanced: depth %d at the end", depth)
	}
	for _, id := range []string{"requests", "errors", "cache"} {
		h := charts[id]
		if len(h) != len(rep.Series.Points) {
			t.Fatalf("chart %s has %d intervals, want %d", id, len(h), len(rep.Series.Points))
		}
		peak := slices.MaxFunc(h, func(a, b hover) int { return int(a.e4xx - b.e4xx) })
		if peak.start.Before(incidentFrom) || !peak.start.Before(incidentUntil) {
			t.Errorf("chart %s: most 4xx at %v, outside the incident %v–%v", id, peak.start, incidentFrom, incidentUntil)
		}
	}
	for _, want := range []string{"api-origin-forbidden", "Compared with", "/api/auth/callback/*", `class="band"`, "<polyline"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// logLine is one record in the 33-field layout.
func logLine(at time.Time, path string, status int) string {
	f := []string{at.Format("2006-01-02"), at.Format("15:04:05"), "IAD89-C1", "500", "192.0.2.1", "GET", "d111111abcdef8.cloudfront.net",
		path, strconv.Itoa(status), "-", "Mozilla/5.0", "-", "-", "Miss", "abc" + strconv.Itoa(status), "app.example.com", "https", "100",
		"0.010", "-", "TLSv1.3", "TLS_AES_128_GCM_SHA256", "Miss", "HTTP/2.0", "-", "-", "443", "0.010", "Miss", "text/html", "10", "-", "-"}
	return strings.Join(f, "\t") + "\n"
}

// TestEscaping: values from the request cannot break out of the Markdown
// tables or the HTML.
func TestEscaping(t *testing.T) {
	dir := t.TempDir()
	nasty := []string{"/a|b`c", "/<script>alert(1)</script>", "/x&y\"z'", "/``|``"}
	var b strings.Builder
	b.WriteString(loggen.Header)
	for i := range 40 {
		for _, p := range nasty {
			b.WriteString(logLine(t0.Add(time.Duration(i)*time.Minute), p, 404))
		}
	}
	file := filepath.Join(dir, "E2QWRUHEXAMPLE.2026-11-20-00.test")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	objs, skipped, err := source.Local([]string{file}, source.Window{From: t0, Until: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), objs, skipped, Options{Window: source.Window{From: t0, Until: t0.Add(time.Hour)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != len(nasty) {
		t.Fatalf("error paths %+v", rep.Errors)
	}
	md := string(render(t, rep, FormatMarkdown, WriteOptions{}))
	for _, want := range []string{"| ``/a\\|b`c`` |", "| `/<script>alert(1)</script>` |", "| ``` /``\\|`` ``` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	// Every row of a table has as many cell separators as its header.
	cols := -1
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "|") {
			cols = -1
			continue
		}
		n := strings.Count(line, "|") - strings.Count(line, `\|`)
		if cols < 0 {
			cols = n
		} else if n != cols {
			t.Errorf("a pipe breaks the table row %q", line)
		}
	}
	page := string(render(t, rep, FormatHTML, WriteOptions{}))
	// Paths are cut for line breaks at their slashes (<wbr/>).
	unbroken := strings.ReplaceAll(page, "<wbr/>", "")
	if strings.Contains(page, "<script>") || !strings.Contains(unbroken, "/&lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(unbroken, "/x&amp;y&#34;z&#39;") {
		t.Errorf("html does not escape the paths")
	}
	d := xml.NewDecoder(strings.NewReader(page))
	d.Strict = true
	for {
		if _, err := d.Token(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("not well-formed: %v", err)
		}
	}
}

func TestMarkdownCode(t *testing.T) {
	for in, want := range map[string]string{
		"/a":    "`/a`",
		"/a|b":  "`/a\\|b`",
		"/a`b":  "``/a`b``",
		"`/a``": "``` `/a`` ```",
	} {
		if got := mdCode(in, true); got != want {
			t.Errorf("mdCode(%q) = %q, want %q", in, got, want)
		}
	}
	if got := mdEscape("/api/*|x_y<b>"); got != `/api/\*\|x\_y\<b\>` {
		t.Errorf("mdEscape: %q", got)
	}
}

// TestColor: colour only on request, and the layout is the same without
// the escape codes.
func TestColor(t *testing.T) {
	rep := goldenReport(t)
	plain := string(render(t, rep, FormatText, WriteOptions{}))
	color := string(render(t, rep, FormatText, WriteOptions{Color: true}))
	if strings.Contains(plain, "\x1b[") {
		t.Error("plain text has escape codes")
	}
	if !strings.Contains(color, "\x1b[1;31mCRITICAL") {
		t.Error("no red CRITICAL in the coloured text")
	}
	if stripANSI(color) != plain {
		t.Error("colour changes the layout")
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		j := strings.IndexByte(s[i:], 'm')
		s = s[i+j+1:]
	}
}

// TestCompare: the baseline figures, and the endpoint whose failures moved.
func TestCompare(t *testing.T) {
	rep := goldenReport(t)
	bl := rep.Baseline
	cb, bcb := rep.AuthEndpoints[0], bl.AuthEndpoints[0]
	if cb.Endpoint != "callback/*" || bcb.FailureRate > 0.1 || cb.FailureRate < 0.3 {
		t.Errorf("callback failure rate %v then, %v now", bcb.FailureRate, cb.FailureRate)
	}
	if bl.Status.Classes["4xx"]*3 > rep.Status.Classes["4xx"] {
		t.Errorf("4xx %d then, %d now", bl.Status.Classes["4xx"], rep.Status.Classes["4xx"])
	}
	if len(bl.ChangedPaths) == 0 || bl.ChangedPaths[0].Change < 0.3 {
		t.Errorf("changed paths %+v", bl.ChangedPaths)
	}
	text := string(render(t, rep, FormatText, WriteOptions{}))
	line := ""
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, "/api/auth/callback/* failed") {
			line = l
		}
	}
	if !strings.Contains(line, "403: ") || !strings.Contains(line, " → ") {
		t.Errorf("no one-line callback comparison in:\n%s", text)
	}
}

// TestBaselineWindow: --compare looks back a day (whole days for a longer
// window, so that the periods never overlap); --baseline sets the offset,
// with or without --compare.
func TestBaselineWindow(t *testing.T) {
	at := func(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }
	for _, c := range []struct {
		from, until float64 // hours after t0
		baseline    string
		compare     bool
		back        time.Duration // 0: no baseline
	}{
		{22, 28, "", true, 24 * time.Hour}, // the night with the night before, not with the afternoon
		{0, 1, "", true, 24 * time.Hour},
		{0, 24, "", true, 24 * time.Hour},
		{0, 25, "", true, 48 * time.Hour},
		{0, 7 * 24, "", true, 7 * 24 * time.Hour},
		{0, 6, "7d", false, 7 * 24 * time.Hour},
		{0, 6, "7d", true, 7 * 24 * time.Hour},
		{0, 6, "90m", false, 90 * time.Minute},
		{0, 6, "", false, 0},
	} {
		w := source.Window{From: at(c.from), Until: at(c.until)}
		b, err := BaselineWindow(w, c.baseline, c.compare)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case c.back == 0 && b != nil:
			t.Errorf("%+v: baseline %v, want none", c, b)
		case c.back != 0 && (b == nil || !b.From.Equal(w.From.Add(-c.back)) || !b.Until.Equal(w.Until.Add(-c.back))):
			t.Errorf("%+v: baseline %v, want the window %v earlier", c, b, c.back)
		}
	}
	if _, err := BaselineWindow(window, "yesterday", true); err == nil || !strings.Contains(err.Error(), "--baseline") {
		t.Errorf("--baseline yesterday: %v", err)
	}
}

// TestProgress: the callback sees the input advance to its end.
func TestProgress(t *testing.T) {
	var calls []Progress
	rep := goldenReport(t, func(o *Options) { o.Progress = func(p Progress) { calls = append(calls, p) } })
	if len(calls) < 2 {
		t.Fatalf("%d progress calls", len(calls))
	}
	last := calls[len(calls)-1]
	if last.FilesDone != rep.Input.Files || last.FilesTotal != rep.Input.Files || last.BytesDone != rep.Input.Bytes || last.BytesTotal != rep.Input.Bytes {
		t.Errorf("last progress %+v, input %+v", last, rep.Input)
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].BytesDone < calls[i-1].BytesDone || calls[i].FilesDone < calls[i-1].FilesDone {
			t.Errorf("progress went back: %+v then %+v", calls[i-1], calls[i])
		}
	}
}

// TestBaselinePruning: objects listed for both periods are read only when
// their names put them in one.
func TestBaselinePruning(t *testing.T) {
	dir := goldenLogs(t)
	// The window 03:00–04:00 and a baseline 7 days earlier: no file holds
	// the baseline, and files far from 03:00 are not read.
	w := source.Window{From: t0.Add(3 * time.Hour), Until: t0.Add(4 * time.Hour)}
	base := Shifted(w, 7*24*time.Hour)
	objs, skipped, err := source.Local([]string{dir}, Union(w, &base))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), objs, skipped, Options{Window: w, Baseline: &base})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Input.Files != 8 || rep.Input.FilesOutsideWindow != 8 {
		t.Errorf("read %d files, %d outside; want 8 and 8", rep.Input.Files, rep.Input.FilesOutsideWindow)
	}
	if rep.Baseline.Totals.Requests != 0 || !strings.Contains(string(render(t, rep, FormatText, WriteOptions{})), "no requests in the baseline window") {
		t.Errorf("baseline %+v", rep.Baseline.Totals)
	}
	var doc map[string]any
	if err := json.Unmarshal(render(t, rep, FormatJSON, WriteOptions{}), &doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["baseline"]; !ok {
		t.Error("no baseline in the JSON")
	}
}

func TestAuthClass(t *testing.T) {
	for p, want := range map[string]string{
		"/api/auth/callback/cognito": "true 0",
		"/api/auth/session":          "true 1",
		"/api/auth/csrf":             "true 2",
		"/api/auth/signin":           "true 3",
		"/api/auth/signin/github":    "true 3",
		"/api/auth/signout":          "true 4",
		"/api/auth/providers":        "true -1",
		"/api/auth/callback":         "true -1",
		"/api/auth":                  "true -1",
		"/api//auth/%73ession":       "true 1",
		"/api/authx/session":         "false -1",
		"/api/items":                 "false -1",
		"/api/auth/../items":         "false -1",
	} {
		under, ep := authClass(p, "/api/auth")
		if got := fmt.Sprint(under, ep); got != want {
			t.Errorf("authClass(%q) = %s, want %s", p, got, want)
		}
	}
	// Auth.js v5 or a custom basePath.
	if under, ep := authClass("/auth/callback/github", detectors.CleanPrefix("/auth/*")); !under || ep != 0 {
		t.Errorf("authClass under /auth: %v %d", under, ep)
	}
}

// TestEmpty: a window without a request renders in every format.
func TestEmpty(t *testing.T) {
	w := source.Window{From: t0, Until: t0.Add(24 * time.Hour)}
	base := Shifted(w, 24*time.Hour)
	rep, err := Run(context.Background(), nil, 0, Options{Window: w, Baseline: &base})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Series.Points) != 96 || rep.Series.Points[95].CacheHitRatio != nil {
		t.Errorf("series %+v", rep.Series)
	}
	for _, f := range Formats() {
		out := render(t, rep, f, WriteOptions{})
		if f == FormatHTML {
			d := xml.NewDecoder(bytes.NewReader(out))
			d.Strict = true
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("html not well-formed: %v", err)
				}
			}
		}
		if f == FormatText && !strings.Contains(string(out), "no requests in the window") {
			t.Errorf("text: %s", out)
		}
	}
}
