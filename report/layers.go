package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
)

// Where failures come from: every failed request (4xx, 5xx, 000) of the
// window attributed to the layer that decided it (detectors.Classify), per
// host and endpoint group. The local engine counts the records (Counter);
// a query engine hands its aggregates (Figures.Failures) to FromFigures;
// both fill the same detectors.LayerTally, so both give the same rows.

// A FailureCount is failed requests alike for the attribution, as a query
// engine aggregates them (detectors.ReasonSQL): what LayerTally.AddN counts.
type FailureCount struct {
	Host string // x-host-header, else cs(Host)
	// AuthPath is the path when it may lie under the auth prefix (the
	// figures' auth key, classified with detectors.ClassifyAuthPath), ""
	// for the others.
	AuthPath string
	// API is the API prefix the path lies under as logged, longest first
	// (the group it is counted in is API + "/*"), "" for none.
	API      string
	Reason   string // detectors.Reason ID
	Status   int
	Detailed string // x-edge-detailed-result-type, else x-edge-result-type, else "-"
	Requests int64
}

// layerGroups names the endpoint groups failures are counted in: NextAuth's
// endpoints ("/api/auth/session"), the rest of the auth prefix
// ("/api/auth/*"), each API prefix ("/api/*"), and the default behavior
// ("/*"). The names are made once, so that counting allocates nothing.
type layerGroups struct {
	prefix    string // the cleaned auth prefix
	auth      [numAuthEndpoints]string
	authOther string
	apis      []string // cleaned API prefixes, longest first
	apiGroups []string // apis[i] + "/*"
}

func newLayerGroups(prefix string, apiPrefixes []string) *layerGroups {
	g := &layerGroups{prefix: prefix, authOther: prefix + "/*"}
	for i, name := range detectors.AuthEndpointNames() {
		if i < numAuthEndpoints {
			g.auth[i] = prefix + "/" + name
		}
	}
	for _, a := range apiPrefixes {
		if a = cleanPrefix(a); a != "" && !slices.Contains(g.apis, a) {
			g.apis = append(g.apis, a)
		}
	}
	// Longest first, as the detectors and the Athena engine match them.
	slices.SortStableFunc(g.apis, func(a, b string) int { return len(b) - len(a) })
	for _, a := range g.apis {
		g.apiGroups = append(g.apiGroups, a+"/*")
	}
	return g
}

// group is the endpoint group of a path: under and ep are its authClass.
func (g *layerGroups) group(path string, under bool, ep int) string {
	if under {
		if ep >= 0 && ep < numAuthEndpoints {
			return g.auth[ep]
		}
		return g.authOther
	}
	if i := g.api(path); i >= 0 {
		return g.apiGroups[i]
	}
	return "/*"
}

// api returns the index of the longest API prefix path lies under as
// logged, -1 for none.
func (g *layerGroups) api(path string) int {
	for i, a := range g.apis {
		if strings.HasPrefix(path, a) && (len(path) == len(a) || path[len(a)] == '/') {
			return i
		}
	}
	return -1
}

// groupOf is the group of a query engine's FailureCount.
func (g *layerGroups) groupOf(f *FailureCount) string {
	under, ep := false, -1
	if f.AuthPath != "" {
		under, ep = authClass(f.AuthPath, g.prefix)
	}
	if under {
		return g.group("", true, ep)
	}
	if f.API != "" {
		return cleanPrefix(f.API) + "/*"
	}
	return "/*"
}

// failureHost is the host failures are counted under: the Host the viewer
// sent (x-host-header), else the distribution's name (cs(Host)).
func failureHost(rec *logparse.Record) string {
	if rec.HostHeader != "" {
		return rec.HostHeader
	}
	return rec.Host
}

// layerRows counts f's Failures as the Counter counts the records.
func (f *Figures) layerRows(prefix string, apiPrefixes []string) []detectors.LayerRow {
	t, g := detectors.NewLayerTally(0), newLayerGroups(prefix, apiPrefixes)
	for i := range f.Failures {
		fc := &f.Failures[i]
		t.AddN(fc.Host, g.groupOf(fc), detectors.ReasonByID(fc.Reason), fc.Status, fc.Detailed, fc.Requests)
	}
	return t.Rows()
}

// maxLayerRows bounds the rows of the section's detail table in text,
// Markdown and HTML (the JSON has them all): the largest first.
const maxLayerRows = 25

// failuresView is the "Where failures come from" section.
type failuresView struct {
	Empty      bool   // no failed request in the window
	Failures   string // "1,234 of 22,000 requests failed (5.6%)"
	Configured string // the sentence on refusals configured on purpose, "" without any
	Layers     []layerView
	Rows       []layerRowView
	More       string // "… and 12 more rows (345 requests) in the JSON", "" when all are shown
}

// A layerView is one layer's failures, over every host and group.
type layerView struct {
	ID, Title    string
	Means        string // what the layer is, for people
	Requests     string
	Share        string // of the failures
	OfAll        string // of all the window's requests
	Reasons      string // "geo restriction (ClientGeoBlocked) 1,000, …"
	Configured   bool   // every failure of it was refused on purpose by configuration
	Tone         tone
	ShareOfTotal float64
}

// A layerRowView is one row of the detail: a host, a group, a layer.
type layerRowView struct {
	Host, Group, Layer, LayerID string
	Requests, Share             string // share of the failures
	Statuses                    string // "403 ×12, 404 ×3"
	Reasons                     string // reason IDs with counts
	Detailed                    string // top detailed result types with counts
	StatusItems, ReasonItems    []detectors.NamedCount
	DetailedItems               []detectors.NamedCount
}

