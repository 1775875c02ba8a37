package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/logparse"
)

// Environment of the real-time (Kinesis) path. The template sets both from
// the parameters that define the AWS::CloudFront::RealtimeLogConfig, so the
// function reads the same field list CloudFront writes.
const (
	// EnvRealtimeFields is the real-time log configuration's field list,
	// comma-separated (any order: CloudFront delivers fields in AWS's
	// canonical order, see logparse.NewRealtimeLayout).
	EnvRealtimeFields = "CFWATCH_REALTIME_FIELDS"
	// EnvRealtimeDistribution is the ID of the distribution the
	// configuration is attached to. Real-time records do not name it, and
	// an incident's key does (detectors.FindingKey): with it, an incident
	// seen first in real-time logs and later in standard logs is one.
	EnvRealtimeDistribution = "CFWATCH_REALTIME_DISTRIBUTION_ID"
)

// Realtime configures the Kinesis path of the Handler.
type Realtime struct {
	Layout       *logparse.RealtimeLayout
	Distribution string
	Detectors    detectors.Config
}

// RealtimeFromEnv reads the real-time configuration. It returns nil and no
// error when EnvRealtimeFields is unset (real-time logs off); a field list
// that cannot be read is an error wrapping logparse.ErrRealtimeFields.
func RealtimeFromEnv(getenv func(string) string, det detectors.Config) (*Realtime, error) {
	v := strings.TrimSpace(getenv(EnvRealtimeFields))
	if v == "" {
		return nil, nil
	}
	l, err := logparse.ParseRealtimeFields(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvRealtimeFields, err)
	}
	return &Realtime{Layout: l, Distribution: strings.TrimSpace(getenv(EnvRealtimeDistribution)), Detectors: det}, nil
}

// isKinesis reports whether an invocation payload is a Kinesis batch.
func isKinesis(payload []byte) bool {
	var probe struct {
		Records []struct {
			EventSource string `json:"eventSource"`
		} `json:"Records"`
	}
	return json.Unmarshal(payload, &probe) == nil && len(probe.Records) > 0 && probe.Records[0].EventSource == "aws:kinesis"
}

// windowStateKey is the key of cfwatch's state in the tumbling window's
// state map.
const windowStateKey = "cfwatch"

