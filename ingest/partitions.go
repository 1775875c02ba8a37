package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cfwatch/cfwatch/dataset"
	"github.com/cfwatch/cfwatch/logparse"
)

// partitions writes one log file's records as Parquet, exactly one object
// per (distribution, hour) of its records, whatever their order.
//
// The first max partitions the records name each get a Parquet writer,
// open until the log has been read: CloudFront's files hold one hour and a
// few minutes of the hours around it, so all of a normal file's records go
// straight to their writer. Records of further partitions are set aside in
// a spool (encoded rows, spool.go) and, once the log has been read, each of
// these partitions is written from it, one at a time. So a file open at
// once holds at most max writers (and objects being written), and a file
// whose records wander over many hours still gives one object per hour.
//
// Nothing is committed until the whole log file has been read: then the
// writers' objects are, in key order, and each spooled partition's as soon
// as it is written. On failure the rest is aborted; the objects already
// committed are complete files that a retry replaces (same keys).
type partitions struct {
	p    *Processor
	ctx  context.Context
	base string // output file name without suffix
	dist string // distribution from the key, for records that name none
	max  int

	open  []*part // with a writer, in the order of their first record
	last  *part
	spool *spool // nil until a record finds no room
	enc   *dataset.RowEncoder
	row   []byte
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

// write writes rec to its partition, or spools it. dist is the
// distribution of the log file's key (dataset.Writer.Write).
func (ps *partitions) write(rec *logparse.Record, dist string) error {
	id := partID{dist: rec.DistributionID, hour: rec.Time.Unix() / 3600}
	if rec.Time.Unix() < 0 && rec.Time.Unix()%3600 != 0 {
		id.hour-- // floor, for times before 1970
	}
	if id.dist == "" {
		id.dist = ps.dist
	}
	pt := ps.last
	if pt == nil || pt.id != id {
		pt = nil
		for _, o := range ps.open {
			if o.id == id {
				pt = o
				break
			}
		}
		if pt == nil && len(ps.open) < ps.max {
			var err error
			if pt, err = ps.start(id); err != nil {
				return err
			}
			ps.open = append(ps.open, pt)
		}
	}
	if pt != nil {
		ps.last = pt
		return pt.w.Write(rec, dist)
	}
	if ps.spool == nil {
		ps.spool = newSpool(ps.p.opts.SpoolDir, ps.p.opts.SpoolMemory)
		ps.enc = dataset.NewRowEncoder()
	}
	var err error
	if ps.row, err = ps.enc.Append(ps.row[:0], rec, dist); err != nil {
		return err
	}
	return ps.spool.add(id, ps.row)
}

// start creates the object of partition id and its writer.
func (ps *partitions) start(id partID) (*part, error) {
	if err := ps.ctx.Err(); err != nil {
		return nil, err
	}
	key := dataset.PartitionPath("", id.dist, time.Unix(id.hour*3600, 0)) + "/" + ps.base + ".parquet"
	obj, err := ps.p.sink.Create(ps.ctx, key)
	if err != nil {
		return nil, fmt.Errorf("creating %s: %w", ps.p.sink.Location(key), err)
	}
	opts := ps.p.opts.Dataset
	opts.DistributionID = id.dist
	return &part{id: id, key: key, obj: obj, w: dataset.NewWriter(obj, opts)}, nil
}

// finish writes pt's last pages and footer.
func (ps *partitions) finish(pt *part) error {
	w := pt.w
	pt.w, pt.rows = nil, w.Rows()
	if err := w.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", ps.p.sink.Location(pt.key), err)
	}
	return nil
}

// commit finishes every partition and makes its object visible: the
// writers' first, in key order, then the spooled ones one at a time. The
// outputs are in key order.
func (ps *partitions) commit() ([]Output, error) {
	ps.last = nil
	for _, pt := range ps.open {
		if err := ps.finish(pt); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(ps.open, func(a, b *part) int { return strings.Compare(a.key, b.key) })
	var outs []Output
	for len(ps.open) > 0 {
		pt := ps.open[0]
		if err := pt.obj.Commit(); err != nil {
			ps.open = ps.open[1:]
			return outs, err
		}
		ps.open = ps.open[1:]
		outs = append(outs, Output{Location: ps.p.sink.Location(pt.key), Rows: pt.rows})
	}
	if ps.spool != nil {
		for _, id := range ps.spool.ids() {
			out, err := ps.writeSpooled(id)
			if err != nil {
				return outs, err
			}
			outs = append(outs, out)
		}
		ps.spool.close()
		ps.spool = nil
	}
	slices.SortFunc(outs, func(a, b Output) int { return strings.Compare(a.Location, b.Location) })
	return outs, nil
}

// writeSpooled writes and commits the spooled partition id.
func (ps *partitions) writeSpooled(id partID) (Output, error) {
	pt, err := ps.start(id)
	if err != nil {
		return Output{}, err
	}
	ps.open = append(ps.open[:0], pt) // for abort
	n := 0
	err = ps.spool.each(id, func(row []byte) error {
		if n++; n%ctxCheckEvery == 0 {
			if err := ps.ctx.Err(); err != nil {
				return err
			}
		}
		return pt.w.WriteRow(row)
	})
	if err != nil {
		return Output{}, fmt.Errorf("writing %s: %w", ps.p.sink.Location(pt.key), err)
	}
	if err := ps.finish(pt); err != nil {
		return Output{}, err
	}
	ps.open = ps.open[:0]
	if err := pt.obj.Commit(); err != nil {
		return Output{}, err
	}
	return Output{Location: ps.p.sink.Location(pt.key), Rows: pt.rows}, nil
}

// abort drops every object not committed and the spool.
func (ps *partitions) abort(cause error) {
	for _, pt := range ps.open {
		// The object first: the writer's last bytes then fail at once
		// instead of reaching an upload.
		pt.obj.Abort(cause)
		if pt.w != nil {
			pt.w.Close()
		}
	}
	ps.open, ps.last = nil, nil
	if ps.spool != nil {
		ps.spool.close()
		ps.spool = nil
	}
}
