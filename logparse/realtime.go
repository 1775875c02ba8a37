package logparse

import (
	"errors"
	"fmt"
	"strings"
)

// Real-time logs (CloudFront → Kinesis Data Streams) carry one request per
// line: tab-separated values with no header, in an order fixed by AWS, not
// by the configuration. AWS: "the fields in every real-time log record are
// always delivered in the same order, as listed in the Fields section"
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/real-time-logs.html).
// A RealtimeLayout therefore puts the configured fields in canonical order,
// whatever order the configuration lists them in.

// realtimeCanonical is the canonical field order of real-time logs. Fields
// 1–41 and 44–46 are AWS's documented list; 42–43 (continuous deployment),
// the CMCD fields and 65–69 were added later (AWS's MQAR page numbers
// r-host, sr-reason and x-edge-mqcs 65–67).
var realtimeCanonical = [...]string{
	"timestamp", "c-ip", "s-ip", "time-to-first-byte", "sc-status", "sc-bytes",
	"cs-method", "cs-protocol", "cs-host", "cs-uri-stem", "cs-bytes",
	"x-edge-location", "x-edge-request-id", "x-host-header", "time-taken",
	"cs-protocol-version", "c-ip-version", "cs-user-agent", "cs-referer",
	"cs-cookie", "cs-uri-query", "x-edge-response-result-type",
	"x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-result-type",
	"fle-encrypted-fields", "fle-status", "sc-content-type", "sc-content-len",
	"sc-range-start", "sc-range-end", "c-port", "x-edge-detailed-result-type",
	"c-country", "cs-accept-encoding", "cs-accept", "cache-behavior-path-pattern",
	"cs-headers", "cs-header-names", "cs-headers-count",
	"primary-distribution-id", "primary-distribution-dns-name", "origin-fbl",
	"origin-lbl", "asn", "cmcd-encoded-bitrate", "cmcd-buffer-length",
	"cmcd-buffer-starvation", "cmcd-content-id", "cmcd-object-duration",
	"cmcd-deadline", "cmcd-measured-throughput", "cmcd-next-object-request",
	"cmcd-next-range-request", "cmcd-object-type", "cmcd-playback-rate",
	"cmcd-requested-maximum-throughput", "cmcd-streaming-format",
	"cmcd-session-id", "cmcd-stream-type", "cmcd-startup", "cmcd-top-bitrate",
	"cmcd-version", "r-host", "sr-reason", "x-edge-mqcs",
	"distribution-tenant-id", "connection-id",
}

// RealtimeRequiredFields are the fields a real-time log configuration must
// include for cfwatch to judge its records: the time, the client, the
// request and how CloudFront answered. The rules read more (cs-host for the
// custom domain, x-edge-detailed-result-type, time-to-first-byte,
// sc-content-type, cs-cookie, x-edge-request-id); RealtimeRecommendedFields
// lists them.
var RealtimeRequiredFields = []string{
	"timestamp", "c-ip", "cs-method", "cs-uri-stem", "sc-status", "x-edge-result-type",
}

// RealtimeRecommendedFields is the field list cfwatch's template configures:
// the required fields and every other field the detectors read, in
// canonical order.
var RealtimeRecommendedFields = []string{
	"timestamp", "c-ip", "time-to-first-byte", "sc-status", "sc-bytes",
	"cs-method", "cs-protocol", "cs-host", "cs-uri-stem", "x-edge-location",
	"x-edge-request-id", "x-host-header", "time-taken", "cs-protocol-version",
	"cs-user-agent", "cs-cookie", "cs-uri-query", "x-edge-response-result-type",
	"x-edge-result-type", "sc-content-type", "sc-content-len",
	"x-edge-detailed-result-type",
}

// realtimeField maps a real-time field name to the Record field it fills.
// Two names mean the opposite of their standard-log namesakes: real-time
// cs-host is the Host header the viewer sent (standard x-host-header) and
// real-time x-host-header is the distribution's domain name (standard
// cs(Host)). Fields cfwatch does not read map to FieldUnknown.
func realtimeField(name string) Field {
	switch name {
	case "cs-host":
		return FieldHostHeader
	case "x-host-header":
		return FieldHost
	case "cs-user-agent":
		return FieldUserAgent
	case "cs-referer":
		return FieldReferrer
	case "cs-cookie":
		return FieldCookie
	case "timestamp":
		return FieldTimestamp
	}
	f := LookupField(name)
	switch f {
	case FieldDate, FieldTime, FieldTimestampMS, FieldDistributionID:
		return FieldUnknown // not real-time field names
	}
	return f
}

// ErrRealtimeFields is wrapped by the errors about a real-time field list
// that cannot be read: an unknown name, a duplicate, a required field
// missing, or a record whose column count is not the list's length.
var ErrRealtimeFields = errors.New("real-time log field list mismatch")

// A RealtimeLayout is the validated field list of a real-time log
// configuration, in the order CloudFront delivers the fields.
type RealtimeLayout struct {
	names  []string
	fields []Field
}

