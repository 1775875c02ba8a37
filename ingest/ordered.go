package ingest

import (
	"context"
	"sync"
	"unsafe"

	"github.com/cfwatch/cfwatch/logparse"
	"github.com/cfwatch/cfwatch/source"
)

// Ordered runs: several files processed at once, one shared engine.
//
// Each worker reads, redacts and writes a whole file, as Process does; the
// records it reads go, in chunks, to a queue of its file instead of to the
// shared engine. ProcessObjects' goroutine feeds the queues to the engine
// file after file in the order of the objects, and calls done in that
// order too: the engine sees the records in the same order as when the
// files are processed one at a time, so its findings do not depend on the
// number of workers, and each file's Parquet output never did.
//
// Workers ahead of the file being fed keep their records until its turn
// comes, up to orderedBudget bytes in all; then they wait (the worker of
// the file being fed never does).

const (
	orderedChunk  = 1024
	orderedBudget = 48 << 20
	// orderedRecordCost estimates what a queued record keeps alive: the
	// Record and the line its strings point into.
	orderedRecordCost = int64(unsafe.Sizeof(logparse.Record{})) + 512
)

type orderedFile struct {
	started bool
	chunks  [][]logparse.Record
	dist    string
	done    bool
	res     Result
	err     error
}

type orderedRun struct {
	ctx   context.Context
	files []orderedFile

	mu     sync.Mutex
	cond   *sync.Cond
	cur    int
	held   int64
	free   [][]logparse.Record
	closed bool
}

// fileQueue is the observer of one file: it copies the records into
// chunks and queues them. Strings in a record point into immutable blocks
// of the input, so a copy of the struct stays valid.
type fileQueue struct {
	run  *orderedRun
	i    int
	dist string
	buf  []logparse.Record
}

func (q *fileQueue) Observe(rec *logparse.Record, dist string) {
	if q.buf == nil {
		q.buf = q.run.newChunk()
	}
	q.dist = dist
	q.buf = append(q.buf, *rec)
	if len(q.buf) == orderedChunk {
		q.run.put(q.i, q.buf, dist)
		q.buf = nil
	}
}

func (r *orderedRun) newChunk() []logparse.Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.free); n > 0 {
		c := r.free[n-1]
		r.free = r.free[:n-1]
		return c
	}
	return make([]logparse.Record, 0, orderedChunk)
}

// put queues a chunk of file i, waiting while i is not the file being fed
// and the budget is spent. After the run stopped, it drops the chunk.
func (r *orderedRun) put(i int, c []logparse.Record, dist string) {
	cost := int64(len(c)) * orderedRecordCost
	r.mu.Lock()
	defer r.mu.Unlock()
	for !r.closed && r.ctx.Err() == nil && i != r.cur && r.held+cost > orderedBudget {
		r.cond.Wait()
	}
	if r.closed || r.ctx.Err() != nil {
		return
	}
	r.held += cost
	f := &r.files[i]
	f.chunks = append(f.chunks, c)
	f.dist = dist
	r.cond.Broadcast()
}

// processOrdered is ProcessObjects with a shared engine and more than one
// worker.
func processOrdered(ctx context.Context, proc *Processor, objs []source.Object, workers int, done func(source.Object, Result, error)) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &orderedRun{ctx: ctx, files: make([]orderedFile, len(objs))}
	r.cond = sync.NewCond(&r.mu)
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()

	var (
		wg   sync.WaitGroup
		take sync.Mutex
		next int
	)
	for range min(workers, len(objs)) {
		wg.Go(func() {
			for {
				take.Lock()
				i := next
				next++
				take.Unlock()
				if i >= len(objs) {
					return
				}
				started := ctx.Err() == nil // stop starting new objects when cancelled
				var res Result
				var err error
				if started {
					q := &fileQueue{run: r, i: i}
					res, err = processObjectWith(ctx, proc, objs[i], q)
					if len(q.buf) > 0 {
						r.put(i, q.buf, q.dist)
					}
				}
				r.mu.Lock()
				f := &r.files[i]
				f.started, f.done, f.res, f.err = started, true, res, err
				r.cond.Broadcast()
				r.mu.Unlock()
			}
		})
	}
	defer wg.Wait()
	defer func() {
		r.mu.Lock()
		r.closed = true
		r.cond.Broadcast()
		r.mu.Unlock()
	}()

	eng := proc.opts.Engine
	for i, obj := range objs {
		for {
			r.mu.Lock()
			if r.cur != i {
				r.cur = i
				r.cond.Broadcast()
			}
			f := &r.files[i]
			for len(f.chunks) == 0 && !f.done {
				r.cond.Wait()
			}
			if len(f.chunks) == 0 {
				started, res, err := f.started, f.res, f.err
				r.mu.Unlock()
				if started {
					done(obj, res, err)
				}
				break
			}
			c, dist := f.chunks[0], f.dist
			f.chunks[0] = nil
			f.chunks = f.chunks[1:]
			r.mu.Unlock()
			for j := range c {
				eng.Observe(&c[j], dist)
			}
			clear(c) // drop the blocks the strings point into
			r.mu.Lock()
			r.held -= int64(len(c)) * orderedRecordCost
			r.free = append(r.free, c[:0])
			r.cond.Broadcast()
			r.mu.Unlock()
		}
	}
}
