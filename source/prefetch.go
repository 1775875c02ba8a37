package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
)

// Read-ahead defaults for Prefetch. CloudFront's files are a few MB each, so
// 32 MiB keeps 8 of them in flight; with the garbage collector's headroom it
// keeps a report's peak memory under 150 MB.
const (
	DefaultWorkers       = 8
	DefaultBudget  int64 = 32 << 20
)

// A Prefetcher hands out objects in their original order while reading the
// next ones ahead, concurrently, into memory. The reader of an object sees
// the same bytes, and the same error at the same place, whether the object
// was read ahead or streamed, so results never depend on the number of
// workers.
//
// At most workers objects are being read ahead at once, and the objects held
// in memory add up to at most budget bytes (by their listed size). An object
// larger than the whole budget, or one that the read-ahead has not started
// when its turn comes, is streamed directly from its source instead.
type Prefetcher struct {
	ctx     context.Context
	cancel  context.CancelFunc
	objs    []Object
	budget  int64
	workers int
	stop    func() bool // unregisters the context watch

	mu          sync.Mutex
	cond        *sync.Cond
	slots       []slot
	next        int   // the object Next hands out next
	inflight    int   // objects being read ahead
	reserved    int64 // bytes held (or being read) for objects not yet released
	maxReserved int64 // the most reserved at once
	closed      bool
	wg          sync.WaitGroup
}

type slotState uint8

const (
	slotPending  slotState = iota // not started
	slotFetching                  // being read ahead
	slotReady                     // read ahead (or failed)
	slotDirect                    // to be streamed when its turn comes
	slotTaken                     // handed out
)

type slot struct {
	state    slotState
	buf      []byte
	tail     io.ReadCloser // the rest, when the object was larger than listed
	openErr  error
	readErr  error // after buf
	reserved int64
}

var errPrefetcherClosed = errors.New("source: prefetcher closed")

