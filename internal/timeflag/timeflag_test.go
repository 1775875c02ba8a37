package timeflag

import (
	"strings"
	"testing"
	"time"

	"github.com/cfwatch/cfwatch/source"
)

func TestParseWindow(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 30, 0, 0, time.UTC)
	win := func(from, until time.Time) source.Window { return source.Window{From: from, Until: until} }
	for _, c := range []struct {
		since, from, until string
		want               source.Window
		ok                 bool
	}{
		{"", "", "", win(now.Add(-24*time.Hour), now), true},
		{"90m", "", "", win(now.Add(-90*time.Minute), now), true},
		{"7d", "", "", win(now.Add(-7*24*time.Hour), now), true},
		{"", "2026-11-20T00:00:00Z", "2026-11-20T06:00:00+02:00", win(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC)), true},
		{"2h", "", "2026-11-20T06:00:00Z", win(time.Date(2026, 11, 20, 4, 0, 0, 0, time.UTC), time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)), true},
		{"1h", "2026-11-20T00:00:00Z", "", source.Window{}, false},
		{"-1h", "", "", source.Window{}, false},
		{"0d", "", "", source.Window{}, false},
		{"yesterday", "", "", source.Window{}, false},
		// A date is its midnight UTC.
		{"", "2026-11-20", "2026-11-21", win(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)), true},
		{"", "2026-11-20", "", win(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), now), true},
		{"6h", "", "2026-11-21", win(time.Date(2026, 11, 20, 18, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)), true},
		{"", "2026-11-20T00:00", "", source.Window{}, false},
		{"", "20/11/2026", "", source.Window{}, false},
		{"", "2026-11-31", "", source.Window{}, false},
		{"", "2026-11-20T06:00:00Z", "2026-11-20T06:00:00Z", source.Window{}, false},
		// Windows longer than a time.Duration holds, or nearly: refused,
		// not overflowed.
		{"", "1700-01-01T00:00:00Z", "", source.Window{}, false},
		{"", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", source.Window{}, false},
		{"110000d", "", "", source.Window{}, false},
		{"9223372036854775807d", "", "", source.Window{}, false},
		{"2562047h", "", "", source.Window{}, false},
		{"36500d", "", "", win(now.Add(-36500*24*time.Hour), now), true},
	} {
		w, err := ParseWindow(c.since, c.from, c.until, now)
		if (err == nil) != c.ok || w != c.want {
			t.Errorf("ParseWindow(%q, %q, %q) = %v, %v; want %v ok=%v", c.since, c.from, c.until, w, err, c.want, c.ok)
		}
	}
}

func TestParseTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"2026-11-20", time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)},
		{"2026-11-20T12:30:00Z", time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)},
		{"2026-11-20T14:30:00+02:00", time.Date(2026, 11, 20, 12, 30, 0, 0, time.UTC)},
		{"2026-11-20T12:30:00.5Z", time.Date(2026, 11, 20, 12, 30, 0, 5e8, time.UTC)},
	} {
		got, err := ParseTime(c.in)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-11-20 12:30:00", "2026-11-20T12:30:00", "2026-13-01", "1700000000"} {
		if _, err := ParseTime(in); err == nil || !strings.Contains(err.Error(), "2026-11-20") {
			t.Errorf("ParseTime(%q): %v, want an error with an example", in, err)
		}
	}
}
