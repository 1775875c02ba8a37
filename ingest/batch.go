package ingest

import (
	"context"
	"path/filepath"
	"strings"
	"sync"

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
