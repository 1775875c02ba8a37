// Package source finds the log files a run reads and opens them as streams.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/logparse"
)

// An Object is one file to read: a log file, or a Parquet file of the
// dataset (Parquet).
type Object struct {
	Name string // path or s3://bucket/key, as shown to the user
	Size int64
	// Key is what the name says about the log, when it follows one of
	// CloudFront's layouts (KeyOK). For a dataset file, it is its
	// partition: the distribution and the hour.
	Key   logparse.Key
	KeyOK bool
	// Parquet is set for a file of the Parquet dataset (its name ends in
	// ".parquet"): read it with dataset.NewReader over RandomAccess, not
	// as a log.
	Parquet bool

	open func(ctx context.Context) (io.ReadCloser, error)
}

// Open opens the object for reading.
func (o Object) Open(ctx context.Context) (io.ReadCloser, error) { return o.open(ctx) }

// A Window is the time range a run reports on: [From, Until).
type Window struct {
	From, Until time.Time
}

// Contains reports whether t is inside the window.
func (w Window) Contains(t time.Time) bool {
	return !t.Before(w.From) && t.Before(w.Until)
}

// keyMargin is how far outside its hour a file's records may lie: CloudFront
// names a file for the hour of its requests, but delivery is best effort.
const keyMargin = time.Hour

// MayHold reports whether a file whose key names hour h may hold records in
// the window.
func (w Window) MayHold(h time.Time) bool {
	return h.Add(time.Hour+keyMargin).After(w.From) && h.Add(-keyMargin).Before(w.Until)
}

// Local lists the files under the given paths: files as they are, directories
// recursively (hidden files and directories are left out). Objects whose
// names give an hour outside the window are not listed; skipped says how many.
// Partition directories of the Parquet dataset (day=…, hour=…) that cannot
// hold records of the window are not entered, and their files not counted.
// A path that does not exist is an error.
func Local(paths []string, w Window) (objs []Object, skipped int, err error) {
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return nil, 0, fmt.Errorf("source %s: %w", root, err)
		}
		if !info.IsDir() {
			objs = append(objs, localObject(root, info.Size()))
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("source %s: %w", path, err)
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() && path != root && w.pruneDir(filepath.ToSlash(path)) {
				return filepath.SkipDir
			}
			if !d.Type().IsRegular() {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return fmt.Errorf("source %s: %w", path, err)
			}
			objs = append(objs, localObject(path, info.Size()))
			return nil
		})
		if err != nil {
			return nil, 0, err
		}
	}
	kept := objs[:0]
	for _, o := range objs {
		if o.KeyOK && !w.MayHold(o.Key.Hour) {
			skipped++
			continue
		}
		kept = append(kept, o)
	}
	slices.SortFunc(kept, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	kept = slices.CompactFunc(kept, func(a, b Object) bool { return a.Name == b.Name })
	return kept, skipped, nil
}

func localObject(path string, size int64) Object {
	k, ok := objectKey(filepath.ToSlash(path))
	return Object{
		Name: path, Size: size, Key: k, KeyOK: ok, Parquet: isParquet(path),
		open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) },
	}
}

// ParseWindow builds the window from the command line's --since, or --from
// and --until (ParseTime: RFC 3339 or a date). since is a Go duration or a
// number of days ("7d"); until defaults to now, and with neither since nor
// from the window is the last 24 hours.
func ParseWindow(since, from, until string, now time.Time) (Window, error) {
	w := Window{Until: now}
	if until != "" {
		t, err := ParseTime(until)
		if err != nil {
			return Window{}, fmt.Errorf("--until %q: %w", until, err)
		}
		w.Until = t
	}
	switch {
	case since != "" && from != "":
		return Window{}, fmt.Errorf("--since and --from cannot be used together")
	case from != "":
		t, err := ParseTime(from)
		if err != nil {
			return Window{}, fmt.Errorf("--from %q: %w", from, err)
		}
		w.From = t
	default:
		if since == "" {
			since = "24h"
		}
		d, err := ParseDuration(since)
		if err != nil {
			return Window{}, fmt.Errorf("--since %q: %w", since, err)
		}
		w.From = w.Until.Add(-d)
	}
	if !w.From.Before(w.Until) {
		return Window{}, fmt.Errorf("empty window: %s is not before %s", w.From.Format(time.RFC3339), w.Until.Format(time.RFC3339))
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

// ParseDuration reads a Go duration ("90m", "24h") or whole days ("7d").
func ParseDuration(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n > 0 && fmt.Sprint(n) == days {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration such as 90m, 24h or 7d")
	}
	return d, nil
}
