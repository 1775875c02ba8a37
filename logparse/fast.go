package logparse

import "net/netip"

// The legacy 33-field layout is what nearly every CloudFront log file has,
// so it gets a parser of its own: straight-line code that knows each
// column's field and type, where the general path looks each column up and
// dispatches on it. Both give the same records (see TestFastPathMatchesGeneral).

// isLegacy33 reports whether names is exactly today's 33-field order.
func isLegacy33(names []string) bool {
	if len(names) != len(legacyFields) {
		return false
	}
	for i, n := range names {
		if n != legacyFields[i] {
			return false
		}
	}
	return true
}

// col returns value i of a line whose n tabs are at p.
func col(line string, p *tabIndex, n, i int) string {
	start := 0
	if i > 0 {
		start = int(p[i-1]) + 1
	}
	end := len(line)
	if i < n {
		end = int(p[i])
	}
	return line[start:end]
}

func present(v string) bool { return v != "-" && v != "" }

func (rec *Record) str(dst *string, f Field, v string) {
	if present(v) {
		*dst = v
		rec.present |= 1 << f
	}
}

// Bounds on numbers. A value beyond its field's bound is not one CloudFront
// logs (a shifted column, a generator's noise, an overflow): it is a field
// error, so that no sum and no 32-bit column wraps around.
const (
	// maxByteCount bounds sc-bytes, cs-bytes, sc-content-len and the range
	// fields: 1 TiB, twenty times the largest object CloudFront serves.
	maxByteCount = 1 << 40
	maxStatus    = 999
	maxPort      = 65535
	maxFLEFields = 1 << 16
	maxASN       = 1<<32 - 1
	// maxSeconds bounds the durations: about three years.
	maxSeconds = 1e8
)

// intMax holds each integer field's largest valid value.
var intMax = [numFields]int64{
	FieldBytesSent:          maxByteCount,
	FieldBytesReceived:      maxByteCount,
	FieldContentLength:      maxByteCount,
	FieldRangeStart:         maxByteCount,
	FieldRangeEnd:           maxByteCount,
	FieldStatus:             maxStatus,
	FieldClientPort:         maxPort,
	FieldFLEEncryptedFields: maxFLEFields,
	FieldASN:                maxASN,
}

// int64Col stores integer value v of field f (at position col) in *dst; a
// value that is not a count, or beyond the field's bound, is a field error.
func (r *Reader) int64Col(rec *Record, dst *int64, f Field, col int, v string) {
	if !present(v) {
		return
	}
	n, err := parseInt(v)
	if err == nil && n > intMax[f] {
		err = ErrRange
	}
	if err != nil {
		if err != errAbsent {
			r.badField(rec, col, f, v, err)
		}
		return
	}
	*dst = n
	rec.present |= 1 << f
}

func (r *Reader) intCol(rec *Record, dst *int, f Field, col int, v string) {
	var n int64
	r.int64Col(rec, &n, f, col, v)
	*dst = int(n)
}

// floatCol stores a duration in seconds, as int64Col does a count.
func (r *Reader) floatCol(rec *Record, dst *float64, f Field, col int, v string) {
	if !present(v) {
		return
	}
	x, err := parseFloat(v)
	if err == nil && x > maxSeconds {
		err = ErrRange
	}
	if err != nil {
		if err != errAbsent {
			r.badField(rec, col, f, v, err)
		}
		return
	}
	*dst = x
	rec.present |= 1 << f
}

// ipCol stores the client address.
func (r *Reader) ipCol(rec *Record, col int, v string) {
	if !present(v) {
		return
	}
	ip, err := netip.ParseAddr(v)
	if err != nil {
		r.badField(rec, col, FieldClientIP, v, ErrIP)
		return
	}
	rec.ClientIP = ip
	rec.present |= 1 << FieldClientIP
}

// parseLegacy33 reads a line of the 33-field layout whose 32 tabs are in
// r.tabs. rec has been zeroed.
func (r *Reader) parseLegacy33(line string, rec *Record) error {
	const n = 32
	p := &r.tabs
	var tp timeParts
	if v := col(line, p, n, 0); present(v) {
		tp.date, tp.dateCol = v, 0
	}
	if v := col(line, p, n, 1); present(v) {
		tp.clock, tp.clockCol = v, 1
	}
	rec.str(&rec.EdgeLocation, FieldEdgeLocation, col(line, p, n, 2))
	r.int64Col(rec, &rec.BytesSent, FieldBytesSent, 3, col(line, p, n, 3))
	r.ipCol(rec, 4, col(line, p, n, 4))
	rec.str(&rec.Method, FieldMethod, col(line, p, n, 5))
	rec.str(&rec.Host, FieldHost, col(line, p, n, 6))
	rec.str(&rec.URIStem, FieldURIStem, col(line, p, n, 7))
	r.intCol(rec, &rec.Status, FieldStatus, 8, col(line, p, n, 8))
	rec.str(&rec.Referrer, FieldReferrer, col(line, p, n, 9))
	rec.str(&rec.UserAgent, FieldUserAgent, col(line, p, n, 10))
	rec.str(&rec.Query, FieldQuery, col(line, p, n, 11))
	rec.str(&rec.Cookie, FieldCookie, col(line, p, n, 12))
	rec.str(&rec.EdgeResultType, FieldEdgeResultType, col(line, p, n, 13))
	rec.str(&rec.RequestID, FieldRequestID, col(line, p, n, 14))
	rec.str(&rec.HostHeader, FieldHostHeader, col(line, p, n, 15))
	rec.str(&rec.Protocol, FieldProtocol, col(line, p, n, 16))
	r.int64Col(rec, &rec.BytesReceived, FieldBytesReceived, 17, col(line, p, n, 17))
	r.floatCol(rec, &rec.TimeTaken, FieldTimeTaken, 18, col(line, p, n, 18))
	rec.str(&rec.ForwardedFor, FieldForwardedFor, col(line, p, n, 19))
	rec.str(&rec.TLSProtocol, FieldTLSProtocol, col(line, p, n, 20))
	rec.str(&rec.TLSCipher, FieldTLSCipher, col(line, p, n, 21))
	rec.str(&rec.EdgeResponseResultType, FieldEdgeResponseResultType, col(line, p, n, 22))
	rec.str(&rec.ProtocolVersion, FieldProtocolVersion, col(line, p, n, 23))
	rec.str(&rec.FLEStatus, FieldFLEStatus, col(line, p, n, 24))
	r.intCol(rec, &rec.FLEEncryptedFields, FieldFLEEncryptedFields, 25, col(line, p, n, 25))
	r.intCol(rec, &rec.ClientPort, FieldClientPort, 26, col(line, p, n, 26))
	r.floatCol(rec, &rec.TimeToFirstByte, FieldTimeToFirstByte, 27, col(line, p, n, 27))
	rec.str(&rec.EdgeDetailedResultType, FieldEdgeDetailedResultType, col(line, p, n, 28))
	rec.str(&rec.ContentType, FieldContentType, col(line, p, n, 29))
	r.int64Col(rec, &rec.ContentLength, FieldContentLength, 30, col(line, p, n, 30))
	r.int64Col(rec, &rec.RangeStart, FieldRangeStart, 31, col(line, p, n, 31))
	r.int64Col(rec, &rec.RangeEnd, FieldRangeEnd, 32, col(line, p, n, 32))
	return r.finish(rec, &tp)
}