// layerMeans says what each layer is, in the section's words.
var layerMeans = map[string]string{
	"edge-config":       "CloudFront refused it as the distribution is configured (geo restriction, signed URL, allowed methods); the origin was not asked",
	"edge-refusal":      "refused at the edge, origin not asked: most often AWS WAF (the log has no value of its own for it)",
	"edge-compute":      "Lambda@Edge or a CloudFront Function failed, was throttled, or generated the error",
	"edge-capacity":     "CloudFront's own quota or capacity",
	"origin-connection": "CloudFront got no usable answer from the origin (DNS, connect/TLS, timeout, invalid response)",
	"origin":            "the origin answered the error: the application, API Gateway / a Lambda URL, or S3",
	"viewer":            "the viewer hung up or its connection failed",
}

func countsText(cs []detectors.NamedCount, title func(string) string) string {
	parts := make([]string, len(cs))
	for i, nc := range cs {
		name := nc.Name
		if title != nil {
			name = title(name)
		}
		parts[i] = name + " ×" + num(nc.Count)
	}
	return strings.Join(parts, ", ")
}

func reasonTitle(id string) string {
	if t := detectors.ReasonByID(id).Title(); t != "" {
		return t
	}
	return id
}

// shortTitle is a title without its parenthesis: "edge compute".
func shortTitle(t string) string {
	if i := strings.Index(t, " ("); i > 0 {
		return t[:i]
	}
	return t
}

// shortReason is a reason's title without its parenthesis: "geo
// restriction", "method not allowed by the behavior".
func shortReason(id string) string {
	return shortTitle(reasonTitle(id))
}

// failuresView builds the section from FailuresByLayer.
func (rep *Report) failuresView() failuresView {
	var total int64
	for _, r := range rep.FailuresByLayer {
		total += r.Requests
	}
	fv := failuresView{Empty: total == 0}
	if fv.Empty {
		return fv
	}
	fv.Failures = fmt.Sprintf("%s of %s requests failed (%s)", num(total), num(rep.Totals.Requests), share(total, rep.Totals.Requests))
	type agg struct {
		n       int64
		reasons map[string]int64
	}
	byLayer := map[string]*agg{}
	configured := map[string]int64{}
	var conf int64
	for _, r := range rep.FailuresByLayer {
		a := byLayer[r.Layer]
		if a == nil {
			a = &agg{reasons: map[string]int64{}}
			byLayer[r.Layer] = a
		}
		a.n += r.Requests
		for _, rc := range r.Reasons {
			a.reasons[rc.Name] += rc.Count
			if detectors.ReasonByID(rc.Name).Configured() {
				configured[rc.Name] += rc.Count
				conf += rc.Count
			}
		}
	}
	for _, l := range detectors.Layers() {
		a := byLayer[l.String()]
		if a == nil {
			continue
		}
		var reasons []detectors.NamedCount
		allConf := true
		for _, id := range sortedByCount(a.reasons) {
			reasons = append(reasons, detectors.NamedCount{Name: id, Count: a.reasons[id]})
			allConf = allConf && detectors.ReasonByID(id).Configured()
		}
		lv := layerView{ID: l.String(), Title: l.Title(), Means: layerMeans[l.String()], Requests: num(a.n),
			Share: share(a.n, total), OfAll: share(a.n, rep.Totals.Requests), Reasons: countsText(reasons, shortReason),
			Configured: allConf, ShareOfTotal: rate(a.n, total)}
		switch {
		case allConf:
			lv.Tone = toneNone
		case l == detectors.LayerOrigin || l == detectors.LayerViewer:
			lv.Tone = toneWarn
		default:
			lv.Tone = toneBad
		}
		fv.Layers = append(fv.Layers, lv)
	}
	if conf > 0 {
		var what []string
		for _, id := range sortedByCount(configured) {
			what = append(what, fmt.Sprintf("%s %s", num(configured[id]), shortReason(id)))
		}
		fv.Configured = fmt.Sprintf("%s of the %s failures (%s) were refused at the edge by configuration the owner chose (geo restriction, WAF-like edge refusal, signed URL), the origin not asked: %s. They are no failure of the application or of NextAuth.",
			num(conf), num(total), share(conf, total), strings.Join(what, "; "))
	}
	rows := slices.Clone(rep.FailuresByLayer)
	slices.SortStableFunc(rows, func(a, b detectors.LayerRow) int { return cmp.Compare(b.Requests, a.Requests) })
	shown := rows
	if len(rows) > maxLayerRows {
		shown = rows[:maxLayerRows]
		var rest int64
		for _, r := range rows[maxLayerRows:] {
			rest += r.Requests
		}
		fv.More = fmt.Sprintf("… and %s more rows (%s failed requests): see the JSON report's failures_by_layer", num(len(rows)-maxLayerRows), num(rest))
	}
	for _, r := range shown {
		fv.Rows = append(fv.Rows, layerRowView{Host: r.Host, Group: r.Group, Layer: r.LayerTitle, LayerID: r.Layer,
			Requests: num(r.Requests), Share: share(r.Requests, total), Statuses: countsText(r.ByStatus, nil),
			Reasons: countsText(r.Reasons, nil), Detailed: countsText(r.DetailedResultTypes, nil),
			StatusItems: r.ByStatus, ReasonItems: r.Reasons, DetailedItems: r.DetailedResultTypes})
	}
	return fv
}
