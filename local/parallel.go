package local

import (
	"context"
	"errors"
	"io"
	"sync"
	"unsafe"

	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
)

// Reading many files on all cores.
//
// Decompression and parsing, which take most of a run's time, are done for
// whole files at once by Options.Parallel workers, each file by one worker.
// What a worker reads is cut into chunks (records, with the bad lines and
// values between them) that the run's goroutine takes in name order, file
// after file, and counts exactly as it counts the records of a file it reads
// itself: the detectors, which depend on the order of the records, see them
// in the same order, so the report does not depend on the number of workers.
//
// Workers ahead of the file being counted keep their chunks until its turn
// comes, up to Options.ParallelBudget bytes in all; then they wait (the
// worker of the file being counted never does, so the run goes on).

// chunkRecords is how many records a chunk holds at most.
const chunkRecords = 1024

// recordCost estimates the memory a record held in a chunk keeps alive: the
// Record itself and the line its strings point into.
const recordCost = int64(unsafe.Sizeof(logparse.Record{})) + 512

// DefaultParallelBudget bounds the chunks read ahead of the file being
// counted (Options.ParallelBudget).
const DefaultParallelBudget int64 = 32 << 20

// DefaultParallelReadAhead bounds the bytes of the files fetched ahead
// (Options.ReadAhead) when files are read in parallel: the budget of the
// chunks comes on top of it.
const DefaultParallelReadAhead int64 = 16 << 20

// A lineEvent is a bad line, or a bad value of a record kept, in the order
// the reader met it.
type lineEvent struct {
	at    int  // the record it comes before (a bad line) or belongs to (field)
	field bool // a field error of record at
	pe    logparse.ParseError
}

// A chunk is a run of one file's records and errors.
type chunk struct {
	recs []logparse.Record
	errs []lineEvent
	read int64 // bytes of the file read when the chunk was cut
}

func (c *chunk) cost() int64 {
	return int64(len(c.recs))*recordCost + int64(len(c.errs))*int64(unsafe.Sizeof(lineEvent{}))
}

// A parsedFile is what the workers have of one file so far.
type parsedFile struct {
	obj     source.Object
	chunks  []*chunk
	done    bool
	records int   // records the reader returned, when done
	err     error // what ended the file early (open, stream or format error)
	read    int64
	direct  io.ReadCloser // a Parquet file: the run reads it itself
}

// parallelRead coordinates the workers with the run's goroutine.
type parallelRead struct {
	ctx    context.Context
	files  []parsedFile
	budget int64

	take     sync.Mutex // serializes taking the next file from the prefetcher
	pf       *source.Prefetcher
	nextFile int

	mu     sync.Mutex
	cond   *sync.Cond
	cur    int   // the file being counted
	held   int64 // cost of the chunks queued
	free   []*chunk
	closed bool
	wg     sync.WaitGroup
}

func startParallel(ctx context.Context, objs []source.Object, pf *source.Prefetcher, workers int, budget int64) *parallelRead {
	if budget <= 0 {
		budget = DefaultParallelBudget
	}
	pr := &parallelRead{ctx: ctx, files: make([]parsedFile, len(objs)), budget: budget, pf: pf}
	for i, o := range objs {
		pr.files[i].obj = o
	}
	pr.cond = sync.NewCond(&pr.mu)
	for range min(workers, len(objs)) {
		pr.wg.Add(1)
		go pr.work()
	}
	return pr
}

// work reads files until none is left.
func (pr *parallelRead) work() {
	defer pr.wg.Done()
	for {
		pr.take.Lock()
		i := pr.nextFile
		if i >= len(pr.files) || pr.stopped() {
			pr.take.Unlock()
			return
		}
		pr.nextFile++
		_, rc, err := pr.pf.Next()
		pr.take.Unlock()
		obj := pr.files[i].obj
		switch {
		case err != nil:
			pr.finish(i, nil, 0, err, 0)
		case obj.Parquet:
			pr.mu.Lock()
			pr.files[i].direct = rc
			pr.files[i].done = true
			pr.cond.Broadcast()
			pr.mu.Unlock()
		default:
			pr.parse(i, obj, rc)
			rc.Close()
		}
	}
}

func (pr *parallelRead) stopped() bool {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.closed
}

// parse reads file i into chunks.
func (pr *parallelRead) parse(i int, obj source.Object, rc io.Reader) {
	cr := &countingReader{r: rc}
	r := logparse.NewReader(cr)
	r.Name = obj.Name
	defer r.Close()
	c := pr.newChunk()
	var end error
	for {
		if len(c.recs) == chunkRecords || len(c.errs) >= chunkRecords {
			c.read = cr.n.Load()
			if !pr.put(i, c) {
				return
			}
			c = pr.newChunk()
		}
		n := len(c.recs)
		c.recs = c.recs[:n+1]
		err := r.Read(&c.recs[n])
		if err == nil {
			for _, fe := range r.FieldErrors() {
				c.errs = append(c.errs, lineEvent{at: n, field: true, pe: *fe})
			}
			continue
		}
		c.recs = c.recs[:n]
		if err == io.EOF {
			break
		}
		var pe *logparse.ParseError
		if errors.As(err, &pe) {
			c.errs = append(c.errs, lineEvent{at: n, pe: *pe})
			continue
		}
		end = err
		break
	}
	c.read = cr.n.Load()
	pr.finish(i, c, r.Records(), end, c.read)
}

