package alert

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/internal/visible/visibletest"
)

// hostileFinding is a finding whose every string from a log holds
// visibletest.Value(field).
func hostileFinding() detectors.Finding {
	v := visibletest.Value
	return detectors.Finding{
		Rule: detectors.RuleAuth403Burst, Severity: detectors.SeverityCritical,
		Key: v("key"), DistributionID: v("dist"), Host: v("host"), Group: v("group"),
		FirstSeen: t0, LastSeen: t0.Add(10 * time.Minute),
		Count: 30, Denominator: 40, DenominatorLabel: v("denom"),
		Paths: []string{v("fpath"), "/ok"}, Examples: []string{v("reqid")}, Clients: 3,
		Cause: "because " + v("cause"), Remedy: "do " + v("remedy"),
	}
}

// TestVisible: every text of every Slack message (blocks, the fallback
// text, the thread reply that resolves), the plain text for a terminal and
// the alert logged when no Slack is set up carry none of the characters of
// visibletest.Payload raw; each value is there, made visible (and cut to
// length). The texts are scanned as Slack reads them (JSON-decoded): the
// JSON encoding itself would hide a raw control as \u001b.
func TestVisible(t *testing.T) {
	f := hostileFinding()
	outs := map[string][]string{} // name → texts
	for name, mc := range map[string]MessageContext{
		"open":     {Dataset: "s3://cf-data/cfwatch/", Files: 3, Updated: t0.Add(time.Hour)},
		"ongoing":  {Ongoing: true},
		"resolved": {Status: StatusResolved, Resolved: t0.Add(time.Hour), Cooldown: time.Hour, Files: 2},
	} {
		raw, err := json.Marshal(Blocks(f, mc))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range texts(t, raw) {
			outs["blocks/"+name] = append(outs["blocks/"+name], tx["text"].(string))
		}
		outs["fallback/"+name] = []string{Fallback(f, mc)}
		outs["reply/"+name] = []string{resolvedReply(f, mc)}
	}
	outs["text"] = []string{Text(f)}
	// The log sender, with a bare JSON handler: alert's own escaping, not
	// the commands' visible.LogHandler, keeps the line clean.
	var logged bytes.Buffer
	ls := &logSender{log: slog.New(slog.NewJSONHandler(&logged, nil))}
	if _, err := ls.post(context.Background(), message{kind: kindNew, finding: f}); err != nil {
		t.Fatal(err)
	}
	var line map[string]any
	if err := json.Unmarshal(logged.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	for _, v := range line {
		if s, ok := v.(string); ok {
			outs["log"] = append(outs["log"], s)
		}
	}

	seen := map[string]bool{}
	for name, texts := range outs {
		for _, s := range texts {
			if raw := visibletest.Raw([]byte(s), "\n"); raw != nil {
				t.Errorf("%s: %d raw characters, first %q", name, len(raw), raw[:min(len(raw), 5)])
			}
			if strings.HasPrefix(s, "*Athena*") {
				// The query's SQL literals replace such characters
				// (sqlString, sqlLike): checked raw above, not for escapes.
				continue
			}
			for _, field := range []string{"key", "dist", "host", "group", "denom", "fpath", "reqid", "cause", "remedy"} {
				n, problems := visibletest.Unescaped([]byte(s), field, 4000)
				if n > 0 {
					seen[name+"/"+field] = true
				}
				if problems != nil {
					t.Errorf("%s: %d problems, first %q", name, len(problems), problems[:min(len(problems), 3)])
				}
			}
		}
	}
	for _, want := range []string{
		"blocks/open/dist", "blocks/open/host", "blocks/open/group", "blocks/open/fpath", "blocks/open/reqid",
		"blocks/open/cause", "blocks/open/remedy", "blocks/open/key", "blocks/open/denom",
		"fallback/open/host", "reply/resolved/host", "text/host", "text/fpath", "text/cause",
		"log/dist", "log/host", "log/fpath", "log/reqid", "log/cause", "log/key",
	} {
		if !seen[want] {
			t.Errorf("%s: the value is not shown", want)
		}
	}
}
