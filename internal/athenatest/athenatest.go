// Package athenatest drives moto_server's Athena (internal/mototest) for
// tests of the Athena API flow.
//
// moto runs no SQL: it answers GetQueryResults with results queued through
// its own API (Seed), in the order the queries are started, and its
// executions go QUEUED, RUNNING, SUCCEEDED (SetProgression paces it). moto
// 5.2 does not do two things Athena does, which Proxy adds in front of it
// and nothing else:
//
//   - GetQueryResults pages: at most MaxResults rows, and a NextToken when
//     more follow (moto returns every row at once);
//   - queries fail: a query whose text contains Proxy.FailMarker is
//     reported FAILED from its first GetQueryExecution, with a
//     StateChangeReason and an AthenaError.
//
// The proxy also reports DataScannedInBytes (moto says 0) and counts the
// calls of each operation.
package athenatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// A Result is the result of one query: its column names and rows, a NULL
// being nil. Athena gives a SELECT's column names as the first row too;
// Seed does the same.
type Result struct {
	Columns []string
	Rows    [][]*string
}

// Seed queues results in moto: the queries started next get them, one
// each, in order.
func Seed(tb testing.TB, endpoint string, results ...Result) {
	tb.Helper()
	type datum struct {
		VarCharValue *string `json:"VarCharValue,omitempty"`
	}
	type row struct {
		Data []datum `json:"Data"`
	}
	type column struct {
		Name, Label, Type string
	}
	type result struct {
		Rows       []row    `json:"rows"`
		ColumnInfo []column `json:"column_info"`
	}
	var body struct {
		Results []result `json:"results"`
	}
	for _, r := range results {
		var out result
		header := row{}
		for _, c := range r.Columns {
			name := c
			out.ColumnInfo = append(out.ColumnInfo, column{Name: c, Label: c, Type: "varchar"})
			header.Data = append(header.Data, datum{&name})
		}
		out.Rows = append(out.Rows, header)
		for _, vals := range r.Rows {
			var rw row
			for _, v := range vals {
				rw.Data = append(rw.Data, datum{v})
			}
			out.Rows = append(out.Rows, rw)
		}
		body.Results = append(body.Results, out)
	}
	post(tb, endpoint+"/moto-api/static/athena/query-results", body, http.StatusCreated)
}

// SetProgression makes moto's executions move one state (QUEUED, RUNNING,
// SUCCEEDED) every n GetQueryExecution calls.
func SetProgression(tb testing.TB, endpoint string, n int) {
	tb.Helper()
	post(tb, endpoint+"/moto-api/state-manager/set-transition", map[string]any{
		"model_name": "athena::execution",
		"transition": map[string]any{"progression": "manual", "times": n},
	}, http.StatusCreated)
}

func post(tb testing.TB, url string, body any, want int) {
	tb.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != want {
		msg, _ := io.ReadAll(resp.Body)
		tb.Fatalf("POST %s: %s: %s", url, resp.Status, msg)
	}
}

// A Proxy stands in front of moto_server (see the package comment).
type Proxy struct {
	URL string
	// FailMarker: a query whose text contains it fails.
	FailMarker string
	// FailReason is the failed query's StateChangeReason.
	FailReason string
	// ScannedBytes is reported as each finished query's DataScannedInBytes.
	ScannedBytes int64

	target string
	mu     sync.Mutex
	calls  map[string]int
	sqls   map[string]string // execution ID → query text
}

// NewProxy starts a proxy to moto at target, closed when the test ends.
func NewProxy(tb testing.TB, target string) *Proxy {
	tb.Helper()
	p := &Proxy{target: target, FailMarker: "/* fail */", FailReason: "SYNTAX_ERROR: line 1:8: Column 'nope' cannot be resolved",
		calls: map[string]int{}, sqls: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Calls returns how many calls of the operation (such as
// "StopQueryExecution") the proxy passed on.
func (p *Proxy) Calls(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena.")
	in, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.calls[op]++
	p.mu.Unlock()
	var req map[string]any
	json.Unmarshal(in, &req)
	status, out, err := p.forward(r, in)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if status == http.StatusOK {
		switch op {
		case "StartQueryExecution":
			var resp struct{ QueryExecutionId string }
			if json.Unmarshal(out, &resp) == nil {
				p.mu.Lock()
				p.sqls[resp.QueryExecutionId], _ = req["QueryString"].(string)
				p.mu.Unlock()
			}
		case "GetQueryExecution":
			out = p.execution(out)
		case "GetQueryResults":
			var ok bool
			if out, ok = page(out, req); !ok {
				status = http.StatusBadRequest
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.WriteHeader(status)
	w.Write(out)
}

func (p *Proxy) forward(r *http.Request, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// execution fails the query if its text has the marker, and reports the
// data it scanned.
func (p *Proxy) execution(out []byte) []byte {
	var resp map[string]any
	if json.Unmarshal(out, &resp) != nil {
		return out
	}
	qe, _ := resp["QueryExecution"].(map[string]any)
	st, _ := qe["Status"].(map[string]any)
	if qe == nil || st == nil {
		return out
	}
	id, _ := qe["QueryExecutionId"].(string)
	p.mu.Lock()
	sql := p.sqls[id]
	p.mu.Unlock()
	// A failing query fails at once, as Athena fails a query it cannot
	// analyse, whatever state moto gives it.
	if p.FailMarker != "" && strings.Contains(sql, p.FailMarker) && st["State"] != "CANCELLED" {
		st["State"] = "FAILED"
		st["StateChangeReason"] = p.FailReason
		st["AthenaError"] = map[string]any{"ErrorCategory": 2, "ErrorType": 1006, "Retryable": false, "ErrorMessage": p.FailReason}
	}
	if stats, ok := qe["Statistics"].(map[string]any); ok && st["State"] == "SUCCEEDED" {
		stats["DataScannedInBytes"] = p.ScannedBytes
		stats["EngineExecutionTimeInMillis"] = 1234
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return out
	}
	return b
}

// page cuts moto's whole result to the page MaxResults and NextToken
// ask for.
func page(out []byte, req map[string]any) ([]byte, bool) {
	var resp map[string]any
	if json.Unmarshal(out, &resp) != nil {
		return out, true
	}
	rs, _ := resp["ResultSet"].(map[string]any)
	rows, _ := rs["Rows"].([]any)
	if rs == nil {
		return out, true
	}
	size := 1000
	if m, ok := req["MaxResults"].(float64); ok && m > 0 {
		size = int(m)
	}
	from := 0
	if tok, ok := req["NextToken"].(string); ok {
		n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil || n < 0 || n > len(rows) {
			return []byte(fmt.Sprintf(`{"__type":"InvalidRequestException","Message":"bad NextToken %q"}`, tok)), false
		}
		from = n
	}
	to := min(from+size, len(rows))
	rs["Rows"] = rows[from:to]
	if to < len(rows) {
		resp["NextToken"] = "page-" + strconv.Itoa(to)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return out, true
	}
	return b, true
}