// newChunk returns an empty chunk, one the run is done with if any.
func (pr *parallelRead) newChunk() *chunk {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if n := len(pr.free); n > 0 {
		c := pr.free[n-1]
		pr.free = pr.free[:n-1]
		return c
	}
	return &chunk{recs: make([]logparse.Record, 0, chunkRecords)}
}

// put queues a full chunk of file i, waiting while the file is not the one
// being counted and the budget is spent. It reports false when the run
// stopped.
func (pr *parallelRead) put(i int, c *chunk) bool {
	cost := c.cost()
	pr.mu.Lock()
	defer pr.mu.Unlock()
	for !pr.closed && i != pr.cur && pr.held+cost > pr.budget {
		pr.cond.Wait()
	}
	if pr.closed {
		return false
	}
	pr.held += cost
	pr.files[i].chunks = append(pr.files[i].chunks, c)
	pr.cond.Broadcast()
	return true
}

// finish queues the last chunk of file i (nil for none) and what ended it.
func (pr *parallelRead) finish(i int, c *chunk, records int, err error, read int64) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	f := &pr.files[i]
	if c != nil {
		pr.held += c.cost()
		f.chunks = append(f.chunks, c)
	}
	f.done, f.records, f.err, f.read = true, records, err, read
	pr.cond.Broadcast()
}

// next returns the next chunk of file i, or nil when the file has no more
// (f.done); it waits for the worker. It returns ctx's error if the run is
// cancelled.
func (pr *parallelRead) next(i int) (*chunk, *parsedFile, error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if pr.cur != i {
		pr.cur = i
		pr.cond.Broadcast()
	}
	f := &pr.files[i]
	for len(f.chunks) == 0 && !f.done {
		if err := pr.ctx.Err(); err != nil {
			return nil, f, err
		}
		pr.cond.Wait()
	}
	if len(f.chunks) == 0 {
		return nil, f, nil
	}
	c := f.chunks[0]
	f.chunks[0] = nil
	f.chunks = f.chunks[1:]
	return c, f, nil
}

// recycle gives a counted chunk back, to be filled again.
func (pr *parallelRead) recycle(c *chunk) {
	cost := c.cost()
	clear(c.recs) // drop the blocks the strings point into
	c.recs = c.recs[:0]
	c.errs = c.errs[:0]
	pr.mu.Lock()
	pr.held -= cost
	pr.free = append(pr.free, c)
	pr.cond.Broadcast()
	pr.mu.Unlock()
}

// close stops the workers and waits for them.
func (pr *parallelRead) close() {
	pr.mu.Lock()
	pr.closed = true
	pr.cond.Broadcast()
	pr.mu.Unlock()
	pr.wg.Wait()
	for i := range pr.files {
		if rc := pr.files[i].direct; rc != nil {
			rc.Close()
			pr.files[i].direct = nil
		}
	}
}

// readParallel reads the objects with the workers, counting in name order.
// It returns the object read last and what ended it, for Run's bookkeeping,
// through onFile.
func (rd *reading) readParallel(ctx context.Context, objs []source.Object, pf *source.Prefetcher, workers int, budget int64, onFile func(obj source.Object, err error)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr := startParallel(ctx, objs, pf, workers, budget)
	stop := context.AfterFunc(ctx, func() {
		pr.mu.Lock()
		pr.cond.Broadcast()
		pr.mu.Unlock()
	})
	defer stop()
	defer pr.close()
	for i, obj := range objs {
		rd.read = 0
		dist := obj.Key.DistributionID
		var f *parsedFile
		for {
			c, pf, err := pr.next(i)
			if err != nil {
				return err
			}
			f = pf
			if c == nil {
				break
			}
			rd.count(obj.Name, dist, c)
			rd.read = c.read
			pr.recycle(c)
			if rd.report != nil {
				b := rd.read
				if obj.Size > 0 {
					b = min(b, obj.Size)
				}
				rd.progress.BytesDone = rd.done + b
				rd.tick()
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		err := f.err
		if f.direct != nil {
			err = rd.readObject(ctx, obj, f.direct)
			pr.mu.Lock()
			f.direct.Close()
			f.direct = nil
			pr.mu.Unlock()
		} else if fe := (*logparse.FormatError)(nil); errors.As(err, &fe) && fe.Parquet {
			// A Parquet file under a name that does not say so: the run
			// opens it again, to read it at random, as readObject does.
			err = rd.reopenParquet(ctx, obj)
		} else {
			rd.read = max(rd.read, f.read)
			rd.in.Records += int64(f.records)
		}
		onFile(obj, err)
	}
	return nil
}

// count counts one chunk of the file name: its bad lines and values and its
// records, in the order the reader met them.
func (rd *reading) count(name, dist string, c *chunk) {
	e := 0
	for j := range c.recs {
		for ; e < len(c.errs) && c.errs[e].at == j; e++ {
			rd.event(name, &c.errs[e])
		}
		rd.c.Observe(&c.recs[j], dist)
	}
	for ; e < len(c.errs); e++ {
		rd.event(name, &c.errs[e])
	}
}

func (rd *reading) event(name string, ev *lineEvent) {
	if ev.field {
		rd.fieldError(name, &ev.pe)
	} else {
		rd.lineError(name, &ev.pe)
	}
}
