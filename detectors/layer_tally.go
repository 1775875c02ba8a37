package detectors

import (
	"cmp"
	"slices"
	"strings"

	"github.com/cfwatch/cfwatch/logparse"
)

// LayerTally counts failed requests (see [IsFailure]) per host and endpoint
// group, by the layer that decided them ([Classify]) and status, with their
// reasons and most frequent x-edge-detailed-result-type values: the "Where
// failures come from" section of a report.
//
// Memory is bounded: at most MaxKeys (host, group) pairs are kept, later
// ones are counted under (OtherKey, OtherKey); at most maxDetailed distinct
// detailed result types per pair and layer, later ones under OtherKey.
// Add allocates only when it meets a new pair, layer or detailed value.
// A LayerTally is not safe for concurrent use; the zero value is not
// usable, call [NewLayerTally].
type LayerTally struct {
	max   int
	index map[tallyKey]int
	cells []tallyCell
}

type tallyKey struct{ host, group string }

type tallyCell struct {
	key    tallyKey
	layers [numLayers]*layerCounts
}

type layerCounts struct {
	total    int64
	status   [numStatusClasses]int64
	reasons  [numReasons]int64
	detailed [maxDetailed + 1]namedCount // the last is OtherKey
}

type namedCount struct {
	name string
	n    int64
}

// OtherKey names the host, group or detailed result type that collects
// what a LayerTally's bounds leave out.
const OtherKey = "(other)"

// DefaultMaxLayerKeys is NewLayerTally's bound when given 0.
const DefaultMaxLayerKeys = 1000

const (
	maxDetailed    = 8  // distinct detailed result types kept per pair and layer
	maxDetailedLen = 64 // bytes kept of a detailed result type (AWS's are under 32)
	topDetailed    = 3  // listed per row
)

// Status classes of the tally, in row order.
const (
	stNone = iota // 000
	st400
	st401
	st403
	st404
	st405
	st4xx
	st500
	st502
	st503
	st504
	st5xx
	numStatusClasses
)

var statusClassNames = [numStatusClasses]string{"000", "400", "401", "403", "404", "405", "4xx", "500", "502", "503", "504", "5xx"}

func statusClass(s int) int {
	switch s {
	case 0:
		return stNone
	case 400:
		return st400
	case 401:
		return st401
	case 403:
		return st403
	case 404:
		return st404
	case 405:
		return st405
	case 500:
		return st500
	case 502:
		return st502
	case 503:
		return st503
	case 504:
		return st504
	}
	if s < 500 {
		return st4xx
	}
	return st5xx
}

// NewLayerTally returns an empty tally that keeps at most maxKeys (host,
// group) pairs (DefaultMaxLayerKeys when maxKeys <= 0).
func NewLayerTally(maxKeys int) *LayerTally {
	if maxKeys <= 0 {
		maxKeys = DefaultMaxLayerKeys
	}
	return &LayerTally{max: maxKeys, index: make(map[tallyKey]int)}
}

// Add counts rec under (host, group) when it is a failure; other records
// are ignored. host is the viewer's host (x-host-header, else cs(Host)) and
// group the endpoint group the caller's rules use ("/api/auth/session",
// "/api/*", "/*"). Both are cloned when kept.
func (t *LayerTally) Add(rec *logparse.Record, host, group string) {
	r := Classify(rec)
	if r == ReasonNone {
		return
	}
	t.AddN(host, group, r, int(rec.Status), detailedOf(rec), 1)
}

// AddN counts n failed requests of reason r, status and detailed result
// type (x-edge-detailed-result-type, else x-edge-result-type, else "-")
// under (host, group): what Add counts for a record, for an engine that
// aggregated the requests elsewhere (SQL). A reason of ReasonNone or an n
// below 1 counts nothing.
func (t *LayerTally) AddN(host, group string, r Reason, status int, detailed string, n int64) {
	if r == ReasonNone || r >= numReasons || n < 1 {
		return
	}
	i, ok := t.index[tallyKey{host, group}]
	if !ok {
		k := tallyKey{OtherKey, OtherKey}
		if len(t.cells) < t.max {
			k = tallyKey{strings.Clone(host), strings.Clone(group)}
		}
		if i, ok = t.index[k]; !ok {
			i = len(t.cells)
			t.cells = append(t.cells, tallyCell{key: k})
			t.index[k] = i
		}
	}
	l := r.Layer()
	c := t.cells[i].layers[l]
	if c == nil {
		c = new(layerCounts)
		t.cells[i].layers[l] = c
	}
	c.total += n
	c.status[statusClass(status)] += n
	c.reasons[r] += n
	c.addDetailed(detailed, n)
}

