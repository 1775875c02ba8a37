package detectors

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cfwatch/cfwatch/internal/testenv"
	"github.com/cfwatch/cfwatch/logparse"
)

func TestLayerTallyRows(t *testing.T) {
	cases := []layerCase{
		ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		ec("403", "Error", "0.000", ReasonEdgeRefusal),
		ec("403", "InvalidRequestMethod", "0.000", ReasonInvalidMethod),
		origin("403", "application/json", "23", ReasonAPIGatewayJSON403),
		origin("403", "text/html", "180", ReasonApp),
		origin("500", "text/html", "180", ReasonApp),
		ec("504", "OriginCommError", "30.001", ReasonOriginTimeout),
		ec("502", "OriginConnectError", "10.001", ReasonOriginConnect),
		ec("502", "OriginConnectError", "10.001", ReasonOriginConnect),
		{status: "000", rt: "Error", rrt: "Error", d: "ClientHungUpRequest", ttfb: "-", want: ReasonViewerHungUp},
		{status: "200", rt: "Miss", rrt: "Miss", d: "Miss", ttfb: "0.100"},
	}
	recs := readAll(t, layerLog(cases))
	tally := NewLayerTally(0)
	for i := range recs {
		group := "/api/auth/session"
		if i >= 7 {
			group = "/api/*"
		}
		tally.Add(&recs[i], recs[i].HostHeader, group)
	}
	got := tally.Rows()
	nc := func(kv ...any) []NamedCount {
		out := []NamedCount{}
		for i := 0; i < len(kv); i += 2 {
			out = append(out, NamedCount{kv[i].(string), int64(kv[i+1].(int))})
		}
		return out
	}
	h := "app.example.com"
	want := []LayerRow{
		{h, "/api/*", "origin-connection", LayerOriginConnection.Title(), 3, nc("502", 2, "504", 1),
			nc("origin-connect", 2, "origin-timeout", 1), nc("OriginConnectError", 2, "OriginCommError", 1)},
		{h, "/api/*", "viewer", LayerViewer.Title(), 1, nc("000", 1), nc("viewer-hung-up", 1), nc("ClientHungUpRequest", 1)},
		{h, "/api/auth/session", "edge-config", LayerEdgeConfig.Title(), 3, nc("403", 3),
			nc("geo-restriction", 2, "invalid-method", 1), nc("ClientGeoBlocked", 2, "InvalidRequestMethod", 1)},
		{h, "/api/auth/session", "edge-refusal", LayerEdgeRefusal.Title(), 1, nc("403", 1), nc("edge-refusal", 1), nc("Error", 1)},
		{h, "/api/auth/session", "origin", LayerOrigin.Title(), 3, nc("403", 2, "500", 1),
			nc("app", 2, "api-gateway-forbidden", 1), nc("Error", 3)},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("rows:\n%s", g)
	}
	// JSON: the shape a report's failures_by_layer takes.
	b, err := json.Marshal(got[0])
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"host":"app.example.com","group":"/api/*","layer":"origin-connection","layer_title":"origin connection","requests":3,` +
		`"by_status":[{"name":"502","count":2},{"name":"504","count":1}],` +
		`"reasons":[{"name":"origin-connect","count":2},{"name":"origin-timeout","count":1}],` +
		`"detailed_result_types":[{"name":"OriginConnectError","count":2},{"name":"OriginCommError","count":1}]}`
	if string(b) != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", b, wantJSON)
	}
	if rows := NewLayerTally(0).Rows(); rows == nil || len(rows) != 0 {
		t.Errorf("empty tally: %#v, want an empty non-nil slice", rows)
	}
}

// Memory is bounded: pairs beyond the bound go to (other, other), detailed
// types beyond eight to "(other)", only three listed; steady state
// allocates nothing.
func TestLayerTallyBounds(t *testing.T) {
	var cases []layerCase
	for i := range 12 {
		cases = append(cases, ec("502", fmt.Sprintf("OriginNew%02dError", i), "0.200", ReasonOriginOther))
	}
	cases = append(cases, ec("502", "Origin"+strings.Repeat("x", 100)+"Error", "0.2", ReasonOriginOther))
	recs := readAll(t, layerLog(cases))
	tally := NewLayerTally(3)
	for i := range recs {
		for range i + 1 { // the later values are more frequent
			tally.Add(&recs[i], fmt.Sprintf("h%d.example.com", i%5), "/*")
		}
	}
	rows := tally.Rows()
	var hosts []string
	var total int64
	for _, r := range rows {
		hosts = append(hosts, r.Host)
		total += r.Requests
		if len(r.DetailedResultTypes) > 3 {
			t.Errorf("%s: %d detailed types listed", r.Host, len(r.DetailedResultTypes))
		}
	}
	if got := strings.Join(hosts, ","); got != "h0.example.com,h1.example.com,h2.example.com,(other)" {
		t.Errorf("hosts %s", got)
	}
	if want := int64(13 * 14 / 2); total != want {
		t.Errorf("%d requests in the rows, want %d", total, want)
	}
	// (other) holds hosts 3 and 4: records 3, 4, 8, 9 → 4+5+9+10 = 28 requests,
	// four detailed values.
	other := rows[3]
	if other.Requests != 28 || other.Group != OtherKey || len(other.DetailedResultTypes) != 3 || other.DetailedResultTypes[0].Name != "OriginNew09Error" {
		t.Errorf("other row: %+v", other)
	}
	// One pair sees more than eight detailed values: the rest is "(other)".
	single := NewLayerTally(0)
	for i := range recs {
		for range i + 1 {
			single.Add(&recs[i], "a", "/*")
		}
	}
	r := single.Rows()
	if len(r) != 1 || r[0].DetailedResultTypes[0].Name != OtherKey || r[0].DetailedResultTypes[0].Count != 9+10+11+12+13 {
		t.Errorf("detailed types beyond the bound: %+v", r)
	}
	for _, c := range single.cells[0].layers[LayerOriginConnection].detailed {
		if len(c.name) > maxDetailedLen {
			t.Errorf("a detailed type of %d bytes kept", len(c.name))
		}
	}

	hosts = make([]string, len(recs)) // equal to the kept keys, not the same strings
	for i := range recs {
		hosts[i] = fmt.Sprintf("h%d.example.com", i%5)
	}
	allocs := testing.AllocsPerRun(20, func() {
		for i := range recs {
			tally.Add(&recs[i], hosts[i], "/*")
			single.Add(&recs[i], "a", "/*")
			tally.Add(&recs[i], "new.example.com", "/*") // beyond the bound
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per pass, want 0", allocs)
	}
}

// On the real logs of the shared corpus: every failure is in one row, the
// rows agree with Classify, and the known lines land where they belong
// (AWS's example OriginDnsError lines, the refused POST of the fluent plugin
// test data).
func TestLayerTallyRealLogs(t *testing.T) {
	dir := testenv.RealLogsDir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	tally := NewLayerTally(0)
	var failures int64
	byLayer := map[string]int64{}
	for _, name := range files {
		if filepath.Base(name) == "PROVENANCE.tsv" {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		r := logparse.NewReader(f)
		var rec logparse.Record
		for {
			err := r.Read(&rec)
			if err == io.EOF {
				break
			}
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				continue // a bad line: the rest of the file is read
			}
			if err != nil {
				break // not a log this reader takes
			}
			host := rec.HostHeader
			if host == "" {
				host = rec.Host
			}
			tally.Add(&rec, host, "/*")
			if l := ClassifyLayer(&rec); l != LayerNone {
				failures++
				byLayer[l.String()]++
			}
		}
		r.Close()
		f.Close()
	}
	rows := tally.Rows()
	var total int64
	got := map[string]int64{}
	found := map[string]bool{}
	for _, row := range rows {
		total += row.Requests
		got[row.Layer] += row.Requests
		for _, d := range row.DetailedResultTypes {
			found[row.Layer+" "+d.Name] = true
		}
		if row.Host == "livecdn.kerkdienstgemist.nl" && row.Layer == "edge-config" && row.Reasons[0].Name != "invalid-method" {
			t.Errorf("fluent plugin row: %+v", row)
		}
	}
	if total != failures || failures == 0 || !reflect.DeepEqual(got, byLayer) {
		t.Errorf("rows hold %d failures %v, Classify found %d %v", total, got, failures, byLayer)
	}
	for _, k := range []string{"origin-connection OriginDnsError", "edge-config InvalidRequestMethod", "origin Error", "viewer Miss"} {
		if !found[k] {
			t.Errorf("no %q among the real logs' rows: %v", k, found)
		}
	}
}

// TestLayerTallyAddN: counting aggregates (what an SQL engine hands over)
// gives the rows counting the records gives; ReasonByID reads back every
// reason's ID.
func TestLayerTallyAddN(t *testing.T) {
	cases := []layerCase{
		ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		ec("403", "ClientGeoBlocked", "0.000", ReasonGeoRestriction),
		ec("403", "Error", "0.000", ReasonEdgeRefusal),
		ec("504", "OriginCommError", "30.001", ReasonOriginTimeout),
		ec("504", "OriginCommError", "30.001", ReasonOriginTimeout),
		ec("504", "OriginCommError", "30.001", ReasonOriginTimeout),
		{status: "000", rt: "Error", rrt: "Error", d: "ClientHungUpRequest", ttfb: "-", want: ReasonViewerHungUp},
	}
	recs := readAll(t, layerLog(cases))
	byRecord, byCount := NewLayerTally(0), NewLayerTally(0)
	type agg struct {
		r        Reason
		status   int
		detailed string
	}
	counts := map[agg]int64{}
	var order []agg
	for i := range recs {
		byRecord.Add(&recs[i], "app.example.com", "/api/*")
		a := agg{Classify(&recs[i]), int(recs[i].Status), detailedOf(&recs[i])}
		if counts[a] == 0 {
			order = append(order, a)
		}
		counts[a]++
	}
	for _, a := range order {
		byCount.AddN("app.example.com", "/api/*", ReasonByID(a.r.String()), a.status, a.detailed, counts[a])
	}
	byCount.AddN("app.example.com", "/api/*", ReasonNone, 403, "Error", 5) // not a failure: ignored
	byCount.AddN("app.example.com", "/api/*", ReasonApp, 403, "Error", 0)  // nothing to count
	if got, want := byCount.Rows(), byRecord.Rows(); !reflect.DeepEqual(got, want) {
		t.Errorf("AddN rows %+v\nAdd rows %+v", got, want)
	}
	for r := ReasonNone + 1; r < numReasons; r++ {
		if got := ReasonByID(r.String()); got != r {
			t.Errorf("ReasonByID(%q) = %v", r.String(), got)
		}
	}
	if ReasonByID("") != ReasonNone || ReasonByID("nope") != ReasonNone {
		t.Error("an unknown ID is a reason")
	}
}
