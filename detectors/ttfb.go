package detectors

import "github.com/cfwatch/cfwatch/logparse"

// TTFBClass is what the rules tell apart of a request's time-to-first-byte:
// the form in which the Athena engine's replay (athena's detect statement)
// and the real-time digest (ingest) keep it. The values are athena's SQL
// classes.
type TTFBClass int8

// Time-to-first-byte classes.
const (
	TTFBAbsent      TTFBClass = iota // not logged
	TTFBZero                         // 0: CloudFront answered itself
	TTFBPositive                     // over EdgeOnlyTTFB, under OriginReadTimeoutTTFB
	TTFBNegative                     // below zero (a broken log)
	TTFBEdgeOnly                     // over 0, at most EdgeOnlyTTFB: the origin not asked
	TTFBReadTimeout                  // OriginReadTimeoutTTFB or more
	numTTFBClasses
)

// ClassifyTTFB returns the class of rec's time-to-first-byte.
func ClassifyTTFB(rec *logparse.Record) TTFBClass {
	if !rec.Has(logparse.FieldTimeToFirstByte) {
		return TTFBAbsent
	}
	v := rec.TimeToFirstByte
	switch {
	case v == 0:
		return TTFBZero
	case v < 0:
		return TTFBNegative
	case OriginNotAsked(rec):
		return TTFBEdgeOnly
	case float32(v) >= float32(OriginReadTimeoutTTFB):
		return TTFBReadTimeout
	}
	return TTFBPositive
}

// Value returns a time-to-first-byte of class c, which every rule reads as
// it reads any other of the class; ok is false for TTFBAbsent and for a
// value that is no class (leave the field unset).
func (c TTFBClass) Value() (v float32, ok bool) {
	switch c {
	case TTFBZero:
		return 0, true
	case TTFBPositive:
		return 1, true
	case TTFBNegative:
		return -1, true
	case TTFBEdgeOnly:
		return EdgeOnlyTTFB, true
	case TTFBReadTimeout:
		return OriginResponseTimeout, true
	}
	return 0, false
}

// Valid reports whether c is one of the classes.
func (c TTFBClass) Valid() bool { return c >= TTFBAbsent && c < numTTFBClasses }