// NewRealtimeLayout validates a real-time log configuration's field list
// (the names of AWS::CloudFront::RealtimeLogConfig Fields, in any order)
// and returns it in delivery order. An unknown or repeated name, or a
// missing required field (RealtimeRequiredFields), is an error wrapping
// ErrRealtimeFields.
func NewRealtimeLayout(configured []string) (*RealtimeLayout, error) {
	pos := make(map[string]int, len(realtimeCanonical))
	for i, n := range realtimeCanonical {
		pos[n] = i
	}
	seen := make(map[string]bool, len(configured))
	for _, raw := range configured {
		n := strings.ToLower(strings.TrimSpace(raw))
		if _, ok := pos[n]; !ok {
			return nil, fmt.Errorf("%w: %q is not a CloudFront real-time log field", ErrRealtimeFields, raw)
		}
		if seen[n] {
			return nil, fmt.Errorf("%w: %q is listed twice", ErrRealtimeFields, raw)
		}
		seen[n] = true
	}
	var missing []string
	for _, n := range RealtimeRequiredFields {
		if !seen[n] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: the list lacks %s, which cfwatch needs (required: %s)",
			ErrRealtimeFields, strings.Join(missing, ", "), strings.Join(RealtimeRequiredFields, ", "))
	}
	l := &RealtimeLayout{}
	for _, n := range realtimeCanonical {
		if seen[n] {
			l.names = append(l.names, n)
			l.fields = append(l.fields, realtimeField(n))
		}
	}
	return l, nil
}

// ParseRealtimeFields reads a field list as the template passes it: names
// separated by commas (spaces allowed).
func ParseRealtimeFields(s string) (*RealtimeLayout, error) {
	var names []string
	for n := range strings.SplitSeq(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: the field list is empty", ErrRealtimeFields)
	}
	return NewRealtimeLayout(names)
}

// Names returns the layout's field names in delivery order.
func (l *RealtimeLayout) Names() []string { return append([]string(nil), l.names...) }

// A RealtimeParser reads real-time log lines into Records. It is not safe
// for concurrent use; its Records' strings share memory with the line.
type RealtimeParser struct {
	layout *RealtimeLayout
	r      Reader // holds the field decoding shared with standard logs
}

// NewRealtimeParser returns a parser for lines of layout l.
func NewRealtimeParser(l *RealtimeLayout) *RealtimeParser {
	p := &RealtimeParser{layout: l}
	p.r.layout = layout{names: l.names, fields: l.fields}
	return p
}

// FieldErrors returns the field errors of the last line parsed (values
// that could not be read and are unknown in its Record).
func (p *RealtimeParser) FieldErrors() []*ParseError { return p.r.fieldErrs }

// Parse reads one real-time log line (a trailing "\n" or "\r\n" is
// ignored) into rec. Values decode as in standard logs, with these
// real-time differences: timestamp is Unix seconds with milliseconds
// ("1598383024.565"); cs-uri-stem holds the whole URL with its query
// string, which is split into URIStem and Query (cs-uri-query, when
// configured, wins); cs-host and x-host-header are swapped (see
// RealtimeRecommendedFields). A line whose column count is not the
// layout's length is refused with an error wrapping ErrRealtimeFields:
// reading it would put values in the wrong fields.
func (p *RealtimeParser) Parse(line string, rec *Record) error {
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	r := &p.r
	r.fieldErrs = r.fieldErrs[:0]
	*rec = Record{}
	n := tabPositions(line, &r.tabs)
	if n < 0 || n+1 != len(p.layout.fields) {
		cols := n + 1
		if n < 0 {
			cols = maxCols
		}
		return &ParseError{Line: 1, Err: fmt.Errorf("%w: the record has %d fields, the configured list %d (%s)",
			ErrRealtimeFields, cols, len(p.layout.fields), strings.Join(p.layout.names, ","))}
	}
	var tp timeParts
	start := 0
	for col := 0; col <= n; col++ {
		end := len(line)
		if col < n {
			end = int(r.tabs[col])
		}
		v := line[start:end]
		start = end + 1
		if err := r.set(rec, &tp, p.layout.fields[col], col, v); err != nil {
			return err
		}
	}
	if i := strings.IndexByte(rec.URIStem, '?'); i >= 0 {
		if rec.Query == "" {
			rec.Query = rec.URIStem[i+1:]
			if rec.Query != "" {
				rec.present |= 1 << FieldQuery
			}
		}
		rec.URIStem = rec.URIStem[:i]
	}
	if err := r.finish(rec, &tp); err != nil {
		var pe *ParseError
		if errors.As(err, &pe) && pe.Line == 0 {
			pe.Line = 1
		}
		return err
	}
	rec.Line = 1
	return nil
}

// SetHas marks field f as given for the record, for a Record built from
// something other than a log line (ingest's real-time window digest): a
// zero status or time-to-first-byte is then a logged zero, not a missing
// value.
func (r *Record) SetHas(f Field) {
	if f < numFields {
		r.present |= 1 << f
	}
}
