package logparse

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A layout is the field order of a W3C log, from its #Fields header.
type layout struct {
	names  []string
	fields []Field
	// legacy33: today's 33 fields in their standard order, which has a
	// parser of its own.
	legacy33 bool
}

func newLayout(names []string) layout {
	l := layout{names: names, fields: make([]Field, len(names)), legacy33: isLegacy33(names)}
	for i, n := range names {
		l.fields[i] = LookupField(n)
	}
	return l
}

// defaultLayout is the 33-field order read when a file has no header.
func defaultLayout() layout { return newLayout(LegacyFields()) }

// duplicate returns why a header that names a field twice is refused, or
// "": reading it would let the last column of that name win.
func (l layout) duplicate() string {
	for i, f := range l.fields {
		for j := range i {
			if f != FieldUnknown && l.fields[j] == f || strings.EqualFold(l.names[i], l.names[j]) {
				return fmt.Sprintf("its #Fields header names %s twice (fields %d and %d)", headerName(l.names[j]), j+1, i+1)
			}
		}
	}
	return ""
}

// headerName returns a header's field name as an error may show it: quoted,
// and shortened.
func headerName(n string) string {
	const max = 40
	if len(n) > max {
		n = n[:max] + "…"
	}
	return strconv.Quote(n)
}

// notAccessLog returns why a header does not describe a web access log, or "".
func (l layout) notAccessLog() string {
	var method, status bool
	for i, f := range l.fields {
		switch f {
		case FieldMethod:
			method = true
		case FieldStatus:
			status = true
		}
		if l.names[i] == "x-event" || l.names[i] == "x-sname" {
			return "this is an RTMP streaming-distribution log (its #Fields has x-event and x-sname), not a web access log"
		}
	}
	if !method && !status && len(l.fields) > 0 {
		// v2 logs may select few fields, but a header with neither a method
		// nor a status and no known field at all is something else.
		known := 0
		for _, f := range l.fields {
			if f != FieldUnknown {
				known++
			}
		}
		if known == 0 {
			return "its #Fields header names no CloudFront access-log field"
		}
	}
	return ""
}

// timeParts collects the time fields of one record; the record's time is
// computed from them once all fields are read.
type timeParts struct {
	date, clock, ts, tsMS string
	dateCol, clockCol     int
	tsCol, tsMSCol        int
}

// parseW3C reads one tab-separated line. A line with no tab is split on runs
// of spaces: some published samples lost their tabs, and CloudFront encodes
// spaces inside values, so this is unambiguous.
func (r *Reader) parseW3C(line string, rec *Record) error {
	if r.layout.fields == nil {
		r.layout = defaultLayout()
	}
	*rec = Record{}
	var tp timeParts
	n := tabPositions(line, &r.tabs)
	if n == 0 {
		return r.parseSpaced(line, rec, &tp)
	}
	if n < 0 {
		return r.tooManyFields(maxCols)
	}
	if n == 32 && r.layout.legacy33 {
		return r.parseLegacy33(line, rec)
	}
	fields := r.layout.fields
	start := 0
	for col := 0; col <= n; col++ {
		end := len(line)
		if col < n {
			end = int(r.tabs[col])
		}
		v := line[start:end]
		start = end + 1
		if col >= len(fields) {
			if v != "" {
				return r.tooManyFields(col)
			}
			continue
		}
		if err := r.set(rec, &tp, fields[col], col, v); err != nil {
			return err
		}
	}
	return r.finish(rec, &tp)
}

// parseSpaced reads a line whose values are separated by runs of spaces.
func (r *Reader) parseSpaced(line string, rec *Record, tp *timeParts) error {
	fields := r.layout.fields
	for col := 0; ; col++ {
		line = strings.TrimLeft(line, " ")
		if line == "" {
			break
		}
		v := line
		if i := strings.IndexByte(line, ' '); i >= 0 {
			v, line = line[:i], line[i+1:]
		} else {
			line = ""
		}
		if col >= len(fields) {
			return r.tooManyFields(col)
		}
		if err := r.set(rec, tp, fields[col], col, v); err != nil {
			return err
		}
	}
	return r.finish(rec, tp)
}

func (r *Reader) tooManyFields(col int) error {
	return &ParseError{Column: col + 1, Err: ErrFieldCount,
		Value: "(" + strconv.Itoa(len(r.layout.fields)) + " declared)"}
}

