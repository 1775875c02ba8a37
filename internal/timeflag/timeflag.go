// Package timeflag reads the time flags of cfwatch's commands: the window
// (--since, or --from and --until), a time and a duration.
package timeflag

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/source"
)

// ParseWindow builds the window from the command line's --since, or --from
// and --until (ParseTime: RFC 3339 or a date). since is a Go duration or a
// number of days ("7d"); until defaults to now, and with neither since nor
// from the window is the last 24 hours.
func ParseWindow(since, from, until string, now time.Time) (source.Window, error) {
	w := source.Window{Until: now}
	if until != "" {
		t, err := ParseTime(until)
		if err != nil {
			return source.Window{}, fmt.Errorf("--until %q: %w", until, err)
		}
		w.Until = t
	}
	switch {
	case since != "" && from != "":
		return source.Window{}, fmt.Errorf("--since and --from cannot be used together")
	case from != "":
		t, err := ParseTime(from)
		if err != nil {
			return source.Window{}, fmt.Errorf("--from %q: %w", from, err)
		}
		w.From = t
	default:
		if since == "" {
			since = "24h"
		}
		d, err := ParseDuration(since)
		if err != nil {
			return source.Window{}, fmt.Errorf("--since %q: %w", since, err)
		}
		w.From = w.Until.Add(-d)
	}
	if !w.From.Before(w.Until) {
		return source.Window{}, fmt.Errorf("empty window: %s is not before %s", w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339))
	}
	if w.Until.Sub(w.From) > MaxWindow { // Sub saturates: no overflow
		return source.Window{}, fmt.Errorf("a window from %s to %s is longer than %d years, the longest a report covers",
			w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339), MaxWindow/(365*24*time.Hour))
	}
	w.From, w.Until = w.From.UTC(), w.Until.UTC()
	return w, nil
}

// ParseTime reads a time on the command line: RFC 3339
// ("2026-11-20T12:00:00Z", "2026-11-20T14:00:00+02:00") or a date
// ("2026-11-20"), which is its midnight UTC.
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("want a date such as 2026-11-20 (midnight UTC) or an RFC 3339 time such as 2026-11-20T12:00:00Z")
}

// MaxWindow is the longest window ParseWindow accepts, and the longest
// duration ParseDuration reads: 100 years (of 365 days), well within what
// a time.Duration holds (about 292 years).
const MaxWindow = 100 * 365 * 24 * time.Hour

// ParseDuration reads a Go duration ("90m", "24h") or whole days ("7d"), of
// at most MaxWindow.
func ParseDuration(s string) (time.Duration, error) {
	tooLong := fmt.Errorf("%s is longer than %d days (100 years)", s, MaxWindow/(24*time.Hour))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int64
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n > 0 && fmt.Sprint(n) == days {
			if n > int64(MaxWindow/(24*time.Hour)) {
				return 0, tooLong
			}
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > MaxWindow {
		return 0, tooLong
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 90m, 24h or 7d")
	}
	return d, nil
}
