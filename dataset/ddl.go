package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Partition keys. They must not be column names: "date" already is one (the
// request's day, as in AWS's table), so the day partition is "day".
const (
	PartitionDistribution = "distribution"
	PartitionDay          = "day"  // 'YYYY-MM-DD', Athena string
	PartitionHour         = "hour" // 00–23 in paths, Athena int
)

// UnknownDistribution is the distribution partition of records whose
// distribution is not known.
const UnknownDistribution = "unknown"

// PartitionPath returns the Hive-style directory that holds the files of a
// distribution's hour, below prefix:
//
//	PartitionPath("s3://bucket/cloudfront", "E2QWRUHEXAMPLE", t)
//	→ s3://bucket/cloudfront/distribution=E2QWRUHEXAMPLE/day=2026-11-20/hour=14
//
// The key names in the path are the partition columns' names (the layout
// MSCK REPAIR TABLE and Glue expect), and the layout is the one DDL's
// storage.location.template states, so Athena's partition projection finds
// every file with no crawler. hour is taken in UTC and truncated to the
// hour. prefix may be empty, a key prefix, or an s3:// URL; a trailing '/' is
// dropped. An empty dist becomes UnknownDistribution; characters other than
// letters, digits, '-', '_' and '.' are %XX-escaped as Hive does, so a
// hostile value cannot add path segments. A value whose escaped form is
// longer than MaxPartitionValue bytes (CloudFront's IDs are 14 characters)
// keeps its first bytes and a hash of the whole value ("AAAA…-<16 hex>"),
// so that every path segment stays far below the 255 bytes file systems
// allow and distinct values stay distinct.
func PartitionPath(prefix, dist string, hour time.Time) string {
	hour = hour.UTC()
	var b strings.Builder
	b.Grow(len(prefix) + min(len(dist), MaxPartitionValue) + 48)
	if p := strings.TrimRight(prefix, "/"); p != "" {
		b.WriteString(p)
		b.WriteByte('/')
	}
	b.WriteString(PartitionDistribution)
	b.WriteByte('=')
	b.WriteString(partitionValue(dist))
	fmt.Fprintf(&b, "/%s=%04d-%02d-%02d/%s=%02d", PartitionDay, hour.Year(), hour.Month(), hour.Day(), PartitionHour, hour.Hour())
	return b.String()
}

// MaxPartitionValue bounds a distribution's value in a partition path, in
// bytes (see PartitionPath).
const MaxPartitionValue = 128

// partitionValue returns dist as PartitionPath writes it.
func partitionValue(dist string) string {
	if dist == "" {
		dist = UnknownDistribution
	}
	const keep = MaxPartitionValue - 17 // room for "-" and 16 hex digits
	b := make([]byte, 0, min(3*len(dist), MaxPartitionValue+3))
	cut := -1 // the escaped bytes that fit in keep, whole escapes only
	for i := 0; i < len(dist) && len(b) <= MaxPartitionValue; i++ {
		n := len(b)
		if c := dist[i]; 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' {
			b = append(b, c)
		} else {
			b = fmt.Appendf(b, "%%%02X", c)
		}
		if cut < 0 && len(b) > keep {
			cut = n
		}
	}
	if len(b) <= MaxPartitionValue {
		return string(b)
	}
	sum := sha256.Sum256([]byte(dist))
	return string(b[:cut]) + "-" + hex.EncodeToString(sum[:8])
}

// ParsePartitionPath reads a path PartitionPath returns: the prefix before
// the partition (without its trailing '/'), the distribution (%XX escapes
// undone) and the hour (UTC). ok is false unless the path ends in
// distribution=…/day=YYYY-MM-DD/hour=HH (a trailing '/' is allowed). An empty distribution comes back
// as UnknownDistribution, and one longer than MaxPartitionValue as its
// shortened form: PartitionPath does not keep them.
func ParsePartitionPath(p string) (prefix, dist string, hour time.Time, ok bool) {
	p = strings.TrimSuffix(p, "/")
	parts := strings.Split(p, "/")
	n := len(parts)
	if n < 3 {
		return "", "", time.Time{}, false
	}
	d, okD := strings.CutPrefix(parts[n-3], PartitionDistribution+"=")
	day, okDay := ParsePartitionDay(parts[n-2])
	h, okH := ParsePartitionHour(parts[n-1])
	if !okD || d == "" || !okDay || !okH {
		return "", "", time.Time{}, false
	}
	return strings.Join(parts[:n-3], "/"), unescapePartition(d), day.Add(time.Duration(h) * time.Hour), true
}

