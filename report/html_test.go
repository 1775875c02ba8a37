package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"github.com/cfwatch/cfwatch/report"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// htmlNode is an element of the page, in document order, with the text
// that comes before it.
type htmlNode struct {
	name   string
	attr   map[string]string
	before int    // length of the page's text before the element
	text   string // for <style>: its content
}

// parsePage reads the page strictly as XML (it is well-formed) into its
// elements and its text.
func parsePage(t *testing.T, page []byte) (nodes []htmlNode, text string) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	var b strings.Builder
	inStyle := -1
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
			n := htmlNode{name: el.Name.Local, attr: map[string]string{}, before: b.Len()}
			for _, a := range el.Attr {
				n.attr[a.Name.Local] = a.Value
			}
			if n.name == "style" {
				inStyle = len(nodes)
			}
			nodes = append(nodes, n)
		case xml.EndElement:
			if el.Name.Local == "style" {
				inStyle = -1
			}
		case xml.CharData:
			if inStyle >= 0 {
				nodes[inStyle].text += string(el)
				continue
			}
			b.Write(el)
		}
	}
	return nodes, b.String()
}

// widthProps are the CSS properties that set how wide something is at the
// least: a length in them larger than a phone's screen makes the page
// wider than the screen.
var widthProps = regexp.MustCompile(`(?i)(?:^|[;{\s])((?:min-)?width|flex-basis|flex|grid-template-columns|grid-auto-columns|column-width)\s*:\s*([^;}]*)`)

var pxLength = regexp.MustCompile(`(\d+(?:\.\d+)?)px`)

// tooWide returns the declarations of css that set a width, a minimum
// width or a column wider than limit pixels (max-width only bounds, and
// may be anything).
func tooWide(css string, limit float64) []string {
	var bad []string
	for _, m := range widthProps.FindAllStringSubmatch(css, -1) {
		for _, px := range pxLength.FindAllStringSubmatch(m[2], -1) {
			if v, _ := strconv.ParseFloat(px[1], 64); v > limit {
				bad = append(bad, strings.TrimSpace(m[1]+": "+m[2]))
			}
		}
	}
	return bad
}

func TestTooWide(t *testing.T) {
	for css, want := range map[string]int{
		"main { max-width: 1180px; margin: 0 auto; }":                           0,
		"table { width: 566px; }":                                               1,
		"table { border: 1px; width: 100%; }":                                   0,
		".eps { grid-template-columns: repeat(auto-fill, minmax(340px, 1fr)) }": 0,
		".eps { grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)) }": 1,
		".x{min-width:500px}":                                                   1,
		".sw { width: 10px; height: 10px }":                                     0,
		".a { flex: 0 0 480px } .b { max-width: 900px }":                        1,
	} {
		if got := tooWide(css, 420); len(got) != want {
			t.Errorf("%q: %v, want %d too wide", css, got, want)
		}
	}
}