// set stores value v of field f (at position col) into rec. A number or
// address that cannot be read is a field error: the field stays unknown and
// the record is kept. Only an error that loses the line is returned.
func (r *Reader) set(rec *Record, tp *timeParts, f Field, col int, v string) error {
	if v == "-" || v == "" {
		return nil
	}
	switch f {
	case FieldUnknown:
		return nil
	case FieldDate:
		tp.date, tp.dateCol = v, col
		return nil
	case FieldTime:
		tp.clock, tp.clockCol = v, col
		return nil
	case FieldTimestamp:
		tp.ts, tp.tsCol = v, col
		return nil
	case FieldTimestampMS:
		tp.tsMS, tp.tsMSCol = v, col
		return nil
	case FieldBytesSent:
		r.int64Col(rec, &rec.BytesSent, f, col, v)
		return nil
	case FieldBytesReceived:
		r.int64Col(rec, &rec.BytesReceived, f, col, v)
		return nil
	case FieldContentLength:
		r.int64Col(rec, &rec.ContentLength, f, col, v)
		return nil
	case FieldRangeStart:
		r.int64Col(rec, &rec.RangeStart, f, col, v)
		return nil
	case FieldRangeEnd:
		r.int64Col(rec, &rec.RangeEnd, f, col, v)
		return nil
	case FieldASN:
		r.int64Col(rec, &rec.ASN, f, col, v)
		return nil
	case FieldStatus:
		r.intCol(rec, &rec.Status, f, col, v)
		return nil
	case FieldFLEEncryptedFields:
		r.intCol(rec, &rec.FLEEncryptedFields, f, col, v)
		return nil
	case FieldClientPort:
		r.intCol(rec, &rec.ClientPort, f, col, v)
		return nil
	case FieldTimeTaken:
		r.floatCol(rec, &rec.TimeTaken, f, col, v)
		return nil
	case FieldTimeToFirstByte:
		r.floatCol(rec, &rec.TimeToFirstByte, f, col, v)
		return nil
	case FieldOriginFBL:
		r.floatCol(rec, &rec.OriginFBL, f, col, v)
		return nil
	case FieldOriginLBL:
		r.floatCol(rec, &rec.OriginLBL, f, col, v)
		return nil
	case FieldClientIP:
		r.ipCol(rec, col, v)
		return nil
	case FieldDistributionID:
		rec.DistributionID = v
	case FieldEdgeLocation:
		rec.EdgeLocation = v
	case FieldMethod:
		rec.Method = v
	case FieldHost:
		rec.Host = v
	case FieldURIStem:
		rec.URIStem = v
	case FieldReferrer:
		rec.Referrer = v
	case FieldUserAgent:
		rec.UserAgent = v
	case FieldQuery:
		rec.Query = v
	case FieldCookie:
		rec.Cookie = v
	case FieldEdgeResultType:
		rec.EdgeResultType = v
	case FieldRequestID:
		rec.RequestID = v
	case FieldHostHeader:
		rec.HostHeader = v
	case FieldProtocol:
		rec.Protocol = v
	case FieldForwardedFor:
		rec.ForwardedFor = v
	case FieldTLSProtocol:
		rec.TLSProtocol = v
	case FieldTLSCipher:
		rec.TLSCipher = v
	case FieldEdgeResponseResultType:
		rec.EdgeResponseResultType = v
	case FieldProtocolVersion:
		rec.ProtocolVersion = v
	case FieldFLEStatus:
		rec.FLEStatus = v
	case FieldEdgeDetailedResultType:
		rec.EdgeDetailedResultType = v
	case FieldContentType:
		rec.ContentType = v
	case FieldCountry:
		rec.Country = v
	case FieldCacheBehaviorPathPattern:
		rec.CacheBehaviorPathPattern = v
	}
	rec.present |= 1 << f
	return nil
}

// fieldError returns the error about value v of field f at position col.
func (r *Reader) fieldError(col int, f Field, v string, err error) *ParseError {
	name := f.String()
	switch {
	case r.format == FormatJSON || r.format == FormatParquet:
		if r.jsonKey != "" {
			name = strings.Clone(r.jsonKey)
		}
	case col < len(r.layout.names):
		name = r.layout.names[col]
	}
	return &ParseError{Column: col + 1, Field: name, Value: shownValue(v), Err: err}
}

// badField records that value v of field f (at position col) could not be
// read: the field is unknown in rec and the problem a field error.
func (r *Reader) badField(rec *Record, col int, f Field, v string, err error) {
	rec.invalid |= 1 << f
	r.fieldErrs = append(r.fieldErrs, r.fieldError(col, f, v, err))
}

