package dataset

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/cfwatch/cfwatch/logparse"
)

// Encoded rows
//
// A caller that cannot write a record yet (package ingest sets aside the
// records of hours it has no Writer open for, and writes them once the log
// has been read) keeps it as an encoded row: RowEncoder.Append converts the
// record as Write would (redacted, valid UTF-8, distribution resolved) into
// a compact binary form, and Writer.WriteRow writes it. A file written from
// encoded rows is byte for byte the one Write makes from the records, and
// an encoded row holds no secret the dataset would not.
//
// The form, not a stable format (rows live only within one process):
// uvarint the row's size as logged, varint request_time in Unix
// milliseconds, uvarint the number columns' presence bits, then each
// present number column's bits as a uvarint, c_ip's binary form (uvarint
// length, netip.Addr.AppendBinary), and each string column as a uvarint
// length and its bytes, in column order.

// A RowEncoder encodes records as rows. It is not safe for concurrent use.
type RowEncoder struct {
	b  *batch // one row: fill's output
	ip []byte
}

// NewRowEncoder returns a RowEncoder.
func NewRowEncoder() *RowEncoder {
	return &RowEncoder{b: newBatchRows(1, 4<<10)}
}

// Append appends rec's row to dst. dist names the distribution when the
// log does not, as for Writer.Write; when both are empty the Writer that
// writes the row fills in its Options.DistributionID.
func (e *RowEncoder) Append(dst []byte, rec *logparse.Record, dist string) ([]byte, error) {
	if rec.Time.IsZero() {
		return dst, fmt.Errorf("dataset: record (line %d) has no time", rec.Line)
	}
	b := e.b
	b.reset()
	fill(b, 0, rec, dist)
	dst = binary.AppendUvarint(dst, uint64(rawSize(rec)))
	dst = binary.AppendVarint(dst, b.ms[0])
	dst = binary.AppendUvarint(dst, b.has[0])
	for c, k := range columnKinds {
		switch k {
		case kindInt64, kindInt32, kindFloat:
			if b.has[0]&(1<<c) != 0 {
				dst = binary.AppendUvarint(dst, b.num[c][0])
			}
		}
	}
	e.ip = e.ip[:0]
	if b.ip[0].IsValid() {
		e.ip, _ = b.ip[0].AppendBinary(e.ip) // never fails
	}
	dst = appendBytes(dst, e.ip)
	for c, k := range columnKinds {
		if k != kindString {
			continue
		}
		s := ""
		if b.used[c] {
			s = b.str[c][0]
		}
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	return dst, nil
}

func appendBytes(dst, p []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(p)))
	return append(dst, p...)
}

var errBadRow = errors.New("dataset: malformed encoded row")

// WriteRow writes a row that RowEncoder.Append encoded. The Writer copies
// what it keeps: row may be reused once WriteRow returns.
func (w *Writer) WriteRow(row []byte) error {
	if w.err != nil {
		return w.err
	}
	if w.cur == nil {
		return errClosed
	}
	raw, err := w.cur.setRow(w.cur.n, row, w.opts.DistributionID)
	if err != nil {
		// Nothing was counted: the next row overwrites this one.
		return err
	}
	return w.added(raw)
}

// setRow stores an encoded row as row i of b, copying its strings into the
// arena, and returns the row's size as logged. dist fills distribution_id
// when the row has none.
func (b *batch) setRow(i int, row []byte, dist string) (int64, error) {
	d := rowDecoder{p: row}
	raw := d.uvarint()
	ms := d.varint()
	has := d.uvarint()
	for c, k := range columnKinds {
		switch k {
		case kindInt64, kindInt32, kindFloat:
			if has&(1<<c) != 0 {
				b.num[c][i] = d.uvarint()
			}
		}
	}
	var ip netip.Addr
	if p := d.bytes(); len(p) > 0 {
		if err := ip.UnmarshalBinary(p); err != nil {
			return 0, errBadRow
		}
	}
	// The strings are checked before any is stored, so that a bad row
	// leaves the batch's used columns as they were.
	strs := d.p
	for _, k := range columnKinds {
		if k == kindString {
			d.bytes()
		}
	}
	if d.err != nil || len(d.p) != 0 || raw > 1<<40 {
		return 0, errBadRow
	}
	b.ms[i], b.has[i], b.ip[i] = ms, has, ip
	d.p = strs
	for c, k := range columnKinds {
		if k != kindString {
			continue
		}
		s := ""
		if v := d.bytes(); len(v) > 0 {
			start := len(b.arena)
			b.arena = append(b.arena, v...)
			s = b.view(start)
		}
		if c == colDistributionID && s == "" {
			s = dist
		}
		b.set(c, i, s)
	}
	return int64(raw), nil
}

// rowDecoder reads an encoded row; the first error sticks.
type rowDecoder struct {
	p   []byte
	err error
}

func (d *rowDecoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.p)
	if n <= 0 {
		d.err = errBadRow
		return 0
	}
	d.p = d.p[n:]
	return x
}

func (d *rowDecoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.p)
	if n <= 0 {
		d.err = errBadRow
		return 0
	}
	d.p = d.p[n:]
	return x
}

func (d *rowDecoder) bytes() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.p)) {
		d.err = errBadRow
		return nil
	}
	v := d.p[:n]
	d.p = d.p[n:]
	return v
}
