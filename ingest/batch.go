package ingest

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/cfwatch/cfwatch/detectors"
	"github.com/cfwatch/cfwatch/source"
)

// ProcessObjects processes listed objects (local files or S3 objects, see
// package source), workers at a time, and calls done for each, from one
// goroutine at a time, in the order they finish. It stops starting new
// objects when ctx is cancelled.
//
// With a shared detectors engine (Options.Engine), the engine sees the
// records in the order of objs whatever the number of workers, and done is
// called in that order: the files are read and written at once, but their
// records are fed to the engine one file after the other.
func ProcessObjects(ctx context.Context, proc *Processor, objs []source.Object, workers int, done func(source.Object, Result, error)) {
	workers = max(workers, 1)
	if proc.opts.Engine != nil && workers > 1 && len(objs) > 1 {
		processOrdered(ctx, proc, objs, workers, done)
		return
	}
	if proc.opts.Engine != nil {
		workers = 1
	}
	var mu sync.Mutex
	jobs := make(chan source.Object)
	var wg sync.WaitGroup
	for range min(workers, max(len(objs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for obj := range jobs {
				res, err := processObject(ctx, proc, obj)
				mu.Lock()
				done(obj, res, err)
				mu.Unlock()
			}
		}()
	}
	for _, obj := range objs {
		if ctx.Err() != nil {
			break
		}
		jobs <- obj
	}
	close(jobs)
	wg.Wait()
}

func processObject(ctx context.Context, proc *Processor, obj source.Object) (Result, error) {
	return processObjectWith(ctx, proc, obj, nil)
}

// processObjectWith processes obj, its records going to obs when not nil.
func processObjectWith(ctx context.Context, proc *Processor, obj source.Object, obs observer) (Result, error) {
	rc, err := obj.Open(ctx)
	if err != nil {
		return Result{Name: obj.Name, Status: StatusFailed}, err
	}
	defer rc.Close()
	key := obj.Name
	if rest, ok := strings.CutPrefix(key, "s3://"); ok {
		if _, k, ok := strings.Cut(rest, "/"); ok {
			key = k
		}
	} else {
		key = canonicalPath(key)
	}
	return proc.Process(ctx, Input{Name: obj.Name, Key: key, Body: rc, observer: obs})
}

// canonicalPath returns a local file's absolute path with its symbolic
// links resolved, slash-separated: the key its output is named from
// (outputBase), so the same file gives the same objects however the
// command line spells it ("logs/x.gz", "/abs/logs/x.gz", a link to it).
func canonicalPath(name string) string {
	p, err := filepath.Abs(name)
	if err != nil {
		return filepath.ToSlash(name)
	}
	if r, err := filepath.EvalSymlinks(p); err == nil {
		p = r
	}
	return filepath.ToSlash(p)
}

// MergeFindings merges findings of the same key from several files into
// one: counts and denominators added, the time span and client count
// widened, paths and examples united (within the detectors' bounds). A
// finding of one cause with another key (one of the two folded into the
// other in its file, detectors.Finding.SameCause) becomes related evidence
// of the first of them. The result is in the detectors' order: most severe
// first, then by first seen and key.
func MergeFindings(fs []detectors.Finding) []detectors.Finding {
	var out []detectors.Finding
	for _, f := range fs {
		i := slices.IndexFunc(out, func(m detectors.Finding) bool { return m.Key == f.Key })
		if i < 0 {
			i = slices.IndexFunc(out, func(m detectors.Finding) bool { return m.SameCause(&f) })
		}
		if i < 0 {
			f.Paths = slices.Clone(f.Paths)
			f.Examples = slices.Clone(f.Examples)
			f.Related = slices.Clone(f.Related)
			out = append(out, f)
			continue
		}
		m := &out[i]
		if m.Key != f.Key {
			m.MergeOther(&f)
			continue
		}
		for _, r := range f.Related {
			m.AddRelated(r)
		}
		m.Count += f.Count
		m.Denominator += f.Denominator
		if f.FirstSeen.Before(m.FirstSeen) {
			m.FirstSeen = f.FirstSeen
		}
		if f.LastSeen.After(m.LastSeen) {
			m.LastSeen = f.LastSeen
		}
		m.Clients = max(m.Clients, f.Clients)
		m.ClientsCapped = m.ClientsCapped || f.ClientsCapped
		if f.Severity == detectors.SeverityCritical {
			m.Severity, m.Cause, m.Remedy = f.Severity, f.Cause, f.Remedy
		}
		m.Paths = union(m.Paths, f.Paths, 10)
		m.Examples = union(m.Examples, f.Examples, 5)
	}
	slices.SortStableFunc(out, func(a, b detectors.Finding) int {
		if a.Severity != b.Severity {
			if a.Severity == detectors.SeverityCritical {
				return -1
			}
			if b.Severity == detectors.SeverityCritical {
				return 1
			}
		}
		if c := a.FirstSeen.Compare(b.FirstSeen); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out
}

func union(a, b []string, limit int) []string {
	for _, s := range b {
		if len(a) >= limit {
			break
		}
		if !slices.Contains(a, s) {
			a = append(a, s)
		}
	}
	return a
}
