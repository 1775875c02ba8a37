package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
)

// partitions holds the Parquet files one log file is writing, one per
// (distribution, hour) of its records. Nothing is committed until the
// whole log file has been read: then every file is, or on failure none.
type partitions struct {
	p    *Processor
	ctx  context.Context
	base string // output file name without suffix
	dist string // distribution from the key, for records that name none
	max  int

	open    []*part // writing, most recently used last
	closed  []*part // Parquet complete (or being completed), waiting for commit
	last    *part
	seq     map[partID]int // Parquet files started per partition
	closing chan error     // the close running in the background, if any
}

type partID struct {
	dist string
	hour int64 // Unix hour
}

type part struct {
	id   partID
	key  string
	obj  Object
	w    *dataset.Writer // nil once closed
	rows int64
}

// writer returns the Parquet writer of rec's partition, starting it if
// needed.
func (ps *partitions) writer(rec *logparse.Record) (*dataset.Writer, error) {
	id := partID{dist: rec.DistributionID, hour: rec.Time.Unix() / 3600}
	if id.dist == "" {
		id.dist = ps.dist
	}
	if l := ps.last; l != nil && l.id == id {
		return l.w, nil
	}
	for i, pt := range ps.open {
		if pt.id == id {
			// Most recently used last: the least recently used is closed
			// first when too many are open.
			ps.open = append(slices.Delete(ps.open, i, i+1), pt)
			ps.last = pt
			return pt.w, nil
		}
	}
	if len(ps.open) >= ps.max {
		if err := ps.close(ps.open[0]); err != nil {
			return nil, err
		}
		ps.open = slices.Delete(ps.open, 0, 1)
	}
	pt, err := ps.start(id)
	if err != nil {
		return nil, err
	}
	ps.open = append(ps.open, pt)
	ps.last = pt
	return pt.w, nil
}

func (ps *partitions) start(id partID) (*part, error) {
	if ps.seq == nil {
		ps.seq = make(map[partID]int)
	}
	ps.seq[id]++
	name := ps.base
	if n := ps.seq[id]; n > 1 {
		name += "." + strconv.Itoa(n)
	}
	key := dataset.PartitionPath("", id.dist, time.Unix(id.hour*3600, 0)) + "/" + name + ".parquet"
	obj, err := ps.p.sink.Create(ps.ctx, key)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", ps.p.sink.Location(key), err)
	}
	opts := ps.p.opts.Dataset
	opts.DistributionID = id.dist
	return &part{id: id, key: key, obj: obj, w: dataset.NewWriter(obj, opts)}, nil
}

// close finishes pt's Parquet file (its last pages and footer) in the
// background while reading goes on; the object is committed with the rest.
// At most one close runs at a time: close first waits for the one before,
// and returns its error, leaving pt open for abort. The caller removes pt
// from ps.open once close succeeds.
func (ps *partitions) close(pt *part) error {
	if ps.last == pt {
		ps.last = nil
	}
	if err := ps.wait(); err != nil {
		return err
	}
	w := pt.w
	pt.w, pt.rows = nil, w.Rows()
	ps.closed = append(ps.closed, pt)
	done := make(chan error, 1)
	ps.closing = done
	go func() {
		if err := w.Close(); err != nil {
			done <- fmt.Errorf("writing %s: %w", ps.p.sink.Location(pt.key), err)
			return
		}
		done <- nil
	}()
	return nil
}

// wait waits for the background close, if one is running.
func (ps *partitions) wait() error {
	if ps.closing == nil {
		return nil
	}
	err := <-ps.closing
	ps.closing = nil
	return err
}

// commit finishes every file and makes them visible, in key order.
func (ps *partitions) commit() ([]Output, error) {
	for len(ps.open) > 0 {
		if err := ps.close(ps.open[0]); err != nil {
			return nil, err
		}
		ps.open = ps.open[1:]
	}
	if err := ps.wait(); err != nil {
		return nil, err
	}
	all := ps.closed
	slices.SortFunc(all, func(a, b *part) int { return strings.Compare(a.key, b.key) })
	outs := make([]Output, 0, len(all))
	for i, pt := range all {
		if err := pt.obj.Commit(); err != nil {
			// The rest are dropped; the ones committed are complete
			// files that a retry replaces.
			ps.closed = all[i+1:]
			return outs, err
		}
		outs = append(outs, Output{Location: ps.p.sink.Location(pt.key), Rows: pt.rows})
	}
	ps.closed = nil
	return outs, nil
}

// abort drops every file not committed.
func (ps *partitions) abort(cause error) {
	for _, pt := range ps.closed {
		pt.obj.Abort(cause)
	}
	// A close running in the background now fails at its next write, if
	// it has not finished already.
	ps.wait()
	for _, pt := range ps.open {
		// The object first: the writer's last bytes then fail at once
		// instead of reaching an upload.
		pt.obj.Abort(cause)
		pt.w.Close()
	}
	ps.open, ps.closed, ps.last = nil, nil, nil
}
