package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Metrics writes CloudWatch Embedded Metric Format (EMF) lines: JSON
// objects that CloudWatch Logs turns into metrics when the Lambda prints
// them, so records, parse errors and findings by rule become metrics and
// alarms with no agent and no PutMetricData call.
//
// Per file, with no dimensions: Records, SkippedLines (lines that could not
// be parsed), FieldErrors (values that could not be read, written as NULL
// in records that are kept), Bytes, and FailedFiles (1 when the file could
// not be read).
// Per file and rule that fired: Findings, with the dimension sets
// [Rule, Severity] and [Severity], so one alarm on Findings{Severity=critical}
// covers every critical rule.
type Metrics struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
	now       func() time.Time
}

// NewMetrics returns a Metrics writing to w (the Lambda's stdout) under
// namespace.
func NewMetrics(w io.Writer, namespace string) *Metrics {
	return &Metrics{w: w, namespace: namespace, now: time.Now}
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

// File writes the metrics of one processed (or failed) file.
func (m *Metrics) File(r *Result) error {
	if m == nil {
		return nil
	}
	failed := 0
	if r.Status == StatusFailed {
		failed = 1
	}
	line := map[string]any{
		"_aws": emfMeta{Timestamp: m.now().UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace:  m.namespace,
			Dimensions: [][]string{{}},
			Metrics: []emfMetric{
				{"Records", "Count"}, {"SkippedLines", "Count"}, {"FieldErrors", "Count"},
				{"Bytes", "Bytes"}, {"FailedFiles", "Count"},
			},
		}}},
		"Records":      r.Records,
		"SkippedLines": r.SkippedLines,
		"FieldErrors":  r.InvalidValues,
		"Bytes":        r.Bytes,
		"FailedFiles":  failed,
		"object":       r.Name,
		"status":       string(r.Status),
	}
	if err := m.write(line); err != nil {
		return err
	}
	// One line per rule and severity: dimension values are per line.
	type rs struct{ rule, sev string }
	counts := map[rs]int{}
	for _, f := range r.Findings {
		counts[rs{f.Rule, string(f.Severity)}]++
	}
	keys := make([]rs, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].rule != keys[j].rule {
			return keys[i].rule < keys[j].rule
		}
		return keys[i].sev < keys[j].sev
	})
	for _, k := range keys {
		line := map[string]any{
			"_aws": emfMeta{Timestamp: m.now().UnixMilli(), CloudWatchMetrics: []emfDirective{{
				Namespace:  m.namespace,
				Dimensions: [][]string{{"Rule", "Severity"}, {"Severity"}},
				Metrics:    []emfMetric{{"Findings", "Count"}},
			}}},
			"Rule":     k.rule,
			"Severity": k.sev,
			"Findings": counts[k],
			"object":   r.Name,
		}
		if err := m.write(line); err != nil {
			return err
		}
	}
	return nil
}

func (m *Metrics) write(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	b = append(b, '\n')
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.w.Write(b); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}

// Realtime writes the metrics of one Kinesis batch: RealtimeRecords
// (requests read), RealtimeFailedRecords (Kinesis records that could not be
// decoded) and WindowStateBytes (the tumbling window's state returned).
func (m *Metrics) Realtime(records, failed int64, stateBytes int) error {
	if m == nil {
		return nil
	}
	return m.write(map[string]any{
		"_aws": emfMeta{Timestamp: m.now().UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace:  m.namespace,
			Dimensions: [][]string{{}},
			Metrics:    []emfMetric{{"RealtimeRecords", "Count"}, {"RealtimeFailedRecords", "Count"}, {"WindowStateBytes", "Bytes"}},
		}}},
		"RealtimeRecords":       records,
		"RealtimeFailedRecords": failed,
		"WindowStateBytes":      stateBytes,
	})
}

// AlertLatency writes the seconds from an incident's first failing
// request to its first Slack post, with the dimension Source ("realtime"
// for the Kinesis path, "s3" for log objects) and [Source, Rule].
func (m *Metrics) AlertLatency(source, rule string, firstFailure, posted time.Time) error {
	if m == nil {
		return nil
	}
	return m.write(map[string]any{
		"_aws": emfMeta{Timestamp: m.now().UnixMilli(), CloudWatchMetrics: []emfDirective{{
			Namespace:  m.namespace,
			Dimensions: [][]string{{"Source"}, {"Source", "Rule"}},
			Metrics:    []emfMetric{{"AlertLatency", "Seconds"}},
		}}},
		"Source":       source,
		"Rule":         rule,
		"AlertLatency": posted.Sub(firstFailure).Seconds(),
	})
}