// ParsePartitionDay reads a day partition's path segment, "day=YYYY-MM-DD",
// as midnight UTC.
func ParsePartitionDay(seg string) (time.Time, bool) {
	v, ok := strings.CutPrefix(seg, PartitionDay+"=")
	if !ok || len(v) != len("2006-01-02") {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01-02", v)
	return t, err == nil
}

// ParsePartitionHour reads an hour partition's path segment, "hour=HH" (one
// digit is read too).
func ParsePartitionHour(seg string) (int, bool) {
	v, ok := strings.CutPrefix(seg, PartitionHour+"=")
	if !ok || len(v) == 0 || len(v) > 2 {
		return 0, false
	}
	h, err := strconv.Atoi(v)
	return h, err == nil && h >= 0 && h < 24
}

// unescapePartition undoes the %XX escaping of a partition value.
func unescapePartition(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// DDLOptions configures the table DDL generates.
type DDLOptions struct {
	// Table is the table name, optionally "database.table". Default
	// "cloudfront_logs".
	Table string
	// Location is the dataset's root, the prefix PartitionPath was given, as
	// an s3:// URL, for example "s3://bucket/cloudfront/".
	Location string
	// Distributions lists the distribution IDs for partition projection
	// (projection type enum). Listing them is recommended: with none, the
	// projection type is injected, and Athena then refuses any query whose
	// WHERE clause does not fix distribution with '=' or IN — AWS's published
	// queries would not run unchanged.
	Distributions []string
	// FirstDay is the first day partition projection considers:
	// "YYYY-MM-DD", or relative to now as "NOW-90DAYS". Default "NOW-1YEARS".
	FirstDay string
}

// DefaultTable is the table name DDL uses when DDLOptions.Table is empty.
const DefaultTable = "cloudfront_logs"

// DDL returns the Athena (Glue) CREATE EXTERNAL TABLE statement for the
// dataset: the columns of Row with their Athena types, the partitions
// PartitionPath lays out, and TBLPROPERTIES for partition projection, so
// Athena needs no crawler and no MSCK REPAIR TABLE.
//
// Queries should filter on the partitions (day, hour) to limit the data
// scanned: ingest puts each record in the partition of its own hour.
//
// Names and values from opts are quoted and escaped, never pasted in as SQL.
func DDL(opts DDLOptions) string {
	table := opts.Table
	if table == "" {
		table = DefaultTable
	}
	firstDay := opts.FirstDay
	if firstDay == "" {
		firstDay = "NOW-1YEARS"
	}
	loc := strings.TrimRight(opts.Location, "/") + "/"

	var b strings.Builder
	b.WriteString("CREATE EXTERNAL TABLE IF NOT EXISTS ")
	for i, part := range strings.SplitN(table, ".", 2) {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(quoteIdent(part))
	}
	b.WriteString(" (\n")
	cols := columnTypes()
	for i, c := range cols {
		fmt.Fprintf(&b, "  %s %s", quoteIdent(c.name), c.athena)
		if i < len(cols)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(")\nPARTITIONED BY (\n")
	fmt.Fprintf(&b, "  %s string,\n  %s string,\n  %s int\n)\n",
		quoteIdent(PartitionDistribution), quoteIdent(PartitionDay), quoteIdent(PartitionHour))
	b.WriteString("STORED AS PARQUET\n")
	fmt.Fprintf(&b, "LOCATION %s\n", quoteString(loc))
	b.WriteString("TBLPROPERTIES (\n")
	props := [][2]string{{"projection.enabled", "true"}}
	if len(opts.Distributions) > 0 {
		props = append(props,
			[2]string{"projection." + PartitionDistribution + ".type", "enum"},
			[2]string{"projection." + PartitionDistribution + ".values", strings.Join(opts.Distributions, ",")})
	} else {
		props = append(props, [2]string{"projection." + PartitionDistribution + ".type", "injected"})
	}
	props = append(props,
		[2]string{"projection." + PartitionDay + ".type", "date"},
		[2]string{"projection." + PartitionDay + ".format", "yyyy-MM-dd"},
		[2]string{"projection." + PartitionDay + ".range", firstDay + ",NOW"},
		[2]string{"projection." + PartitionDay + ".interval", "1"},
		[2]string{"projection." + PartitionDay + ".interval.unit", "DAYS"},
		[2]string{"projection." + PartitionHour + ".type", "integer"},
		[2]string{"projection." + PartitionHour + ".range", "0,23"},
		[2]string{"projection." + PartitionHour + ".digits", "2"},
		[2]string{"storage.location.template", loc + LocationTemplate()},
		[2]string{"parquet.compression", "ZSTD"},
		[2]string{"cfwatch.dataset", SchemaVersion},
	)
	for i, p := range props {
		fmt.Fprintf(&b, "  %s=%s", quoteString(p[0]), quoteString(p[1]))
		if i < len(props)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(")")
	return b.String()
}

// LocationTemplate is the partition layout below the dataset's root, in
// partition projection's ${key} syntax; PartitionPath produces it.
func LocationTemplate() string {
	return PartitionDistribution + "=${" + PartitionDistribution + "}/" +
		PartitionDay + "=${" + PartitionDay + "}/" +
		PartitionHour + "=${" + PartitionHour + "}/"
}

// A Column is one column of the dataset: its name, Parquet type and the
// Athena type DDL declares for it.
type Column struct {
	Name   string
	Athena string // Athena (Hive DDL) type: date, string, bigint, int, float, double, timestamp
	Node   parquet.Node
}

// Columns returns the dataset's columns in file order, derived from Row.
func Columns() []Column {
	cols := columnTypes()
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Athena: c.athena, Node: c.node}
	}
	return out
}

type columnType struct {
	name, athena string
	node         parquet.Node
}

// columnTypes maps each leaf of the schema to its Athena type. It panics on
// a Parquet type the dataset does not use, so that a new Row field of such a
// type fails the tests rather than producing a wrong table.
func columnTypes() []columnType {
	var out []columnType
	for _, f := range schema.Fields() {
		t, err := athenaType(f)
		if err != nil {
			panic(fmt.Sprintf("dataset: column %s: %v", f.Name(), err))
		}
		out = append(out, columnType{name: f.Name(), athena: t, node: f})
	}
	return out
}

func athenaType(n parquet.Node) (string, error) {
	if !n.Leaf() {
		return "", fmt.Errorf("nested columns are not supported")
	}
	typ := n.Type()
	var lt format.LogicalTypeValue
	if l := typ.LogicalType(); l != nil {
		lt = l.Value
	}
	switch typ.Kind() {
	case parquet.Int32:
		switch lt := lt.(type) {
		case nil:
			return "int", nil
		case *format.DateType:
			return "date", nil
		case *format.IntType:
			if lt.BitWidth == 32 && lt.IsSigned {
				return "int", nil
			}
		}
	case parquet.Int64:
		switch lt := lt.(type) {
		case nil:
			return "bigint", nil
		case *format.TimestampType:
			// Millisecond, UTC-adjusted: what Athena reads as timestamp.
			if _, ms := lt.Unit.Value.(*format.MilliSeconds); ms && lt.IsAdjustedToUTC {
				return "timestamp", nil
			}
		case *format.IntType:
			if lt.BitWidth == 64 && lt.IsSigned {
				return "bigint", nil
			}
		}
	case parquet.Float:
		if lt == nil {
			return "float", nil
		}
	case parquet.Double:
		if lt == nil {
			return "double", nil
		}
	case parquet.ByteArray:
		if _, ok := lt.(*format.StringType); ok {
			return "string", nil
		}
	}
	return "", fmt.Errorf("no Athena type for Parquet %s", typ)
}

// quoteIdent quotes a Hive identifier in backticks (a backtick is doubled).
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// quoteString quotes a Hive string literal, escaping backslashes and quotes.
func quoteString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `'`, `\'`)
	return "'" + s + "'"
}