// Kinesis handles a batch of CloudFront real-time log records from a
// Kinesis event source mapping with a tumbling window. Each Kinesis
// record's data is one real-time log line (CloudFront's way) or several
// separated by newlines. The records' digest joins the window's state;
// the final invocation of a window runs the detectors over it and alerts.
// Real-time records are not written to the Parquet dataset: standard logs
// remain its only source.
//
// A record that cannot be decoded (a line that does not match the field
// list, or has no time) is reported in BatchItemFailures, and only the
// records before it are added to the state: Lambda retries from the first
// failure, so adding later records would count them twice. A batch that
// arrives while the field list is invalid fails whole, with the error.
func (h *Handler) Kinesis(ctx context.Context, payload []byte) (events.KinesisTimeWindowEventResponse, error) {
	var resp events.KinesisTimeWindowEventResponse
	if h.RealtimeErr != nil {
		h.Log.Error("real-time records refused: the field list is not usable", "err", h.RealtimeErr.Error())
		return resp, h.RealtimeErr
	}
	rt := h.Realtime
	if rt == nil {
		err := fmt.Errorf("kinesis: real-time logs are not configured (%s is empty)", EnvRealtimeFields)
		h.Log.Error("real-time records refused", "err", err.Error())
		return resp, err
	}
	var ev events.KinesisTimeWindowEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return resp, fmt.Errorf("kinesis: event: %w", err)
	}
	st, err := decodeWindowState(ev.State)
	if err != nil {
		// A state this version cannot read: start afresh rather than
		// wedge the shard; the window's earlier records are lost.
		h.Log.Warn("window state not readable: starting the window afresh", "shard", ev.ShardID, "err", err.Error())
		st = newWindowState()
	}
	st.api = rt.apiPrefixes()
	p := logparse.NewRealtimeParser(rt.Layout)
	var pending []logparse.Record
	var records, bad int64
	failedAt := ""
	for _, kr := range ev.Records {
		if ctx.Err() != nil {
			failedAt = kr.Kinesis.SequenceNumber
			break
		}
		pending = pending[:0]
		if err := parseKinesisData(p, kr.Kinesis.Data, &pending); err != nil {
			// None of this record's lines count: it is retried whole.
			bad++
			failedAt = kr.Kinesis.SequenceNumber
			h.Log.Error("real-time record not decoded: reported as a batch item failure; Lambda retries from it", "shard", ev.ShardID,
				"sequence_number", kr.Kinesis.SequenceNumber, "err", err.Error())
			break
		}
		for i := range pending {
			st.add(&pending[i])
		}
		records += int64(len(pending))
	}
	if failedAt != "" {
		resp.BatchItemFailures = []events.KinesisBatchItemFailure{{ItemIdentifier: failedAt}}
	}
	state, err := st.encode()
	if err != nil {
		return resp, err
	}
	h.Metrics.Realtime(records, bad, len(state))
	h.Log.Info("real-time batch", "shard", ev.ShardID, "kinesis_records", len(ev.Records), "requests", records,
		"failed", bad, "window_start", ev.Window.Start, "final", ev.IsFinalInvokeForWindow, "state_bytes", len(state), "rows", len(st.Rows))
	if !ev.IsFinalInvokeForWindow || failedAt != "" {
		// Not final, or final but part of it will be retried: keep the
		// state so the retry completes the window.
		resp.State = map[string]string{windowStateKey: state}
		return resp, nil
	}
	defer h.sweep(ctx)
	findings, err := st.findings(rt)
	if err != nil {
		return resp, fmt.Errorf("kinesis window %s: %w", ev.Window.Start.UTC().Format(time.RFC3339), err)
	}
	for _, f := range findings {
		h.Log.Info("finding", "source", "realtime", "rule", f.Rule, "severity", string(f.Severity), "key", f.Key, "summary", f.Summary())
	}
	if h.Notifier != nil && len(findings) > 0 {
		origin := ObjectRef{Bucket: "kinesis", Key: ev.EventSourceARN + "/" + ev.ShardID + "/" + ev.Window.Start.UTC().Format(time.RFC3339)}
		if err := h.Notifier.Notify(withAlertSource(ctx, "realtime"), origin, findings); err != nil {
			// The window is retried with its state; alerts are de-duplicated.
			h.Log.Error("alert not delivered: the window's final batch will be retried", "err", err.Error())
			return resp, fmt.Errorf("kinesis window %s: alerting: %w", ev.Window.Start.UTC().Format(time.RFC3339), err)
		}
	}
	return resp, nil
}

