package alert

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cfwatch/cfwatch/detectors"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./alert -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./alert -run %s -update rewrites it):\n--- got\n%s\n--- want\n%s", path, t.Name(), got, want)
	}
}

// slackJSON is a message as chat.postMessage gets it.
func slackJSON(t *testing.T, f detectors.Finding, mc MessageContext) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(map[string]any{"text": Fallback(f, mc), "blocks": Blocks(f, mc)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hostile is a finding whose request-derived values try to ping the
// channel, hide a link, break the layout and smuggle entities.
func hostile() detectors.Finding {
	return detectors.Finding{
		Rule: detectors.RuleOriginErrors, Severity: detectors.SeverityWarning,
		Key:            "origin-errors|E2QWRUHEXAMPLE|app.example.com|/api/<!channel>",
		DistributionID: "E2QWRUHEXAMPLE",
		Host:           "app.example.com<!here>",
		Group:          "/api/<!channel>",
		FirstSeen:      t0, LastSeen: t0.Add(10 * time.Minute),
		Count: 12, Denominator: 40, DenominatorLabel: "requests",
		Paths: []string{
			"/api/<!channel>",
			"/api/<https://evil.example|click here>",
			"/api/&amp;lt;b&gt;",
			"/api/line\nbreak*bold*`code`",
			"/api/@channel @here <@U0123> <#C0123>",
		},
		Examples: []string{"<!everyone>", "id&amp;"},
		Clients:  3,
		Cause:    "12 of 40 requests to /api/<!channel> failed with 5xx",
		Remedy:   "The origin answered 5xx itself: check <https://evil.example|the logs>.",
	}
}

func TestGoldenMessages(t *testing.T) {
	f := burst403(t, "E2QWRUHEXAMPLE", "app.example.com", 2*time.Minute, 1)
	merged := f
	merged.Count, merged.Denominator, merged.ClientsCapped = 412, 1530, true
	merged.LastSeen = t0.Add(118 * time.Minute)
	noDist := f
	noDist.DistributionID, noDist.Key = "", "auth-403-burst||app.example.com|/api/auth/callback/*"
	cases := []struct {
		name string
		f    detectors.Finding
		mc   MessageContext
	}{
		{"auth-403-burst", f, MessageContext{ReportSources: []string{"s3://cf-logs/cloudfront/"}, Dataset: "s3://cf-data/cfwatch/"}},
		{"auth-403-burst-updated", merged, MessageContext{Files: 7, Updated: t0.Add(2 * time.Hour), ReportSources: []string{"s3://cf-logs/cloudfront/"}, Dataset: "s3://cf-data/cfwatch/"}},
		{"auth-403-burst-ongoing", merged, MessageContext{Ongoing: true, Files: 7, Updated: t0.Add(2 * time.Hour)}},
		{"auth-403-burst-resolved", merged, MessageContext{Status: StatusResolved, Files: 7, Updated: t0.Add(2 * time.Hour), Resolved: t0.Add(3 * time.Hour), Cooldown: time.Hour, ReportSources: []string{"s3://cf-logs/cloudfront/"}}},
		{"no-distribution", noDist, MessageContext{Dataset: "s3://cf-data/cfwatch/", Table: "analytics.cf"}},
		{"hostile", hostile(), MessageContext{ReportSources: []string{"s3://cf-logs/it's here/"}, Dataset: "s3://cf-data/cfwatch/"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			golden(t, c.name+".json", slackJSON(t, c.f, c.mc))
		})
	}
	t.Run("text", func(t *testing.T) {
		golden(t, "auth-403-burst.txt", []byte(Text(f)))
	})
	t.Run("text-hostile", func(t *testing.T) {
		golden(t, "hostile.txt", []byte(Text(hostile())))
	})
}

// texts returns every text object of a message's blocks, with its type
// and verbatim flag.
func texts(t *testing.T, blocksJSON []byte) []map[string]any {
	t.Helper()
	var v any
	if err := json.Unmarshal(blocksJSON, &v); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if typ, _ := x["type"].(string); typ == "mrkdwn" || typ == "plain_text" {
				out = append(out, x)
				return
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

func TestHostileValuesAreEscaped(t *testing.T) {
	f := hostile()
	mc := MessageContext{Dataset: "s3://cf-data/cfwatch/"}
	raw, err := json.Marshal(Blocks(f, mc))
	if err != nil {
		t.Fatal(err)
	}
	all := append(texts(t, raw), map[string]any{"type": "mrkdwn", "text": Fallback(f, mc), "verbatim": true})
	joined := ""
	for _, tx := range all {
		s := tx["text"].(string)
		joined += s + "\n"
		// No control sequence survives: Slack reads <…> as links and
		// mentions, and only &amp; &lt; &gt; as entities.
		if strings.ContainsAny(s, "<>") {
			t.Errorf("unescaped < or > in %q", s)
		}
		for i := strings.Index(s, "&"); i >= 0; i = nextAmp(s, i) {
			rest := s[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Errorf("bare & in %q", s)
			}
		}
		if tx["type"] == "mrkdwn" && tx["verbatim"] != true {
			t.Errorf("mrkdwn text not verbatim: %q", s)
		}
	}
	for _, want := range []string{
		"&lt;!channel&gt;",                        // shown, not a ping
		"&lt;https://evil.example|click here&gt;", // shown, not a hidden link
		"&amp;amp;lt;b&amp;gt;",                   // a literal &amp; stays literal
		"&lt;!everyone&gt;",
		"`/api/line\\nbreak*bold*ˋcodeˋ`", // newline (shown \n) and backquotes cannot break out of the code span
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("message lacks %q", want)
		}
	}
	// The fields section keeps its layout: one label line and one value.
	var blocks []struct {
		Fields []struct{ Text string } `json:"fields"`
	}
	json.Unmarshal(raw, &blocks)
	for _, b := range blocks {
		for _, fl := range b.Fields {
			if strings.Count(fl.Text, "\n") != 1 {
				t.Errorf("field %q is not two lines", fl.Text)
			}
		}
	}
}

func nextAmp(s string, i int) int {
	j := strings.Index(s[i+1:], "&")
	if j < 0 {
		return -1
	}
	return i + 1 + j
}

// TestLongValuesAreCut: every text stays within Block Kit's limits
// however long the finding's values are.
func TestLongValuesAreCut(t *testing.T) {
	long := strings.Repeat("/a&b", 3000)
	f := hostile()
	f.Host, f.Group, f.Key = long, long, long
	f.Cause, f.Remedy = strings.Repeat("cause <x> ", 2000), strings.Repeat("fix & ", 3000)
	f.Paths = nil
	for i := 0; i < 10; i++ {
		f.Paths = append(f.Paths, long)
	}
	f.Examples = []string{long, long, long, long, long}
	raw, _ := json.Marshal(Blocks(f, MessageContext{Dataset: long, ReportSources: []string{long}, Files: 3}))
	for _, tx := range texts(t, raw) {
		s := tx["text"].(string)
		if n := utf8.RuneCountInString(s); n > maxSection {
			t.Errorf("text of %d runes: %.80q…", n, s)
		}
		if strings.HasSuffix(strings.TrimSuffix(s, "…"), "&am") {
			t.Errorf("cut inside an entity: …%q", s[len(s)-20:])
		}
	}
	var blocks []struct {
		Type   string
		Text   *struct{ Text string }
		Fields []struct{ Text string }
	}
	json.Unmarshal(raw, &blocks)
	for _, b := range blocks {
		if b.Type == "header" && utf8.RuneCountInString(b.Text.Text) > maxHeader {
			t.Errorf("header too long: %q", b.Text.Text)
		}
		for _, fl := range b.Fields {
			if utf8.RuneCountInString(fl.Text) > maxField {
				t.Errorf("field too long: %d", utf8.RuneCountInString(fl.Text))
			}
		}
	}
	if n := utf8.RuneCountInString(Fallback(f, MessageContext{})); n > maxFallback {
		t.Errorf("fallback of %d runes", n)
	}
}

func TestEscapeCut(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"a<b", 10, "a&lt;b"},
		{"a<b", 4, "a…"}, // never half an entity
		{"a\nb\tc", 10, `a\nb\tc`},
		{"a\nb", 3, "a…"}, // never half an escape
		{"&amp;", 20, "&amp;amp;"},
		{"\x1b[31mred", 20, `\x1b[31mred`},
		{"é\xffz", 10, `é\xffz`},
		{"a\u202eb\u200bc\u0085", 30, `a\u202eb\u200bc\u0085`},
	}
	for _, c := range cases {
		if got := mrkdwn(c.in, c.max); got != c.want {
			t.Errorf("mrkdwn(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
	if got := code("a`b", 10); got != "`aˋb`" {
		t.Errorf("code = %q", got)
	}
	if got := plain("ab\x1b[2Jcd\u202e", 100); got != `ab\x1b[2Jcd\u202e` {
		t.Errorf("plain = %q", got)
	}
	if got := plain("abcdef", 4); got != "abc…" {
		t.Errorf("plain cut = %q", got)
	}
	if got := cutEscaped("xx&amp;yy", 5); got != "xx…" {
		t.Errorf("cutEscaped = %q", got)
	}
}
