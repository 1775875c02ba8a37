package report

import (
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