// apiPrefixes returns the detectors' API and auth prefixes, without a
// trailing slash.
func (rt *Realtime) apiPrefixes() []string {
	cfg := rt.Detectors
	if cfg.Window == 0 {
		cfg = detectors.DefaultConfig()
	}
	var out []string
	for _, p := range append([]string{cfg.AuthPrefix}, cfg.APIPrefixes...) {
		if p = strings.TrimRight(strings.TrimSuffix(p, "*"), "/"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type alertSourceKey struct{}

// withAlertSource tells the Notifier which path (realtime, s3) reports the
// findings, for the AlertLatency metric.
func withAlertSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, alertSourceKey{}, source)
}

// AlertSource returns the path a Notify call came from: "realtime" for
// the Kinesis path, "s3" otherwise.
func AlertSource(ctx context.Context) string {
	if s, ok := ctx.Value(alertSourceKey{}).(string); ok {
		return s
	}
	return "s3"
}

// The window state's bounds. A row is one distinct projection of a request
// (see windowRow) per minute; rows past MaxWindowRows are coarsened (path
// cut to its first two segments, no clients or examples) and past twice
// that counted only. A full row encodes to about 300 bytes, so the state
// stays under ~300 KB whatever the traffic: under a third of Lambda's 1 MB
// window-state limit (see TestWindowStateBounded).
const (
	MaxWindowRows    = 600
	maxRowClients    = 4
	maxRowExamples   = 2
	maxRowPath       = 160
	maxRowHost       = 253
	maxRowField      = 64
	maxPathSegments  = 4
	coarsePathSegmts = 2
)

// windowState is the digest of a window's requests: what the detectors
// read of each request, counted, with a few clients and request IDs each.
type windowState struct {
	V    int          `json:"v"`
	Rows []*windowRow `json:"rows"`
	// Dropped counts requests that found no room even coarsened.
	Dropped int64 `json:"dropped,omitempty"`
	index   map[rowKey]int
	api     []string // API and auth prefixes, whose paths keep their group when coarsened
}

// underAPI reports whether path p is under an API or the auth prefix.
func (s *windowState) underAPI(p string) bool {
	for _, a := range s.api {
		if p == a || strings.HasPrefix(p, a+"/") {
			return true
		}
	}
	return false
}

// windowRow is one projection of requests. Values are bounded in length;
// the cookie is reduced to whether one was sent and the library of its
// first auth cookie (detectors.AuthCookieLibrary), the query to its
// parameter names, time-to-first-byte to its class (detectors.TTFBClass)
// and the content length to its value up to smallContent, large above:
// what the rules test. Request sizes are not kept: auth-cookie-oversize,
// a trend over hours, is left to the standard logs.
type windowRow struct {
	rowKey
	N        int64    `json:"n"`
	First    int64    `json:"f"` // ms
	Last     int64    `json:"l"` // ms
	Clients  []string `json:"ip,omitempty"`
	Examples []string `json:"id,omitempty"`
}

type rowKey struct {
	Minute   int64  `json:"t"`
	Host     string `json:"h,omitempty"` // cs-host: the viewer's Host
	CFName   string `json:"d,omitempty"` // x-host-header: the distribution's name
	Method   string `json:"m,omitempty"`
	Path     string `json:"p,omitempty"`
	Query    string `json:"q,omitempty"`
	Status   int    `json:"s,omitempty"` // -1: unknown
	Result   string `json:"r,omitempty"`
	Response string `json:"rr,omitempty"`
	Detailed string `json:"rd,omitempty"`
	Proto    string `json:"pr,omitempty"`
	FLE      string `json:"fl,omitempty"` // fle-status
	CType    string `json:"ct,omitempty"`
	CLarge   bool   `json:"cl,omitempty"`
	CLen     int16  `json:"cn,omitempty"` // sc-content-len of a small JSON 4xx
	TTFB     int8   `json:"tb,omitempty"` // detectors.TTFBClass
	Cookie   int8   `json:"ck,omitempty"` // cookieNone, cookieSome, or its auth library's code
}

// smallContent is the content length up to which a row keeps it exactly,
// for a 4xx in JSON: the rules read such bodies by their length (API
// Gateway's {"message":"Forbidden"}). Above it a row keeps only that it is
// large; other small ones are kept as 0, which the rules read alike.
const smallContent = 256

// A row's Cookie: none, some, or the library of its first auth cookie.
const (
	cookieNone = iota
	cookieSome
	cookieNextAuth // 2, as the code for "NextAuth" of digests before libraries
	cookieAuthJS
	cookieBetterAuth
)

// cookieCode returns a row's Cookie for a cs(Cookie) value.
func cookieCode(c string) int8 {
	if c == "" {
		return cookieNone
	}
	switch detectors.AuthCookieLibrary(c) {
	case detectors.AuthLibraryNextAuth:
		return cookieNextAuth
	case detectors.AuthLibraryAuthJS:
		return cookieAuthJS
	case detectors.AuthLibraryBetterAuth:
		return cookieBetterAuth
	}
	return cookieSome
}

// cookieOf returns a cs(Cookie) value the rules read as they read those of
// code.
func cookieOf(code int8) string {
	switch code {
	case cookieSome:
		return "cfwatch-realtime=1"
	case cookieNextAuth:
		return detectors.SessionCookie(detectors.AuthLibraryNextAuth)
	case cookieAuthJS:
		return detectors.SessionCookie(detectors.AuthLibraryAuthJS)
	case cookieBetterAuth:
		return detectors.SessionCookie(detectors.AuthLibraryBetterAuth)
	}
	return ""
}

const windowStateVersion = 1

func newWindowState() *windowState {
	return &windowState{V: windowStateVersion, index: map[rowKey]int{}}
}

func decodeWindowState(m map[string]string) (*windowState, error) {
	s, ok := m[windowStateKey]
	if !ok || s == "" {
		return newWindowState(), nil
	}
	st := newWindowState()
	if err := json.Unmarshal([]byte(s), st); err != nil {
		return nil, fmt.Errorf("window state: %w", err)
	}
	if st.V != windowStateVersion {
		return nil, fmt.Errorf("window state: version %d, want %d", st.V, windowStateVersion)
	}
	if len(st.Rows) > 2*MaxWindowRows {
		return nil, fmt.Errorf("window state: %d rows, more than the %d allowed", len(st.Rows), 2*MaxWindowRows)
	}
	for i, r := range st.Rows {
		if r == nil {
			return nil, fmt.Errorf("window state: row %d is null", i)
		}
		st.index[r.rowKey] = i
	}
	return st, nil
}

func (s *windowState) encode() (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("window state: %w", err)
	}
	return string(b), nil
}