// finish computes the record's time from the time fields it had.
func (r *Reader) finish(rec *Record, tp *timeParts) error {
	switch {
	case tp.tsMS != "":
		ms, err := parseInt(tp.tsMS)
		if err != nil || ms < minUnix*1000 || ms >= maxUnix*1000 {
			return r.fieldError(tp.tsMSCol, FieldTimestampMS, tp.tsMS, ErrTime)
		}
		rec.Time = time.UnixMilli(ms).UTC()
		rec.present |= 1 << FieldTimestampMS
	case tp.ts != "":
		t, ok := parseEpoch(tp.ts)
		if !ok || t.Unix() < minUnix || t.Unix() >= maxUnix {
			return r.fieldError(tp.tsCol, FieldTimestamp, tp.ts, ErrTime)
		}
		rec.Time = t
		rec.present |= 1 << FieldTimestamp
	case tp.date != "" && tp.clock != "":
	default:
		return &ParseError{Err: ErrNoTime}
	}
	if tp.date != "" {
		day, ok := r.day(tp.date)
		if !ok {
			return r.fieldError(tp.dateCol, FieldDate, tp.date, ErrTime)
		}
		rec.present |= 1 << FieldDate
		if tp.clock != "" {
			secs, ok := parseClock(tp.clock)
			if !ok {
				return r.fieldError(tp.clockCol, FieldTime, tp.clock, ErrTime)
			}
			rec.present |= 1 << FieldTime
			if rec.Time.IsZero() {
				rec.Time = time.Unix(day*86400+secs, 0).UTC()
			}
		}
	}
	return nil
}

// day returns the Unix day number of a "YYYY-MM-DD" date.
func (r *Reader) day(s string) (int64, bool) {
	if s == r.lastDate {
		return r.lastDateDay, true
	}
	if len(s) != 10 || !looksLikeDate(s) {
		return 0, false
	}
	y := atoiFixed(s[0:4])
	m := atoiFixed(s[5:7])
	d := atoiFixed(s[8:10])
	if y < minYear || y > maxYear || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return 0, false // 2019-02-30
	}
	r.lastDate, r.lastDateDay = s, t.Unix()/86400
	return r.lastDateDay, true
}

// The years a record's time may fall in: CloudFront began in 2008, and a
// time outside these years (a timestamp of 0, or of max-int64 that would
// make a day partition of year 292278994) is not one it logged. Such a
// line cannot be placed in time and is skipped.
const (
	minYear = 2000
	maxYear = 2100
	minUnix = 946684800  // 2000-01-01T00:00:00Z
	maxUnix = 4133980800 // 2101-01-01T00:00:00Z
)

// parseClock reads "HH:MM:SS" as seconds since midnight.
func parseClock(s string) (int64, bool) {
	if len(s) != 8 || s[2] != ':' || s[5] != ':' {
		return 0, false
	}
	for _, i := range [...]int{0, 1, 3, 4, 6, 7} {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	h, m, sec := atoiFixed(s[0:2]), atoiFixed(s[3:5]), atoiFixed(s[6:8])
	if h > 23 || m > 59 || sec > 60 {
		return 0, false
	}
	return int64(h*3600 + m*60 + sec), true
}

// parseEpoch reads Unix seconds with an optional fraction ("1607374321.541").
func parseEpoch(s string) (time.Time, bool) {
	secStr, frac, _ := strings.Cut(s, ".")
	sec, err := parseInt(secStr)
	if err != nil || len(frac) > 9 {
		return time.Time{}, false
	}
	var nsec int64
	for i := 0; i < 9; i++ {
		nsec *= 10
		if i < len(frac) {
			c := frac[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			nsec += int64(c - '0')
		}
	}
	return time.Unix(sec, nsec).UTC(), true
}

// atoiFixed converts a short string known to be all digits.
func atoiFixed(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// errAbsent reports a numeric field that holds only "-" after trimming.
var errAbsent = &ParseError{Err: ErrNumber}

// parseInt reads a non-negative decimal integer. Surrounding spaces, which
// some tools' output has, are ignored.
func parseInt(s string) (int64, error) {
	if len(s) > 0 && (s[0] == ' ' || s[len(s)-1] == ' ') {
		s = strings.TrimSpace(s)
		if s == "-" || s == "" {
			return 0, errAbsent
		}
	}
	if len(s) == 0 || len(s) > 18 {
		if len(s) > 18 {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
				return n, nil
			}
		}
		return 0, ErrNumber
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrNumber
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// pow10 holds the exact powers of ten used by parseFloat's fast path.
var pow10 = [...]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// parseFloat reads a decimal number of seconds. The common form, digits with
// a short fraction ("0.123"), is converted exactly without strconv: both the
// digits and the power of ten are exact in a float64, so one division is
// correctly rounded. Anything else goes to strconv.ParseFloat.
func parseFloat(s string) (float64, error) {
	if len(s) > 0 && len(s) <= 15 {
		var mant uint64
		dot := -1
		ok := true
		for i := 0; i < len(s); i++ {
			c := s[i]
			switch {
			case c >= '0' && c <= '9':
				mant = mant*10 + uint64(c-'0')
			case c == '.' && dot < 0:
				dot = i
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && dot != 0 && dot != len(s)-1 {
			if dot < 0 {
				return float64(mant), nil
			}
			return float64(mant) / pow10[len(s)-dot-1], nil
		}
	}
	if t := strings.TrimSpace(s); t != s {
		if t == "-" || t == "" {
			return 0, errAbsent
		}
		s = t
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, ErrNumber
	}
	return f, nil
}
