package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeObject is an object in memory whose reads are counted and may fail.
type fakeObject struct {
	name    string
	data    []byte
	size    int64         // listed size (len(data) unless set otherwise)
	openErr error         // Open fails
	readErr error         // reading fails after failAt bytes
	failAt  int           //
	delay   time.Duration // before Open returns

	direct atomic.Bool  // handed out: reads from now on are not read-ahead
	read   atomic.Int64 // bytes read from it
	held   *atomic.Int64
	max    *atomic.Int64
	opens  atomic.Int32
	stream atomic.Bool // handed out unread, to be streamed
}

func (f *fakeObject) object() Object {
	size := f.size
	if size == 0 {
		size = int64(len(f.data))
	}
	return Object{Name: f.name, Size: size, open: func(ctx context.Context) (io.ReadCloser, error) {
		f.opens.Add(1)
		if f.delay > 0 {
			select {
			case <-time.After(f.delay):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if f.openErr != nil {
			return nil, f.openErr
		}
		var r io.Reader = bytes.NewReader(f.data)
		if f.readErr != nil {
			r = io.MultiReader(bytes.NewReader(f.data[:f.failAt]), errReader{f.readErr})
		}
		return io.NopCloser(&countingReader{r: r, f: f}), nil
	}}
}

type countingReader struct {
	r io.Reader
	f *fakeObject
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.f.read.Add(int64(n))
	if c.f.held != nil && !c.f.direct.Load() {
		h := c.f.held.Add(int64(n))
		for {
			m := c.f.max.Load()
			if h <= m || c.f.max.CompareAndSwap(m, h) {
				break
			}
		}
	}
	return n, err
}

// result is what a reader of one object sees.
type result struct {
	name string
	sum  string // length and a hash of the bytes
	err  string
}

// consume reads every object of p in order, as report does.
func consume(t *testing.T, p *Prefetcher, fakes map[string]*fakeObject, slow time.Duration) []result {
	t.Helper()
	var out []result
	for {
		obj, rc, err := p.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			out = append(out, result{name: obj.Name, err: "open: " + err.Error()})
			continue
		}
		// From here on the reads are the consumer's, not read-ahead.
		f := fakes[obj.Name]
		var ahead int64
		if f != nil {
			f.direct.Store(true)
			ahead = f.read.Load()
			_, buffered := rc.(*bufReader)
			f.stream.Store(!buffered)
		}
		time.Sleep(slow)
		b, err := io.ReadAll(rc)
		r := result{name: obj.Name, sum: fmt.Sprintf("%d:%x", len(b), hash(b))}
		if err != nil {
			r.err = err.Error()
		}
		// Stop counting this object's bytes before Close frees its budget,
		// or the next read-ahead may be counted while they still are.
		if f != nil && f.held != nil {
			f.held.Add(-ahead)
		}
		rc.Close()
		out = append(out, r)
	}
}

func hash(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// fakeSet builds n objects of random sizes up to maxSize, some failing.
func fakeSet(n, maxSize int, seed uint64) ([]Object, map[string]*fakeObject, *atomic.Int64, *atomic.Int64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	held, mx := &atomic.Int64{}, &atomic.Int64{}
	var objs []Object
	fakes := map[string]*fakeObject{}
	for i := range n {
		data := make([]byte, rng.IntN(maxSize+1))
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		f := &fakeObject{name: fmt.Sprintf("obj%03d", i), data: data, held: held, max: mx,
			delay: time.Duration(rng.IntN(3)) * time.Millisecond}
		switch i % 11 {
		case 3:
			f.openErr = fmt.Errorf("%s: no such object", f.name)
		case 7:
			if len(data) > 0 {
				f.readErr, f.failAt = fmt.Errorf("%s: connection reset", f.name), len(data)/2
			}
		case 9:
			f.size = int64(len(data)) / 2 // grew since it was listed
		case 10:
			f.size = int64(len(data)) + 100 // shrank
		}
		fakes[f.name] = f
		objs = append(objs, f.object())
	}
	return objs, fakes, held, mx
}

func TestPrefetchSameResults(t *testing.T) {
	var want []result
	for _, workers := range []int{0, 1, 2, 8} {
		for _, budget := range []int64{1, 10 << 10, 100 << 10, 64 << 20} {
			objs, fakes, _, _ := fakeSet(60, 20<<10, 1)
			p := Prefetch(context.Background(), objs, workers, budget)
			got := consume(t, p, fakes, 0)
			p.Close()
			if want == nil {
				want = got
				if len(want) != 60 {
					t.Fatalf("%d results", len(want))
				}
				continue
			}
			if !slices.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						t.Errorf("workers %d budget %d: object %d: %+v, want %+v", workers, budget, i, got[i], want[i])
					}
				}
			}
			for _, f := range fakes {
				if f.opens.Load() != 1 {
					t.Errorf("workers %d budget %d: %s opened %d times", workers, budget, f.name, f.opens.Load())
				}
			}
		}
	}
	// The failures show as they would when reading directly.
	for _, r := range want {
		switch r.name {
		case "obj003":
			if r.err != "open: obj003: no such object" {
				t.Errorf("%+v", r)
			}
		case "obj007":
			if r.err != "obj007: connection reset" {
				t.Errorf("%+v", r)
			}
		}
	}
}

