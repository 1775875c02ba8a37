package dataset

import (
	"testing"
	"time"
)

func TestSQLLiterals(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{SQLString("it's"), "'it''s'"},
		{SQLString(""), "''"},
		{SQLString(`a\b`), `'a\b'`},
		{SQLIdent(`t"x`), `"t""x"`},
		{SQLTimestamp(time.Date(2026, 11, 20, 15, 4, 5, 678e6, time.FixedZone("X", 3600))), "TIMESTAMP '2026-11-20 14:04:05.678'"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}

func TestPartitionPredicate(t *testing.T) {
	d := func(day, h int) time.Time { return time.Date(2026, 11, day, h, 30, 0, 0, time.UTC) }
	for _, c := range []struct {
		ranges []HourRange
		want   string
	}{
		{nil, "1 = 0"},
		{[]HourRange{{d(20, 15), d(20, 14)}}, "1 = 0"},
		{[]HourRange{{d(20, 14), d(20, 14)}}, "day BETWEEN '2026-11-20' AND '2026-11-20' AND ((day = '2026-11-20' AND hour BETWEEN 14 AND 14))"},
		{[]HourRange{{d(20, 22), d(22, 1)}}, "day BETWEEN '2026-11-20' AND '2026-11-22' AND ((day = '2026-11-20' AND hour >= 22) OR (day > '2026-11-20' AND day < '2026-11-22') OR (day = '2026-11-22' AND hour <= 1))"},
		// Overlapping and adjacent ranges merge, in any order; apart, they stay apart.
		{[]HourRange{{d(20, 16), d(20, 18)}, {d(20, 10), d(20, 12)}, {d(20, 13), d(20, 15)}}, "day BETWEEN '2026-11-20' AND '2026-11-20' AND ((day = '2026-11-20' AND hour BETWEEN 10 AND 18))"},
		{[]HourRange{{d(20, 5), d(20, 6)}, {d(13, 5), d(13, 6)}}, "day BETWEEN '2026-11-13' AND '2026-11-20' AND ((day = '2026-11-13' AND hour BETWEEN 5 AND 6) OR (day = '2026-11-20' AND hour BETWEEN 5 AND 6))"},
		// Another zone is the same hours in UTC.
		{[]HourRange{{d(20, 1).In(time.FixedZone("X", -3*3600)), d(20, 2)}}, "day BETWEEN '2026-11-20' AND '2026-11-20' AND ((day = '2026-11-20' AND hour BETWEEN 1 AND 2))"},
	} {
		if got := PartitionPredicate(c.ranges...); got != c.want {
			t.Errorf("PartitionPredicate(%v)\n got %s\nwant %s", c.ranges, got, c.want)
		}
	}
}