// add counts one request.
func (s *windowState) add(rec *logparse.Record) {
	k := project(rec, maxPathSegments)
	i, ok := s.index[k]
	coarse := false
	if !ok && len(s.Rows) >= MaxWindowRows {
		k = project(rec, coarsePathSegmts)
		k.Query, k.CType = "", ""
		if !s.underAPI(k.Path) {
			// Every static path is judged as one group ("/*").
			k.Path = "/_static"
		}
		coarse = true
		i, ok = s.index[k]
		if !ok && len(s.Rows) >= 2*MaxWindowRows {
			s.Dropped++
			return
		}
	}
	ms := rec.Time.UnixMilli()
	if !ok {
		i = len(s.Rows)
		s.Rows = append(s.Rows, &windowRow{rowKey: k, First: ms, Last: ms})
		s.index[k] = i
	}
	r := s.Rows[i]
	r.N++
	r.First, r.Last = min(r.First, ms), max(r.Last, ms)
	if coarse {
		return
	}
	if ip := rec.ClientIP; ip.IsValid() && len(r.Clients) < maxRowClients {
		a := ip.String()
		found := false
		for _, c := range r.Clients {
			if c == a {
				found = true
				break
			}
		}
		if !found {
			r.Clients = append(r.Clients, a)
		}
	}
	if rec.RequestID != "" && len(r.Examples) < maxRowExamples {
		r.Examples = append(r.Examples, clip(rec.RequestID, maxRowField))
	}
}

func clip(s string, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	return strings.Clone(s)
}

// project returns what the detectors read of rec.
func project(rec *logparse.Record, segments int) rowKey {
	k := rowKey{
		Minute:   rec.Time.Unix() / 60,
		Host:     clip(rec.HostHeader, maxRowHost),
		CFName:   clip(rec.Host, maxRowHost),
		Method:   clip(rec.Method, 16),
		Path:     clip(cutPath(rec.URIStem, segments), maxRowPath),
		Result:   clip(rec.EdgeResultType, maxRowField),
		Response: clip(rec.EdgeResponseResultType, maxRowField),
		Detailed: clip(rec.EdgeDetailedResultType, maxRowField),
		Proto:    clip(rec.Protocol, 8),
		FLE:      clip(rec.FLEStatus, maxRowField),
		CType:    clip(rec.ContentType, maxRowField),
		CLarge:   rec.ContentLength > smallContent,
		TTFB:     int8(detectors.ClassifyTTFB(rec)),
		Status:   rec.Status,
	}
	if !k.CLarge && rec.ContentLength > 0 && rec.Status/100 == 4 && strings.Contains(rec.ContentType, "json") {
		k.CLen = int16(rec.ContentLength)
	}
	if !rec.StatusKnown() {
		k.Status = -1
	}
	if rec.Query != "" {
		k.Query = clip(queryNames(rec.Query), maxRowField)
	}
	k.Cookie = cookieCode(rec.Cookie)
	return k
}

