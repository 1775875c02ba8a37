package dataset

import (
	"bytes"
	"encoding/binary"
	"math"

	"github.com/parquet-go/parquet-go/format"
)

// Statistics and their truncation: the min, max and null count of a page
// (the page index's column index entry, parquet-format PageIndex.md) and of
// a column chunk (ColumnMetaData.statistics), as Parquet's Statistics
// struct holds them: PLAIN-encoded values, strings compared as unsigned
// bytes (the type-defined order the footer's ColumnOrder declares), NaN left
// out of float bounds, and string bounds in the column index cut to
// columnIndexLimit bytes (the max rounded up) while the column chunk's
// statistics keep whole values. column.go gathers the values; this file
// keeps and encodes the bounds.

// columnIndexLimit bounds the min/max a page index entry keeps of a string
// (truncated: min as a prefix, max as a prefix rounded up); the column
// chunk's statistics keep whole values.
const columnIndexLimit = 64

// bounds are the least and the greatest value of a page or a column chunk.
// Strings are kept as copies (a page's values live in batches that are
// reused); numbers as int64 or float32.
type bounds struct {
	ok       bool
	lo, hi   []byte
	loI, hiI int64
	loF, hiF float32
}

func (b *bounds) addString(s string) {
	switch {
	case !b.ok:
		b.lo, b.hi, b.ok = append(b.lo[:0], s...), append(b.hi[:0], s...), true
	case s < string(b.lo):
		b.lo = append(b.lo[:0], s...)
	case s > string(b.hi):
		b.hi = append(b.hi[:0], s...)
	}
}

func (b *bounds) addInt(x int64) {
	switch {
	case !b.ok:
		b.loI, b.hiI, b.ok = x, x, true
	case x < b.loI:
		b.loI = x
	case x > b.hiI:
		b.hiI = x
	}
}

// addFloat ignores NaN, which has no place in an order.
func (b *bounds) addFloat(x float32) {
	switch {
	case x != x:
	case !b.ok:
		b.loF, b.hiF, b.ok = x, x, true
	case x < b.loF:
		b.loF = x
	case x > b.hiF:
		b.hiF = x
	}
}

// merge widens b to hold o's values too; both are kept as typ.
func (b *bounds) merge(o *bounds, typ format.Type) {
	if !o.ok {
		return
	}
	switch typ {
	case format.ByteArray:
		if !b.ok || bytes.Compare(o.lo, b.lo) < 0 {
			b.lo = append(b.lo[:0], o.lo...)
		}
		if !b.ok || bytes.Compare(o.hi, b.hi) > 0 {
			b.hi = append(b.hi[:0], o.hi...)
		}
	case format.Float:
		if !b.ok || o.loF < b.loF {
			b.loF = o.loF
		}
		if !b.ok || o.hiF > b.hiF {
			b.hiF = o.hiF
		}
	default:
		if !b.ok || o.loI < b.loI {
			b.loI = o.loI
		}
		if !b.ok || o.hiI > b.hiI {
			b.hiI = o.hiI
		}
	}
	b.ok = true
}

// plain returns the bounds of a column of spec PLAIN-encoded, as
// statistics and the page index hold them, in new slices.
func (b *bounds) plain(spec *columnSpec) (lo, hi []byte) {
	switch phys := spec.phys; {
	case spec.clock:
		return appendClock(nil, b.loI), appendClock(nil, b.hiI)
	case phys == format.ByteArray:
		return bytes.Clone(b.lo), bytes.Clone(b.hi)
	case phys == format.Float:
		return binary.LittleEndian.AppendUint32(nil, math.Float32bits(b.loF)),
			binary.LittleEndian.AppendUint32(nil, math.Float32bits(b.hiF))
	case phys == format.Int32:
		return binary.LittleEndian.AppendUint32(nil, uint32(int32(b.loI))),
			binary.LittleEndian.AppendUint32(nil, uint32(int32(b.hiI)))
	}
	return binary.LittleEndian.AppendUint64(nil, uint64(b.loI)),
		binary.LittleEndian.AppendUint64(nil, uint64(b.hiI))
}

// truncateMin shortens a string's lower bound to a prefix of n bytes.
func truncateMin(v []byte, n int) []byte {
	if len(v) > n {
		return v[:n]
	}
	return v
}

// truncateMax shortens a string's upper bound to n bytes, still an upper
// bound: the prefix with its last byte that can be incremented incremented
// (parquet-java's BinaryTruncator does the same). A value of 0xFF bytes
// stays whole.
func truncateMax(v []byte, n int) []byte {
	if len(v) <= n {
		return v
	}
	for i := n - 1; i >= 0; i-- {
		if v[i] != 0xFF {
			t := v[:i+1]
			t[i]++
			return t
		}
	}
	return v
}

// boundaryOrder tells whether the pages' bounds ascend, descend or
// neither, comparing the values as the page index holds them; null pages
// are left out.
func boundaryOrder(phys format.Type, lo, hi [][]byte, null []bool) format.BoundaryOrder {
	asc, desc := true, true
	prev := -1
	for i := range lo {
		if null[i] {
			continue
		}
		if prev >= 0 {
			l, h := comparePlain(phys, lo[prev], lo[i]), comparePlain(phys, hi[prev], hi[i])
			asc = asc && l <= 0 && h <= 0
			desc = desc && l >= 0 && h >= 0
		}
		prev = i
	}
	switch {
	case asc:
		return format.Ascending
	case desc:
		return format.Descending
	}
	return format.Unordered
}

// comparePlain compares two PLAIN-encoded values of a physical type.
func comparePlain(phys format.Type, a, b []byte) int {
	switch phys {
	case format.Int32:
		return cmpOrdered(int32(binary.LittleEndian.Uint32(a)), int32(binary.LittleEndian.Uint32(b)))
	case format.Int64:
		return cmpOrdered(int64(binary.LittleEndian.Uint64(a)), int64(binary.LittleEndian.Uint64(b)))
	case format.Float:
		return cmpOrdered(math.Float32frombits(binary.LittleEndian.Uint32(a)), math.Float32frombits(binary.LittleEndian.Uint32(b)))
	}
	return bytes.Compare(a, b)
}

func cmpOrdered[T int32 | int64 | float32](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
