package detectors

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

// synth builds records by hand for the unit tests.
type synth struct {
	n    int
	host string
	t0   time.Time
}

func newSynth() *synth {
	return &synth{host: "app.example.com", t0: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
}

// rec returns a request at offset at from t0, by client number client.
func (s *synth) rec(at time.Duration, method, path string, status int, client int) *logparse.Record {
	s.n++
	result := "Miss"
	if status >= 400 {
		result = "Error"
	}
	return &logparse.Record{
		Time:           s.t0.Add(at),
		Method:         method,
		Host:           "d111111abcdef8.cloudfront.net",
		HostHeader:     s.host,
		URIStem:        path,
		Status:         status,
		ClientIP:       netip.AddrFrom4([4]byte{198, 51, byte(client >> 8), byte(client)}),
		RequestID:      fmt.Sprintf("req-%07d", s.n),
		EdgeResultType: result, EdgeResponseResultType: result, EdgeDetailedResultType: result,
		Protocol:    "https",
		ContentType: "application/json",
	}
}

func ruleFindings(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}
