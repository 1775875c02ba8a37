package detectors

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cfwatch/cfwatch/internal/testenv"
)

// The real line (fluent-plugin-cloudfront-log test data): one POST
// /plugin/add refused at the edge, 403 InvalidRequestMethod, in a file of
// one record. A static behavior refusing a method it was never meant to
// take is no misconfiguration: no finding, the refusal is only counted.
func TestRealLogMethodRejected(t *testing.T) {
	name := filepath.Join(testenv.RealLogsDir(t), "kdgm_fluent-plugin-cloudfront-log-optimized__test__plugin__test_in_cloudfrontlog.rb.line")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	eng := mustNew(t, DefaultConfig())
	observeAll(t, eng, data, "")
	if st := eng.Stats(); st.Records != 1 {
		t.Fatalf("%d records, want the one line", st.Records)
	}
	if fs := eng.Findings(); len(fs) != 0 {
		t.Fatalf("got %d findings, want none: %+v", len(fs), fs)
	}
	// The same refusal on a path the app serves is one: the line with
	// /plugin/add under an API prefix.
	cfg := DefaultConfig()
	cfg.APIPrefixes = []string{"/api", "/plugin"}
	eng = mustNew(t, cfg)
	observeAll(t, eng, data, "")
	fs := eng.Findings()
	if len(fs) != 1 {
		t.Fatalf("with /plugin an API prefix: %d findings, want 1: %+v", len(fs), fs)
	}
	f := fs[0]
	want := Finding{
		Rule: RuleMethodRejected, Severity: SeverityCritical,
		Key:  "method-rejected||livecdn.kerkdienstgemist.nl|/plugin/*",
		Host: "livecdn.kerkdienstgemist.nl", Group: "/plugin/*",
		Count: 1, Denominator: 1, DenominatorLabel: "non-GET/HEAD requests",
		Clients: 1,
	}
	if f.Rule != want.Rule || f.Severity != want.Severity || f.Key != want.Key || f.Host != want.Host ||
		f.Group != want.Group || f.Count != want.Count || f.Denominator != want.Denominator ||
		f.DenominatorLabel != want.DenominatorLabel || f.Clients != want.Clients {
		t.Errorf("finding:\n got %+v\nwant %+v", f, want)
	}
	if len(f.Examples) != 1 || f.Examples[0] != "WcPCNG0WyL4BbXhEXq4AQulhrqte2TPUHt1Uz-iqcSwtx1L6ORdTOA==" {
		t.Errorf("examples: %q", f.Examples)
	}
	if len(f.Paths) != 1 || f.Paths[0] != "/plugin/add" {
		t.Errorf("paths: %q", f.Paths)
	}
	if got := f.FirstSeen.Format("2006-01-02 15:04:05"); got != "2025-10-12 09:52:59" || !f.LastSeen.Equal(f.FirstSeen) {
		t.Errorf("first/last seen: %v / %v", f.FirstSeen, f.LastSeen)
	}
	if f.Evidence["POST"] != 1 || f.Evidence["time_to_first_byte_zero"] != 1 {
		t.Errorf("evidence: %v", f.Evidence)
	}
}