// ReasonByID returns the reason whose ID (Reason.String) is id, as
// ReasonSQL gives it; ReasonNone for "" or an unknown ID.
func ReasonByID(id string) Reason {
	for r := ReasonNone + 1; r < numReasons; r++ {
		if reasonInfo[r].id == id {
			return r
		}
	}
	return ReasonNone
}

// detailedOf is the result type a row names: the detailed one, else the
// result type, else "-".
func detailedOf(rec *logparse.Record) string {
	switch {
	case rec.EdgeDetailedResultType != "":
		return rec.EdgeDetailedResultType
	case rec.EdgeResultType != "":
		return rec.EdgeResultType
	}
	return "-"
}

func (c *layerCounts) addDetailed(d string, n int64) {
	if len(d) > maxDetailedLen {
		d = d[:maxDetailedLen]
	}
	for i := 0; i < maxDetailed; i++ {
		e := &c.detailed[i]
		if e.n == 0 {
			e.name = strings.Clone(d)
			e.n = n
			return
		}
		if e.name == d {
			e.n += n
			return
		}
	}
	c.detailed[maxDetailed].name = OtherKey
	c.detailed[maxDetailed].n += n
}

// A LayerRow is the failures of one (host, endpoint group) decided by one
// layer: one row of a report's failures_by_layer.
type LayerRow struct {
	Host  string `json:"host"`
	Group string `json:"group"`
	// Layer is the layer's ID (Layer.String): edge-config, edge-refusal,
	// edge-compute, edge-capacity, origin-connection, origin, viewer.
	Layer      string `json:"layer"`
	LayerTitle string `json:"layer_title"`
	Requests   int64  `json:"requests"`
	// ByStatus counts the requests by status: "000", "400", "401", "403",
	// "404", "405", "4xx" (other 4xx), "500", "502", "503", "504", "5xx";
	// only the non-zero ones, in that order.
	ByStatus []NamedCount `json:"by_status"`
	// Reasons counts the requests by reason (Reason.String), most first.
	Reasons []NamedCount `json:"reasons"`
	// DetailedResultTypes lists the most frequent x-edge-detailed-result-type
	// values (at most 3, most first; x-edge-result-type where the detailed
	// one is absent).
	DetailedResultTypes []NamedCount `json:"detailed_result_types"`
}

// A NamedCount is a count with its name.
type NamedCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// Rows returns one row per (host, group, layer) with failures, ordered by
// host, group and layer (the order of Layers); OtherKey pairs last.
// Strings in the rows are as logged (attacker-written): escape them where
// they go.
func (t *LayerTally) Rows() []LayerRow {
	cells := slices.Clone(t.cells)
	slices.SortFunc(cells, func(a, b tallyCell) int {
		ao, bo := a.key.host == OtherKey && a.key.group == OtherKey, b.key.host == OtherKey && b.key.group == OtherKey
		if ao != bo {
			if ao {
				return 1
			}
			return -1
		}
		return cmp.Or(strings.Compare(a.key.host, b.key.host), strings.Compare(a.key.group, b.key.group))
	})
	rows := []LayerRow{}
	for _, cell := range cells {
		for l := LayerEdgeConfig; l < numLayers; l++ {
			c := cell.layers[l]
			if c == nil || c.total == 0 {
				continue
			}
			row := LayerRow{Host: cell.key.host, Group: cell.key.group, Layer: l.String(), LayerTitle: l.Title(),
				Requests: c.total, ByStatus: []NamedCount{}, Reasons: []NamedCount{}, DetailedResultTypes: []NamedCount{}}
			for s, n := range c.status {
				if n > 0 {
					row.ByStatus = append(row.ByStatus, NamedCount{statusClassNames[s], n})
				}
			}
			for r, n := range c.reasons {
				if n > 0 {
					row.Reasons = append(row.Reasons, NamedCount{Reason(r).String(), n})
				}
			}
			sortCounts(row.Reasons)
			for _, d := range c.detailed {
				if d.n > 0 {
					row.DetailedResultTypes = append(row.DetailedResultTypes, NamedCount{d.name, d.n})
				}
			}
			sortCounts(row.DetailedResultTypes)
			if len(row.DetailedResultTypes) > topDetailed {
				row.DetailedResultTypes = row.DetailedResultTypes[:topDetailed]
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// sortCounts orders by count, most first, then by name.
func sortCounts(s []NamedCount) {
	slices.SortStableFunc(s, func(a, b NamedCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Name, b.Name))
	})
}
