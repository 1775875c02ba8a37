package dataset

import (
	"fmt"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Row is one request as stored in the dataset. Its parquet tags are the one
// column list of the dataset: the writer's schema is parquet.SchemaOf(Row{})
// and [DDL] derives the Athena column types from that same schema, so the
// table definition cannot drift from the files.
//
// The first 33 columns are, in name, order and Athena type, the table AWS
// documents for CloudFront standard logs ("Create a table for CloudFront
// standard logs"), so AWS's published queries run unchanged. The columns after
// them are this dataset's additions.
//
// Strings are valid UTF-8: a byte of the log that is not is stored
// %XX-escaped (see the package comment).
//
// NULL rules: a string column is NULL when the log had "-" or nothing (an
// empty string is never stored); a number column is NULL when the log did not
// give it, or gave a value that cannot be read ([logparse.Record.Has] is
// false, [logparse.Record.Invalid] tells the two apart), so a logged 0 stays
// 0 and a bad value loses only itself, not the row. Read back
// with parquet-go, a NULL string is "" and a NULL number is a nil pointer.
//
// Row is for readers and tests: [Writer] does not build Rows, it writes the
// same columns straight from a [logparse.Record].
type Row struct {
	// date: the UTC day of the request (Athena DATE). Always set.
	Date time.Time `parquet:"date,date,dict"`
	// time: the UTC time of day, "HH:MM:SS", as CloudFront logs it. Always set.
	Time             string   `parquet:"time"`
	EdgeLocation     string   `parquet:"x_edge_location,optional,dict"`
	BytesSent        *int64   `parquet:"sc_bytes"`
	ClientIP         string   `parquet:"c_ip,optional,dict"`
	Method           string   `parquet:"cs_method,optional,dict"`
	Host             string   `parquet:"cs_host,optional,dict"`
	URIStem          string   `parquet:"cs_uri_stem,optional,dict"`
	Status           *int32   `parquet:"sc_status,dict"`
	Referrer         string   `parquet:"cs_referrer,optional,dict"` // query values redacted, see RedactQuery
	UserAgent        string   `parquet:"cs_user_agent,optional,dict"`
	Query            string   `parquet:"cs_uri_query,optional,dict"` // redacted, see RedactQuery
	Cookie           string   `parquet:"cs_cookie,optional,dict"`    // redacted, see RedactCookie
	EdgeResultType   string   `parquet:"x_edge_result_type,optional,dict"`
	RequestID        string   `parquet:"x_edge_request_id,optional,uncompressed"` // random: zstd gains nothing
	HostHeader       string   `parquet:"x_host_header,optional,dict"`
	Protocol         string   `parquet:"cs_protocol,optional,dict"`
	BytesReceived    *int64   `parquet:"cs_bytes"`
	TimeTaken        *float32 `parquet:"time_taken"`
	ForwardedFor     string   `parquet:"x_forwarded_for,optional"`
	TLSProtocol      string   `parquet:"ssl_protocol,optional,dict"`
	TLSCipher        string   `parquet:"ssl_cipher,optional,dict"`
	EdgeResponseType string   `parquet:"x_edge_response_result_type,optional,dict"`
	ProtocolVersion  string   `parquet:"cs_protocol_version,optional,dict"`
	FLEStatus        string   `parquet:"fle_status,optional,dict"`
	FLEEncrypted     *int32   `parquet:"fle_encrypted_fields"`
	ClientPort       *int32   `parquet:"c_port"`
	TimeToFirstByte  *float32 `parquet:"time_to_first_byte"`
	EdgeDetailedType string   `parquet:"x_edge_detailed_result_type,optional,dict"`
	ContentType      string   `parquet:"sc_content_type,optional,dict"`
	ContentLength    *int64   `parquet:"sc_content_len"`
	RangeStart       *int64   `parquet:"sc_range_start"`
	RangeEnd         *int64   `parquet:"sc_range_end"`

	// request_time: when CloudFront finished the request, UTC, to the
	// millisecond where the log has it (timestamp(ms)), else to the second.
	// Parquet INT64 TIMESTAMP(MILLIS, isAdjustedToUTC=true): Athena engine v3
	// reads it as timestamp(3); nanosecond timestamps are not read correctly
	// by Athena's Hive-compatible Parquet reader (see doc.go). Always set,
	// and the column chunk's min/max statistics let Athena skip row groups.
	RequestTime time.Time `parquet:"request_time,timestamp(millisecond)"`
	// distribution_id: from the v2 DistributionId field, else from the object
	// key (Writer.Write's dist), else Options.DistributionID.
	DistributionID string `parquet:"distribution_id,optional,dict"`
	// cs_uri_stem and cs_user_agent with CloudFront's %XX escaping undone
	// (logparse.Decode), for queries that match on readable text; bytes
	// that are not UTF-8 (from "%FF", "%c0%ae") become U+FFFD.
	URIStemDecoded   string `parquet:"cs_uri_stem_decoded,optional,dict"`
	UserAgentDecoded string `parquet:"cs_user_agent_decoded,optional,dict"`
	// Standard logging v2 extras: NULL unless the log has them.
	ASN                      *int64   `parquet:"asn"`
	Country                  string   `parquet:"c_country,optional,dict"`
	OriginFBL                *float32 `parquet:"origin_fbl"`
	OriginLBL                *float32 `parquet:"origin_lbl"`
	CacheBehaviorPathPattern string   `parquet:"cache_behavior_path_pattern,optional,dict"`
}

// Column positions in the schema, in Row's field order. The writer addresses
// columns by these; init checks each against the schema's column names, so a
// change to Row that is not mirrored here fails at start-up (and in tests),
// never silently.
const (
	colDate = iota
	colTime
	colEdgeLocation
	colBytesSent
	colClientIP
	colMethod
	colHost
	colURIStem
	colStatus
	colReferrer
	colUserAgent
	colQuery
	colCookie
	colEdgeResultType
	colRequestID
	colHostHeader
	colProtocol
	colBytesReceived
	colTimeTaken
	colForwardedFor
	colTLSProtocol
	colTLSCipher
	colEdgeResponseType
	colProtocolVersion
	colFLEStatus
	colFLEEncrypted
	colClientPort
	colTimeToFirstByte
	colEdgeDetailedType
	colContentType
	colContentLength
	colRangeStart
	colRangeEnd
	colRequestTime
	colDistributionID
	colURIStemDecoded
	colUserAgentDecoded
	colASN
	colCountry
	colOriginFBL
	colOriginLBL
	colCacheBehaviorPathPattern
	numColumns
)

var colNames = [numColumns]string{
	"date", "time", "x_edge_location", "sc_bytes", "c_ip", "cs_method", "cs_host",
	"cs_uri_stem", "sc_status", "cs_referrer", "cs_user_agent", "cs_uri_query",
	"cs_cookie", "x_edge_result_type", "x_edge_request_id", "x_host_header",
	"cs_protocol", "cs_bytes", "time_taken", "x_forwarded_for", "ssl_protocol",
	"ssl_cipher", "x_edge_response_result_type", "cs_protocol_version",
	"fle_status", "fle_encrypted_fields", "c_port", "time_to_first_byte",
	"x_edge_detailed_result_type", "sc_content_type", "sc_content_len",
	"sc_range_start", "sc_range_end",
	"request_time", "distribution_id", "cs_uri_stem_decoded", "cs_user_agent_decoded",
	"asn", "c_country", "origin_fbl", "origin_lbl", "cache_behavior_path_pattern",
}

// schema is the dataset's Parquet schema, built from Row.
var schema = parquet.SchemaOf(Row{})

// Schema returns the dataset's Parquet schema (the one [Row] defines).
func Schema() *parquet.Schema { return schema }

func init() {
	if err := checkColumns(schema); err != nil {
		panic(err)
	}
}

// checkColumns verifies that the schema's leaf columns are, in order, the
// ones the writer addresses by position.
func checkColumns(s *parquet.Schema) error {
	cols := s.Columns()
	if len(cols) != numColumns {
		return fmt.Errorf("dataset: Row has %d columns, the writer knows %d", len(cols), numColumns)
	}
	for i, path := range cols {
		if len(path) != 1 || path[0] != colNames[i] {
			return fmt.Errorf("dataset: column %d is %v, the writer expects %q", i, path, colNames[i])
		}
	}
	return nil
}
