package ingest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// Each file's EMF line carries its field errors (values written as NULL)
// beside its skipped lines, declared as a metric.
func TestMetricsFieldErrors(t *testing.T) {
	var buf bytes.Buffer
	m := NewMetrics(&buf, "cfwatch")
	m.now = func() time.Time { return time.Unix(1763647200, 0) }
	if err := m.File(&Result{Name: "s3://logs/x.gz", Status: StatusOK, Records: 10, SkippedLines: 1, InvalidValues: 2}); err != nil {
		t.Fatal(err)
	}
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Metrics []struct{ Name, Unit string }
			}
		} `json:"_aws"`
		FieldErrors  *int64
		SkippedLines *int64
	}
	if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
		t.Fatal(err)
	}
	declared := false
	for _, mt := range line.AWS.CloudWatchMetrics[0].Metrics {
		declared = declared || mt.Name == "FieldErrors" && mt.Unit == "Count"
	}
	if !declared || line.FieldErrors == nil || *line.FieldErrors != 2 || *line.SkippedLines != 1 {
		t.Errorf("EMF line %s", buf.String())
	}
}
