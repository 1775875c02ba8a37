package ingest

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
)

// DefaultSpoolMemory is how many bytes of spooled rows a log file keeps in
// memory before it writes them to its spool file (see Options.SpoolMemory).
const DefaultSpoolMemory = 4 << 20

// A spool holds the rows of the partitions of one log file that have no
// Parquet writer open (partitions.write), until the log has been read and
// each of these partitions is written in turn. Rows are kept as
// dataset.RowEncoder encodes them (converted and redacted: no secret a
// Parquet file would not hold), each framed by its length, in a buffer per
// partition. When the buffers together pass limit bytes, each is appended
// to the spool file as one block, and the partition remembers where its
// blocks are: reading a partition back reads its blocks and then its
// buffer, so its rows come in the order they were added, whatever the
// partitions around them.
//
// Memory: at most about limit bytes of rows, plus a few dozen bytes per
// partition and per block (one per partition per flush). Descriptors: one,
// the spool file, made when it is first needed and unlinked at once where
// the system allows it, so that a killed process leaves nothing behind.
type spool struct {
	dir   string
	limit int
	f     *os.File // nil until the first flush
	name  string   // f's name while it is still linked, for close
	size  int64    // bytes in f
	mem   int      // bytes held in the parts' buffers
	parts map[partID]*spoolPart
	buf   []byte // a block read back
}

type spoolPart struct {
	rows   int64
	buf    []byte
	blocks []spoolBlock
}

type spoolBlock struct {
	off int64
	n   int
}

func newSpool(dir string, limit int) *spool {
	return &spool{dir: dir, limit: limit, parts: make(map[partID]*spoolPart)}
}

// add appends one encoded row to id's rows.
func (s *spool) add(id partID, row []byte) error {
	sp := s.parts[id]
	if sp == nil {
		sp = &spoolPart{}
		s.parts[id] = sp
	}
	n := len(sp.buf)
	sp.buf = binary.AppendUvarint(sp.buf, uint64(len(row)))
	sp.buf = append(sp.buf, row...)
	sp.rows++
	s.mem += len(sp.buf) - n
	if s.mem >= s.limit {
		return s.flush()
	}
	return nil
}

// flush appends every partition's buffer to the spool file.
func (s *spool) flush() error {
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "cfwatch-spool-*")
		if err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		s.f, s.name = f, f.Name()
		if os.Remove(s.name) == nil {
			s.name = ""
		}
	}
	// A buffer keeps its capacity only up to its share of the limit, so
	// that the buffers never hold much more than limit between them.
	share := s.limit / len(s.parts)
	for _, id := range s.ids() {
		sp := s.parts[id]
		if len(sp.buf) == 0 {
			continue
		}
		if _, err := s.f.Write(sp.buf); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		sp.blocks = append(sp.blocks, spoolBlock{off: s.size, n: len(sp.buf)})
		s.size += int64(len(sp.buf))
		if cap(sp.buf) > share {
			sp.buf = nil
		} else {
			sp.buf = sp.buf[:0]
		}
	}
	s.mem = 0
	return nil
}

// ids returns the spooled partitions in order: by distribution, then hour.
func (s *spool) ids() []partID {
	return slices.SortedFunc(maps.Keys(s.parts), func(a, b partID) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.hour, b.hour))
	})
}

var errSpoolDamaged = errors.New("spool: damaged row")

// each calls fn with each row of id, in the order they were added, then
// forgets them. The row is valid only during the call.
func (s *spool) each(id partID, fn func(row []byte) error) error {
	sp := s.parts[id]
	if sp == nil {
		return nil
	}
	delete(s.parts, id)
	for _, b := range sp.blocks {
		if cap(s.buf) < b.n {
			s.buf = make([]byte, b.n)
		}
		buf := s.buf[:b.n]
		if _, err := s.f.ReadAt(buf, b.off); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		if err := eachRow(buf, fn); err != nil {
			return err
		}
	}
	s.mem -= len(sp.buf)
	return eachRow(sp.buf, fn)
}

func eachRow(buf []byte, fn func(row []byte) error) error {
	for len(buf) > 0 {
		n, k := binary.Uvarint(buf)
		if k <= 0 || n > uint64(len(buf)-k) {
			return errSpoolDamaged
		}
		if err := fn(buf[k : k+int(n)]); err != nil {
			return err
		}
		buf = buf[k+int(n):]
	}
	return nil
}

// close removes the spool file.
func (s *spool) close() {
	if s.f != nil {
		s.f.Close()
		if s.name != "" {
			os.Remove(s.name)
		}
		s.f = nil
	}
	s.parts, s.buf, s.mem = nil, nil, 0
}
