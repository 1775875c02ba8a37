package logparse

import "strings"

// A Field identifies one CloudFront log field, whatever the name it has in a
// given format (legacy "cs(Host)" and real-time "cs-host" are both FieldHost).
type Field uint8

// The fields cfwatch reads. Fields a log has that are not listed here (the
// real-time log's cs-headers, for instance) are read past and ignored.
const (
	FieldUnknown Field = iota
	FieldDate
	FieldTime
	FieldTimestamp   // timestamp: Unix seconds, possibly with a fraction
	FieldTimestampMS // timestamp(ms): Unix milliseconds
	FieldDistributionID
	FieldEdgeLocation
	FieldBytesSent
	FieldClientIP
	FieldMethod
	FieldHost
	FieldURIStem
	FieldStatus
	FieldReferrer
	FieldUserAgent
	FieldQuery
	FieldCookie
	FieldEdgeResultType
	FieldRequestID
	FieldHostHeader
	FieldProtocol
	FieldBytesReceived
	FieldTimeTaken
	FieldForwardedFor
	FieldTLSProtocol
	FieldTLSCipher
	FieldEdgeResponseResultType
	FieldProtocolVersion
	FieldFLEStatus
	FieldFLEEncryptedFields
	FieldClientPort
	FieldTimeToFirstByte
	FieldEdgeDetailedResultType
	FieldContentType
	FieldContentLength
	FieldRangeStart
	FieldRangeEnd
	FieldOriginFBL
	FieldOriginLBL
	FieldASN
	FieldCountry
	FieldCacheBehaviorPathPattern
	numFields
)

// fieldNames holds each field's name as standard logs spell it.
var fieldNames = [numFields]string{
	FieldUnknown:                  "",
	FieldDate:                     "date",
	FieldTime:                     "time",
	FieldTimestamp:                "timestamp",
	FieldTimestampMS:              "timestamp(ms)",
	FieldDistributionID:           "DistributionId",
	FieldEdgeLocation:             "x-edge-location",
	FieldBytesSent:                "sc-bytes",
	FieldClientIP:                 "c-ip",
	FieldMethod:                   "cs-method",
	FieldHost:                     "cs(Host)",
	FieldURIStem:                  "cs-uri-stem",
	FieldStatus:                   "sc-status",
	FieldReferrer:                 "cs(Referer)",
	FieldUserAgent:                "cs(User-Agent)",
	FieldQuery:                    "cs-uri-query",
	FieldCookie:                   "cs(Cookie)",
	FieldEdgeResultType:           "x-edge-result-type",
	FieldRequestID:                "x-edge-request-id",
	FieldHostHeader:               "x-host-header",
	FieldProtocol:                 "cs-protocol",
	FieldBytesReceived:            "cs-bytes",
	FieldTimeTaken:                "time-taken",
	FieldForwardedFor:             "x-forwarded-for",
	FieldTLSProtocol:              "ssl-protocol",
	FieldTLSCipher:                "ssl-cipher",
	FieldEdgeResponseResultType:   "x-edge-response-result-type",
	FieldProtocolVersion:          "cs-protocol-version",
	FieldFLEStatus:                "fle-status",
	FieldFLEEncryptedFields:       "fle-encrypted-fields",
	FieldClientPort:               "c-port",
	FieldTimeToFirstByte:          "time-to-first-byte",
	FieldEdgeDetailedResultType:   "x-edge-detailed-result-type",
	FieldContentType:              "sc-content-type",
	FieldContentLength:            "sc-content-len",
	FieldRangeStart:               "sc-range-start",
	FieldRangeEnd:                 "sc-range-end",
	FieldOriginFBL:                "origin-fbl",
	FieldOriginLBL:                "origin-lbl",
	FieldASN:                      "asn",
	FieldCountry:                  "c-country",
	FieldCacheBehaviorPathPattern: "cache-behavior-path-pattern",
}

// String returns the field's standard-log name.
func (f Field) String() string {
	if f < numFields {
		return fieldNames[f]
	}
	return ""
}

// fieldByName maps lower-cased field names, and the real-time log's spellings,
// to fields. It is read-only after package initialisation.
var fieldByName = func() map[string]Field {
	m := make(map[string]Field, 2*int(numFields))
	for f := FieldDate; f < numFields; f++ {
		m[strings.ToLower(fieldNames[f])] = f
	}
	// Real-time logs (and some tools) spell the header fields this way.
	m["cs-host"] = FieldHost
	m["cs-referer"] = FieldReferrer
	m["cs-referrer"] = FieldReferrer
	m["cs-user-agent"] = FieldUserAgent
	m["cs-cookie"] = FieldCookie
	m["distribution-id"] = FieldDistributionID
	return m
}()

// LookupField returns the field a log header or JSON key names, matching
// case-insensitively; FieldUnknown if cfwatch does not read it.
func LookupField(name string) Field {
	if f, ok := fieldByName[name]; ok {
		return f
	}
	return fieldByName[strings.ToLower(strings.TrimSpace(name))]
}

// LegacyFields returns the field order of today's 33-field standard log, the
// order read for a file that has no #Fields header. Older files have a prefix
// of it (12, 19, 24 or 26 fields), which their own header states.
func LegacyFields() []string {
	names := legacyFields
	return names[:]
}

var legacyFields = [...]string{
	"date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
	"cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query",
	"cs(Cookie)", "x-edge-result-type", "x-edge-request-id", "x-host-header",
	"cs-protocol", "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol",
	"ssl-cipher", "x-edge-response-result-type", "cs-protocol-version",
	"fle-status", "fle-encrypted-fields", "c-port", "time-to-first-byte",
	"x-edge-detailed-result-type", "sc-content-type", "sc-content-len",
	"sc-range-start", "sc-range-end",
}