// Prefetch starts reading objs ahead: workers at a time (0 or less: none,
// each object is opened when its turn comes), holding at most budget bytes
// (0 or less: DefaultBudget). Hand the objects out with Next, close each
// reader it returns, and Close the Prefetcher when done. Cancelling ctx
// stops the read-ahead; Next then returns ctx's error.
func Prefetch(ctx context.Context, objs []Object, workers int, budget int64) *Prefetcher {
	if budget <= 0 {
		budget = DefaultBudget
	}
	if workers < 0 {
		workers = 0
	}
	ctx, cancel := context.WithCancel(ctx)
	p := &Prefetcher{ctx: ctx, cancel: cancel, objs: objs, budget: budget, workers: workers, slots: make([]slot, len(objs))}
	p.cond = sync.NewCond(&p.mu)
	p.stop = context.AfterFunc(ctx, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	if workers > 0 {
		p.wg.Add(1)
		go p.dispatch()
	}
	return p
}

// dispatch starts the read-ahead of each object in order, when a worker and
// enough of the budget are free.
func (p *Prefetcher) dispatch() {
	defer p.wg.Done()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.objs {
		size := p.objs[i].Size
		s := &p.slots[i]
		for {
			if p.closed || p.ctx.Err() != nil {
				return
			}
			if s.state != slotPending {
				break // its turn came: Next streams it
			}
			if size < 0 || size > p.budget {
				s.state = slotDirect
				break
			}
			if p.inflight < p.workers && p.reserved+size <= p.budget {
				s.state = slotFetching
				s.reserved = size
				p.reserved += size
				p.maxReserved = max(p.maxReserved, p.reserved)
				p.inflight++
				p.wg.Add(1)
				go p.fetch(i)
				break
			}
			p.cond.Wait()
		}
	}
}

// fetch reads object i into memory.
func (p *Prefetcher) fetch(i int) {
	defer p.wg.Done()
	obj := p.objs[i]
	var (
		buf     []byte
		tail    io.ReadCloser
		readErr error
	)
	rc, openErr := obj.Open(p.ctx)
	if openErr == nil {
		buf = make([]byte, obj.Size)
		n := 0
		for n < len(buf) && readErr == nil {
			var m int
			m, readErr = rc.Read(buf[n:])
			n += m
		}
		buf = buf[:n]
		if readErr == nil {
			// Full as listed: the object may have grown since.
			var one [1]byte
			m, err := io.ReadAtLeast(rc, one[:], 1)
			switch {
			case m == 1:
				tail = readCloser{io.MultiReader(bytes.NewReader(one[:1]), rc), rc}
			case err != io.EOF:
				readErr = err
			}
		}
		if readErr == io.EOF {
			readErr = nil // shorter than listed
		}
		if tail == nil {
			rc.Close()
		}
	}
	p.mu.Lock()
	closed := p.closed
	s := &p.slots[i]
	s.state, s.openErr, s.readErr = slotReady, openErr, readErr
	if !closed {
		s.buf, s.tail = buf, tail
	}
	p.inflight--
	p.cond.Broadcast()
	p.mu.Unlock()
	if closed && tail != nil {
		tail.Close()
	}
}

// Next returns the next object and a reader of its content, or io.EOF after
// the last one. An error opening the object is returned as Open would
// return it; an error part way is returned by the reader, after the bytes
// read before it. Close the reader before the next call: that frees its
// share of the budget.
func (p *Prefetcher) Next() (Object, io.ReadCloser, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return Object{}, nil, errPrefetcherClosed
	}
	if p.next >= len(p.objs) {
		p.mu.Unlock()
		return Object{}, nil, io.EOF
	}
	i := p.next
	p.next++
	obj, s := p.objs[i], &p.slots[i]
	if s.state == slotPending {
		s.state = slotDirect
		p.cond.Broadcast()
	}
	for s.state == slotFetching && p.ctx.Err() == nil {
		p.cond.Wait()
	}
	if err := p.ctx.Err(); err != nil {
		p.mu.Unlock()
		return obj, nil, err
	}
	if s.state == slotDirect {
		s.state = slotTaken
		p.mu.Unlock()
		rc, err := obj.Open(p.ctx)
		return obj, rc, err
	}
	s.state = slotTaken
	r := &bufReader{p: p, i: i, buf: s.buf, tail: s.tail, err: s.readErr}
	openErr := s.openErr
	s.buf, s.tail = nil, nil
	p.mu.Unlock()
	if openErr != nil {
		r.Close()
		return obj, nil, openErr
	}
	return obj, r, nil
}

// release gives object i's share of the budget back.
func (p *Prefetcher) release(i int) {
	p.mu.Lock()
	s := &p.slots[i]
	p.reserved -= s.reserved
	s.reserved = 0
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close stops the read-ahead and frees what it holds. Readers already handed
// out stay readable if they were read ahead; a streamed one fails.
func (p *Prefetcher) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.cond.Broadcast()
	p.mu.Unlock()
	p.cancel()
	p.stop()
	p.wg.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range p.slots {
		s := &p.slots[i]
		if s.tail != nil {
			s.tail.Close()
		}
		s.buf, s.tail = nil, nil
	}
	return nil
}

// bufReader reads an object that was read ahead.
type bufReader struct {
	p      *Prefetcher
	i      int
	buf    []byte
	off    int
	tail   io.ReadCloser
	err    error
	closed bool
}

func (r *bufReader) Read(b []byte) (int, error) {
	if r.off < len(r.buf) {
		n := copy(b, r.buf[r.off:])
		r.off += n
		return n, nil
	}
	if r.tail != nil {
		return r.tail.Read(b)
	}
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}

// WriteTo lets io.Copy and friends take the buffer in one piece.
func (r *bufReader) WriteTo(w io.Writer) (int64, error) {
	var total int64
	if r.off < len(r.buf) {
		n, err := w.Write(r.buf[r.off:])
		r.off += n
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
	if r.tail != nil {
		n, err := io.Copy(w, r.tail)
		return total + n, err
	}
	return total, r.err
}

func (r *bufReader) Close() error {
	if r.closed {
		return nil
	}
	r.closed = true
	r.buf = nil
	r.p.release(r.i)
	if r.tail != nil {
		return r.tail.Close()
	}
	return nil
}

type readCloser struct {
	io.Reader
	io.Closer
}
