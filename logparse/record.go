package logparse

import (
	"net/netip"
	"time"
)

// A Record is one request from a CloudFront access log, with typed fields.
//
// String fields hold the value exactly as CloudFront logged it, still
// URL-encoded (see [Decode]); a value CloudFront logged as "-" (no value) is
// the empty string, and a number logged as "-" is zero with [Record.Has]
// reporting false. A number or address the log gave but that cannot be read
// (not a number, out of range) is unknown: zero, Has false and
// [Record.Invalid] true; the Reader reports it as a field error
// ([Reader.FieldErrors]) and the rest of the record is kept. Strings in a Record share memory with the block of input
// they were read from: keep a field beyond the next few thousand records only
// through strings.Clone, or the whole block stays alive.
type Record struct {
	// Time is when CloudFront finished the request, in UTC: from timestamp(ms),
	// timestamp, or date and time, the most precise present.
	Time time.Time
	// DistributionID comes from v2 logs that include the DistributionId field.
	// Legacy logs name the distribution only in the object key (see ParseKey).
	DistributionID string

	EdgeLocation  string     // x-edge-location, e.g. "IAD89-C1"
	BytesSent     int64      // sc-bytes: bytes served to the viewer, headers included
	BytesReceived int64      // cs-bytes: bytes received from the viewer
	ClientIP      netip.Addr // c-ip, IPv4 or IPv6
	ClientPort    int        // c-port
	Method        string     // cs-method
	Host          string     // cs(Host): the distribution's *.cloudfront.net name
	URIStem       string     // cs-uri-stem: the path
	Query         string     // cs-uri-query, without the "?"
	Status        int        // sc-status; 0 when CloudFront logged 000
	Referrer      string     // cs(Referer)
	UserAgent     string     // cs(User-Agent)
	Cookie        string     // cs(Cookie): only when cookie logging is on
	RequestID     string     // x-edge-request-id
	HostHeader    string     // x-host-header: the Host the viewer sent (custom domain)

	EdgeResultType         string // x-edge-result-type: Hit, RefreshHit, Miss, Redirect, LimitExceeded, CapacityExceeded, Error
	EdgeResponseResultType string // x-edge-response-result-type
	EdgeDetailedResultType string // x-edge-detailed-result-type, e.g. InvalidRequestMethod, OriginConnectError

	Protocol        string // cs-protocol: http, https, ws, wss, grpcs
	ProtocolVersion string // cs-protocol-version, e.g. HTTP/2.0
	TLSProtocol     string // ssl-protocol
	TLSCipher       string // ssl-cipher

	TimeTaken       float64 // time-taken, seconds
	TimeToFirstByte float64 // time-to-first-byte, seconds
	ForwardedFor    string  // x-forwarded-for

	ContentType   string // sc-content-type
	ContentLength int64  // sc-content-len
	RangeStart    int64  // sc-range-start
	RangeEnd      int64  // sc-range-end

	FLEStatus          string // fle-status
	FLEEncryptedFields int    // fle-encrypted-fields

	// Standard logging v2 extras, set when the log has them.
	ASN                      int64   // asn
	Country                  string  // c-country
	OriginFBL                float64 // origin-fbl: origin first-byte latency, seconds
	OriginLBL                float64 // origin-lbl: origin last-byte latency, seconds
	CacheBehaviorPathPattern string  // cache-behavior-path-pattern

	// Line is the input line the record starts on, counting from 1.
	Line int

	present uint64
	invalid uint64 // fields whose logged value could not be read
}

// Has reports whether the log gave field f a value for this record ("-" and
// empty values are absent). It tells a logged 0 from a missing number.
func (r *Record) Has(f Field) bool { return r.present&(1<<f) != 0 }

// Invalid reports whether the log gave field f a value that could not be
// read (a fraction where a count belongs, a number out of range, a malformed
// address): the field is unknown, its value zero and Has false.
func (r *Record) Invalid(f Field) bool { return r.invalid&(1<<f) != 0 }

// StatusKnown reports whether the record has a status code. It is false when
// the log gave none or one that could not be read; a logged 000 (the viewer
// left before any response) is known. A record built by hand with a non-zero
// Status is known.
func (r *Record) StatusKnown() bool { return r.Status != 0 || r.Has(FieldStatus) }

// IsCacheHit reports whether CloudFront answered from its cache, the edge or
// Origin Shield (Hit, RefreshHit, OriginShieldHit), without a full origin
// fetch.
func (r *Record) IsCacheHit() bool {
	switch r.EdgeDetailedResultType {
	case "Hit", "RefreshHit", "OriginShieldHit":
		return true
	case "":
		switch r.EdgeResultType {
		case "Hit", "RefreshHit":
			return true
		}
	}
	return false
}