// TestHTMLAnswerFirst holds the page to what makes it read on a phone and
// put the answer first: each finding's cause and fix come before the first
// chart; a viewport meta tag; no width in the CSS or a style attribute
// wider than a 420 px screen but max-width; charts that scale (a viewBox,
// no fixed size); the tables in a wrapper that scrolls them; paths with a
// place to break at each "/".
func TestHTMLAnswerFirst(t *testing.T) {
	rep := goldenReport(t)
	if len(rep.Findings) == 0 || rep.Findings[0].Cause == "" || rep.Findings[0].Remedy == "" {
		t.Fatal("the golden report has no finding with a cause and a fix")
	}
	page := render(t, rep, report.FormatHTML, report.WriteOptions{})
	nodes, text := parsePage(t, page)

	firstChart := -1
	for _, n := range nodes {
		if n.name == "svg" {
			firstChart = n.before
			break
		}
	}
	if firstChart < 0 {
		t.Fatal("no chart")
	}
	for _, f := range rep.Findings {
		for what, s := range map[string]string{"summary": f.Summary(), "cause": f.Cause, "fix": f.Remedy} {
			i := strings.Index(text, s)
			switch {
			case i < 0:
				t.Errorf("%s: the page lacks its %s %q", f.Rule, what, s)
			case i > firstChart:
				t.Errorf("%s: its %s comes after the first chart", f.Rule, what)
			}
		}
	}

	viewport, css := false, ""
	var tables, wrapped int
	for i, n := range nodes {
		switch n.name {
		case "meta":
			if n.attr["name"] == "viewport" {
				c := strings.ReplaceAll(n.attr["content"], " ", "")
				viewport = strings.Contains(c, "width=device-width") && strings.Contains(c, "initial-scale=1")
			}
		case "style":
			css += n.text
		case "svg":
			if !strings.HasPrefix(n.attr["viewBox"], "0 0 ") || n.attr["width"] != "" || n.attr["height"] != "" {
				t.Errorf("svg %q: viewBox %q, width %q, height %q: a chart must scale", n.attr["data-chart"], n.attr["viewBox"], n.attr["width"], n.attr["height"])
			}
		case "table":
			tables++
			// The wrapper is the element just before the table.
			if i > 0 && nodes[i-1].name == "div" && nodes[i-1].attr["class"] == "tw" {
				wrapped++
			}
		}
		if st := n.attr["style"]; st != "" {
			if bad := tooWide("x{"+st+"}", 420); len(bad) > 0 {
				t.Errorf("<%s style=%q>: too wide for a phone: %v", n.name, st, bad)
			}
		}
	}
	if !viewport {
		t.Error("no <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
	}
	if css == "" {
		t.Fatal("no <style>")
	}
	if bad := tooWide(css, 420); len(bad) > 0 {
		t.Errorf("CSS wider than a 420 px phone: %v", bad)
	}
	if !strings.Contains(css, "overflow-x: auto") || tables == 0 || wrapped != tables {
		t.Errorf("%d of %d tables in a scrolling wrapper", wrapped, tables)
	}
	if !strings.Contains(css, "@media (max-width: 600px)") {
		t.Error("no rules for a phone's width")
	}
	// A path breaks at its slashes: /api/auth/callback/* has a <wbr/>
	// before each "/" but the first.
	if !strings.Contains(string(page), "<code>/api<wbr/>/auth<wbr/>/callback<wbr/>/*</code>") {
		t.Error("the callback endpoint's path has no <wbr/> at its slashes")
	}
}

// TestNoDataYet: a window that runs past the last record delivered (the
// golden logs end at 04:00): the intervals after it are marked in the
// JSON series, drawn as "no data yet" in the charts, and given a mark of
// their own and a note in the text and Markdown timelines.
func TestNoDataYet(t *testing.T) {
	end := t0.Add(5 * time.Hour)
	rep := goldenReport(t, func(o *report.Options) {
		o.Window.Until = end
		o.Baseline = nil
	})
	nd := rep.Series.NoDataAfter
	if nd == nil || nd.Before(incidentUntil.Add(-time.Minute)) || !nd.Before(incidentUntil) {
		t.Fatalf("no_data_after %v, want the last record, just before %v", nd, incidentUntil)
	}
	after := 0
	for i, p := range rep.Series.Points {
		if rep.Series.NoData(i) != p.Start.After(*nd) {
			t.Errorf("point %d at %v: NoData %v", i, p.Start, rep.Series.NoData(i))
		}
		if p.Start.After(*nd) {
			after++
			if p.Requests != 0 {
				t.Errorf("point %d at %v: %d requests after the last record", i, p.Start, p.Requests)
			}
		}
	}
	if after != 12 { // 04:00–05:00 in 5m points
		t.Errorf("%d points after the last record, want 12", after)
	}

	// JSON: the series says when; the window that was all delivered does not.
	var doc struct {
		Series struct {
			NoDataAfter *string `json:"no_data_after"`
		} `json:"series"`
	}
	if err := json.Unmarshal(render(t, rep, report.FormatJSON, report.WriteOptions{}), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Series.NoDataAfter == nil || *doc.Series.NoDataAfter != nd.Format(time.RFC3339Nano) {
		t.Errorf("JSON no_data_after %v, want %s", doc.Series.NoDataAfter, nd.Format(time.RFC3339))
	}
	if full := goldenReport(t); full.Series.NoDataAfter != nil || full.Baseline.Series.NoDataAfter != nil ||
		bytes.Contains(render(t, full, report.FormatJSON, report.WriteOptions{}), []byte("no_data_after")) {
		t.Error("no_data_after set on a window whose logs are all delivered")
	}

	// Text and Markdown: the marks after 04:00 are the no-data mark, and a
	// note says when the logs end.
	for _, f := range []report.Format{report.FormatText, report.FormatMarkdown} {
		out := string(render(t, rep, f, report.WriteOptions{}))
		var spark string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "Requests ") && strings.ContainsAny(l, string(report.SparkMarks)) {
				spark = l
				break
			}
		}
		if !regexp.MustCompile(`[▁▂▃▄▅▆▇█]` + strings.Repeat(string(report.NoDataMark), 12) + ` +peak`).MatchString(spark) {
			t.Errorf("%s: requests timeline %q does not end with 12 no-data marks", f, spark)
		}
		if note := fmt.Sprintf("%c no data yet: the logs delivered so far end at 03:59 UTC", report.NoDataMark); !strings.Contains(out, note) {
			t.Errorf("%s: no note %q in\n%s", f, note, out)
		}
	}

	// HTML: each time chart has the hatched region from the last record to
	// the end, labelled; the intervals after it are marked, their bars and
	// the auth failures' line stop at it.
	page := render(t, rep, report.FormatHTML, report.WriteOptions{})
	nodes, _ := parsePage(t, page)
	type chart struct {
		ndX, ndW  float64
		label     bool
		hover, nd int
		maxBarEnd float64
		maxLineX  float64
	}
	charts := map[string]*chart{}
	var cur *chart
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, n := range nodes {
		switch {
		case n.name == "svg":
			cur = &chart{ndX: -1}
			charts[n.attr["data-chart"]] = cur
		case cur == nil:
		case n.name == "rect" && n.attr["class"] == "nodata":
			cur.ndX, cur.ndW = num(n.attr["x"]), num(n.attr["width"])
		case n.name == "text" && n.attr["class"] == "nodatal":
			cur.label = true
		case n.name == "rect" && n.attr["class"] == "hv":
			cur.hover++
			if n.attr["data-no-data"] == "true" {
				cur.nd++
			}
		case n.name == "rect" && (n.attr["class"] == "ok" || n.attr["class"] == "e4" || n.attr["class"] == "e5"):
			cur.maxBarEnd = max(cur.maxBarEnd, num(n.attr["x"]))
		case n.name == "polyline" && n.attr["class"] == "auth":
			for _, pt := range strings.Fields(n.attr["points"]) {
				x, _, _ := strings.Cut(pt, ",")
				cur.maxLineX = max(cur.maxLineX, num(x))
			}
		}
	}
	for _, id := range []string{"requests", "errors", "cache"} {
		c := charts[id]
		if c == nil {
			t.Fatalf("no chart %s", id)
		}
		// 04:00 of 02:00–05:00 on a plot from 64 to 984.
		if want := 64 + 920*2/3.0; c.ndX < want-1 || c.ndX > want || c.ndX+c.ndW < 983 {
			t.Errorf("chart %s: no-data region %.1f+%.1f, want from about %.1f to the end", id, c.ndX, c.ndW, want)
		}
		if !c.label || c.nd != 12 || c.hover != len(rep.Series.Points) {
			t.Errorf("chart %s: label %v, %d of %d intervals marked no-data, want 12", id, c.label, c.nd, c.hover)
		}
		if c.maxBarEnd > c.ndX {
			t.Errorf("chart %s: a bar at %.1f, in the no-data region from %.1f", id, c.maxBarEnd, c.ndX)
		}
	}
	if c := charts["errors"]; c.maxLineX == 0 || c.maxLineX > c.ndX {
		t.Errorf("the auth failures' line reaches %.1f, the no-data region starts at %.1f", c.maxLineX, c.ndX)
	}
	if c := charts["ep0"]; c == nil || c.ndX < 0 {
		t.Error("the callback endpoint's chart has no no-data region")
	}
	if !strings.Contains(string(page), `<span class="sw nodata"></span>no data yet`) {
		t.Error("no legend for the no-data region")
	}
}
