package dataset

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// SQL over the dataset's table, shared by the queries cfwatch writes for
// Athena (Trino) and DuckDB (package athena) and the ones it shows with an
// alert (package alert). DDL is Hive's dialect and quotes its own.

// SQLString is s as an SQL string literal: in single quotes, a quote
// doubled. Every value that comes from a log or a setting goes through it.
func SQLString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// SQLIdent is s as one quoted SQL identifier, a '"' doubled.
func SQLIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// SQLTimestamp is a TIMESTAMP literal of t in UTC, to the millisecond
// (request_time's precision).
func SQLTimestamp(t time.Time) string {
	return "TIMESTAMP '" + t.UTC().Format("2006-01-02 15:04:05.000") + "'"
}

// An HourRange is the partitions of the hours First through Last, both
// included (UTC, truncated to the hour).
type HourRange struct{ First, Last time.Time }

// PartitionPredicate is the WHERE condition on the day and hour partition
// columns that selects exactly the partitions of the ranges: what Athena's
// partition projection turns into the list of S3 prefixes to read (and
// DuckDB into the hive directories it opens). Overlapping and adjacent
// ranges are merged; each is "(day = D AND hour BETWEEN a AND b)" within a
// day, else its first day's hours, the whole days between and its last
// day's hours; the whole is bounded by "day BETWEEN first AND last" so that
// the projection never enumerates days outside it. No range selects
// nothing ("1 = 0").
func PartitionPredicate(ranges ...HourRange) string {
	rs := make([]HourRange, 0, len(ranges))
	for _, r := range ranges {
		r = HourRange{r.First.UTC().Truncate(time.Hour), r.Last.UTC().Truncate(time.Hour)}
		if !r.Last.Before(r.First) {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return "1 = 0"
	}
	slices.SortFunc(rs, func(a, b HourRange) int { return a.First.Compare(b.First) })
	merged := rs[:1]
	for _, r := range rs[1:] {
		if m := &merged[len(merged)-1]; !r.First.After(m.Last.Add(time.Hour)) {
			if r.Last.After(m.Last) {
				m.Last = r.Last
			}
			continue
		}
		merged = append(merged, r)
	}
	day := func(t time.Time) string { return SQLString(t.Format("2006-01-02")) }
	ors := make([]string, len(merged))
	for i, r := range merged {
		if r.First.Truncate(24 * time.Hour).Equal(r.Last.Truncate(24 * time.Hour)) {
			ors[i] = fmt.Sprintf("(%s = %s AND %s BETWEEN %d AND %d)", PartitionDay, day(r.First), PartitionHour, r.First.Hour(), r.Last.Hour())
			continue
		}
		ors[i] = fmt.Sprintf("(%[1]s = %[3]s AND %[2]s >= %[4]d) OR (%[1]s > %[3]s AND %[1]s < %[5]s) OR (%[1]s = %[5]s AND %[2]s <= %[6]d)",
			PartitionDay, PartitionHour, day(r.First), r.First.Hour(), day(r.Last), r.Last.Hour())
	}
	return fmt.Sprintf("%s BETWEEN %s AND %s AND (%s)", PartitionDay, day(merged[0].First), day(merged[len(merged)-1].Last), strings.Join(ors, " OR "))
}