func TestPrefetchBudget(t *testing.T) {
	const budget = 64 << 10
	objs, fakes, held, mx := fakeSet(80, 24<<10, 2)
	// One object larger than the whole budget is streamed.
	big := &fakeObject{name: "obj999", data: bytes.Repeat([]byte("b"), 3*budget), held: held, max: mx}
	fakes[big.name] = big
	objs = append(objs, big.object())
	p := Prefetch(context.Background(), objs, 8, budget)
	defer p.Close()
	consume(t, p, fakes, 200*time.Microsecond)
	if mx.Load() > budget || p.maxReserved > budget {
		t.Errorf("held %d bytes at most (reserved %d), budget %d", mx.Load(), p.maxReserved, budget)
	}
	if mx.Load() < budget/2 {
		t.Errorf("held %d bytes at most: the read-ahead hardly ran (budget %d)", mx.Load(), budget)
	}
	if !big.stream.Load() || big.read.Load() != 3*budget {
		t.Errorf("the object larger than the budget: streamed %v, %d bytes read", big.stream.Load(), big.read.Load())
	}
	if held.Load() != 0 || p.reserved != 0 {
		t.Errorf("%d bytes still held, %d reserved", held.Load(), p.reserved)
	}
	t.Logf("held at most %d of %d bytes", mx.Load(), budget)
}

func TestPrefetchCancel(t *testing.T) {
	var objs []Object
	for i := range 20 {
		f := &fakeObject{name: fmt.Sprint(i), data: []byte("x"), delay: time.Hour}
		objs = append(objs, f.object())
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := Prefetch(ctx, objs, 4, 0)
	done := make(chan error)
	go func() {
		_, _, err := p.Next()
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Next after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return after cancel")
	}
	if _, _, err := p.Next(); err == nil || err == io.EOF {
		t.Errorf("Next after Close: %v", err)
	}
}

// TestPrefetchClose: closing early, with read-ahead in flight and readers
// not closed, frees everything and returns.
func TestPrefetchClose(t *testing.T) {
	objs, fakes, _, _ := fakeSet(50, 10<<10, 3)
	p := Prefetch(context.Background(), objs, 8, 0)
	for range 5 {
		_, rc, err := p.Next()
		if err == nil {
			io.Copy(io.Discard, rc) // and no Close
		}
	}
	p.Close()
	p.Close()
	_ = fakes
}

func TestPrefetchLocal(t *testing.T) {
	dir := t.TempDir()
	want := map[string][]byte{}
	for i := range 30 {
		p := filepath.Join(dir, fmt.Sprintf("E2QWRUHEXAMPLE.2026-11-20-10.%08x.gz", i))
		data := bytes.Repeat([]byte{byte(i)}, i*1000)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want[p] = data
	}
	objs, _, err := Local([]string{dir}, Window{utc("2026-11-20T10:00:00Z"), utc("2026-11-20T11:00:00Z")})
	if err != nil || len(objs) != 30 {
		t.Fatal(len(objs), err)
	}
	for _, workers := range []int{1, 8} {
		p := Prefetch(context.Background(), objs, workers, 50_000)
		var order []string
		for {
			obj, rc, err := p.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(b, want[obj.Name]) {
				t.Errorf("workers %d: %s: %d bytes, %v", workers, obj.Name, len(b), err)
			}
			order = append(order, obj.Name)
		}
		p.Close()
		if !slices.Equal(order, names(objs)) {
			t.Errorf("workers %d: order %v", workers, order)
		}
	}
}

// TestPrefetchConcurrent runs many prefetchers at once, for the race
// detector.
func TestPrefetchConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			objs, fakes, _, _ := fakeSet(40, 8<<10, uint64(10+i))
			p := Prefetch(context.Background(), objs, 1+i*3, 32<<10)
			defer p.Close()
			consume(t, p, fakes, 0)
		})
	}
	wg.Wait()
}
