// Package source finds the log files a run reads and opens them as streams.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
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

// Near is what a listing, or a run, saw of the input outside a window: the
// nearest times it is known to hold data. A record gives its own time; a
// file left unread because its name puts it outside the window gives its
// name's hour (or day, for a dataset partition). Zero when nothing was seen
// on that side.
type Near struct {
	// Before is the latest time before the window: a record's time, or
	// the end of the hour a file name gives.
	Before time.Time
	// After is the earliest time at or after the window's end.
	After time.Time
}

// Record notes a record at time t, when t lies outside w.
func (n *Near) Record(t time.Time, w Window) {
	switch {
	case t.Before(w.From):
		n.before(t)
	case !t.Before(w.Until):
		n.after(t)
	}
}

// Span notes data between from and until (a file's hour: [h, h+1h)), when
// the span lies outside w.
func (n *Near) Span(from, until time.Time, w Window) {
	switch {
	case !until.After(w.From):
		n.before(until)
	case !from.Before(w.Until):
		n.after(from)
	}
}

func (n *Near) before(t time.Time) {
	if t.After(n.Before) {
		n.Before = t
	}
}

func (n *Near) after(t time.Time) {
	if n.After.IsZero() || t.Before(n.After) {
		n.After = t
	}
}

// Merge notes what o saw.
func (n *Near) Merge(o Near) {
	n.before(o.Before)
	if !o.After.IsZero() {
		n.after(o.After)
	}
}

// hour notes a file named for hour h that was left out of w.
func (n *Near) hour(h time.Time, w Window) { n.Span(h, h.Add(time.Hour), w) }

// A Listing is what listing sources found: the objects to read, and what
// was left out.
type Listing struct {
	Objects []Object // sorted by name
	// Skipped counts the objects listed but left out because their names
	// put them outside the window.
	Skipped int
	// Near is the nearest data outside the window the names of the objects
	// left out give, including dataset partitions not entered.
	Near Near
}

// Local lists the files under the given paths: files as they are, directories
// recursively (hidden files and directories are left out). Objects whose
// names give an hour outside the window are not listed; skipped says how many.
// Partition directories of the Parquet dataset (day=…, hour=…) that cannot
// hold records of the window are not entered, and their files not counted.
// A path that does not exist is an error. Symbolic links are followed (see
// LocalListing).
func Local(paths []string, w Window) (objs []Object, skipped int, err error) {
	l, err := LocalListing(paths, w, nil)
	return l.Objects, l.Skipped, err
}

// LocalListing is Local, with what was left out. Symbolic links to files and
// directories are followed, under the name they are reached by; a directory
// already walked (a link to an ancestor, or a second link to the same one)
// is not walked again, and a file reached twice is listed once. A dangling
// link is logged to log (nil discards) and left out.
func LocalListing(paths []string, w Window, log *slog.Logger) (Listing, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	lw := &localWalk{w: w, log: log, dirs: map[string]bool{}}
	for _, root := range paths {
		info, err := os.Stat(root)
		if err != nil {
			return Listing{}, fmt.Errorf("source %s: %w", root, err)
		}
		real, err := realPath(root)
		if err != nil {
			return Listing{}, fmt.Errorf("source %s: %w", root, err)
		}
		if !info.IsDir() {
			lw.file(root, real, info)
			continue
		}
		if err := lw.dir(root, real); err != nil {
			return Listing{}, err
		}
	}
	// Sort by name; of the names that reach the same file, keep the first.
	slices.SortFunc(lw.files, func(a, b localFile) int { return strings.Compare(a.obj.Name, b.obj.Name) })
	seen := make(map[string]bool, len(lw.files))
	l := Listing{Skipped: lw.skipped, Near: lw.near}
	for _, f := range lw.files {
		if seen[f.real] {
			continue
		}
		seen[f.real] = true
		if o := f.obj; o.KeyOK && !w.MayHold(o.Key.Hour) {
			l.Skipped++
			l.Near.hour(o.Key.Hour, w)
			continue
		}
		l.Objects = append(l.Objects, f.obj)
	}
	return l, nil
}

// localWalk is the state of LocalListing's walk.
type localWalk struct {
	w       Window
	log     *slog.Logger
	dirs    map[string]bool // real paths of the directories walked
	files   []localFile
	skipped int
	near    Near
}

type localFile struct {
	obj  Object
	real string // the file's path with every link resolved
}

func (lw *localWalk) file(path, real string, info fs.FileInfo) {
	if !info.Mode().IsRegular() {
		return
	}
	lw.files = append(lw.files, localFile{obj: localObject(path, info.Size()), real: real})
}

// dir walks the directory at path, whose real path is real, in name order.
func (lw *localWalk) dir(path, real string) error {
	if lw.dirs[real] {
		lw.log.Debug("directory already read: not read again", "dir", path, "target", real)
		return nil
	}
	lw.dirs[real] = true
	entries, err := os.ReadDir(path)
	if err != nil {
		return fmt.Errorf("source %s: %w", path, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		p, rp := filepath.Join(path, e.Name()), filepath.Join(real, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			target, err := realPath(p)
			if err != nil {
				lw.log.Warn("symbolic link not followed", "link", p, "err", err)
				continue
			}
			rp = target
		}
		info, err := os.Stat(p) // follows links
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && e.Type()&fs.ModeSymlink != 0 {
				lw.log.Warn("symbolic link not followed", "link", p, "err", err)
				continue
			}
			return fmt.Errorf("source %s: %w", p, err)
		}
		if !info.IsDir() {
			lw.file(p, rp, info)
			continue
		}
		if span, ok := lw.w.prunedDir(filepath.ToSlash(p)); ok {
			if !span.from.IsZero() {
				lw.near.Span(span.from, span.until, lw.w)
			}
			continue
		}
		if err := lw.dir(p, rp); err != nil {
			return err
		}
	}
	return nil
}

// realPath is path with every symbolic link resolved, made absolute.
func realPath(path string) (string, error) {
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

func localObject(path string, size int64) Object {
	k, ok := objectKey(filepath.ToSlash(path))
	return Object{
		Name: path, Size: size, Key: k, KeyOK: ok, Parquet: isParquet(path),
		open: func(context.Context) (io.ReadCloser, error) { return os.Open(path) },
	}
}