// cutPath keeps the first n segments of a path ("/api/users/42/orders" with
// n 2 is "/api/users").
func cutPath(p string, n int) string {
	seen := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			if seen == n {
				return p[:i]
			}
			seen++
		}
	}
	return p
}

// queryNames keeps a query's parameter names ("code=&state="), never its
// values: they may be one-time codes.
func queryNames(q string) string {
	var b strings.Builder
	for p := range strings.SplitSeq(q, "&") {
		name, _, _ := strings.Cut(p, "=")
		if name == "" {
			continue
		}
		b.WriteString(name)
		b.WriteString("=&")
	}
	return strings.TrimSuffix(b.String(), "&")
}

// findings replays the digest into a fresh Engine: each row's requests in
// time order, the first at the row's first time and the rest at its last.
func (s *windowState) findings(rt *Realtime) ([]detectors.Finding, error) {
	cfg := rt.Detectors
	if cfg.Window == 0 {
		cfg = detectors.DefaultConfig()
	}
	eng, err := detectors.New(cfg)
	if err != nil {
		return nil, err
	}
	rows := append([]*windowRow(nil), s.Rows...)
	sortRows(rows)
	var rec logparse.Record
	for _, r := range rows {
		for i := int64(0); i < r.N; i++ {
			r.record(&rec, i)
			eng.Observe(&rec, rt.Distribution)
		}
	}
	return eng.Findings(), nil
}

func sortRows(rows []*windowRow) {
	// Insertion order is arrival order; the engine wants time order.
	for i := 1; i < len(rows); i++ {
		for j := i; j > 0 && rows[j].First < rows[j-1].First; j-- {
			rows[j], rows[j-1] = rows[j-1], rows[j]
		}
	}
}

// record builds the i-th request of the row.
func (r *windowRow) record(rec *logparse.Record, i int64) {
	*rec = logparse.Record{}
	ms := r.Last
	if i == 0 {
		ms = r.First
	}
	rec.Time = time.UnixMilli(ms).UTC()
	rec.HostHeader, rec.Host = r.Host, r.CFName
	rec.Method, rec.URIStem, rec.Query = r.Method, r.Path, r.Query
	rec.EdgeResultType, rec.EdgeResponseResultType, rec.EdgeDetailedResultType = r.Result, r.Response, r.Detailed
	rec.Protocol, rec.ContentType, rec.FLEStatus = r.Proto, r.CType, r.FLE
	rec.ContentLength = int64(r.CLen)
	if r.CLarge {
		rec.ContentLength = 1 << 20
	}
	if r.Status >= 0 {
		rec.Status = r.Status
		rec.SetHas(logparse.FieldStatus)
	}
	if v, ok := detectors.TTFBClass(r.TTFB).Value(); ok {
		rec.TimeToFirstByte = float64(v)
		rec.SetHas(logparse.FieldTimeToFirstByte)
	}
	rec.Cookie = cookieOf(r.Cookie)
	if n := int64(len(r.Clients)); n > 0 {
		rec.ClientIP, _ = netip.ParseAddr(r.Clients[i%n])
	}
	if i < int64(len(r.Examples)) {
		rec.RequestID = r.Examples[i]
	}
}

// parseKinesisData parses the lines of one Kinesis record's data into
// out; any line that cannot be read fails the record. The Records share
// memory with data.
func parseKinesisData(p *logparse.RealtimeParser, data []byte, out *[]logparse.Record) error {
	line := 0
	for len(data) > 0 {
		var l []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data = data, nil
		}
		line++
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		*out = append(*out, logparse.Record{})
		if err := p.Parse(string(l), &(*out)[len(*out)-1]); err != nil {
			*out = (*out)[:len(*out)-1]
			var pe *logparse.ParseError
			if errors.As(err, &pe) {
				pe.Line = line
			}
			return err
		}
	}
	if line == 0 {
		return errors.New("empty record")
	}
	return nil
}
