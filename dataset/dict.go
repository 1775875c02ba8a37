package dataset

import (
	"encoding/binary"
	"hash/maphash"
	"unsafe"
)

// A stringDict is a column chunk's dictionary of strings: each distinct
// value gets the next index, in order of first appearance, so the
// dictionary page (and so the file) does not depend on the hash.
//
// It is written here rather than taken from a map[string]int32 because the
// lookup is the writer's hottest path (about 20 of the 42 columns, every
// row): the table holds each entry's hash next to its index, so a probe
// compares strings only when 32 bits of hash agree, and values are copied
// once into an arena of chunks that never move, so the table keeps no
// input block alive and costs one allocation per chunk, not per value.
type stringDict struct {
	seed  maphash.Seed
	slots []uint64 // high 32 bits: the hash's; low 32: index+1 (0: empty)
	vals  []string // by index; the strings point into arena chunks
	bytes int      // the values' PLAIN size (4 + length each)
	arena []byte   // the current chunk; full chunks stay where they are
	last  int32    // the index index returned last
}

const dictArenaChunk = 64 << 10

func newStringDict() *stringDict {
	return &stringDict{seed: maphash.MakeSeed(), slots: make([]uint64, 256)}
}

// index returns s's index, adding s if it is new. A value equal to the one
// before is answered without hashing: consecutive log lines often share
// their user agent, referrer or edge location (a client's requests come
// together), 55–60% of rows in the benchmark file.
func (d *stringDict) index(s string) int32 {
	if int(d.last) < len(d.vals) && d.vals[d.last] == s {
		return d.last
	}
	h := maphash.String(d.seed, s)
	tag := h &^ 0xffffffff
	mask := uint64(len(d.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		e := d.slots[i]
		if e == 0 {
			return d.add(s, i, tag)
		}
		if e&^0xffffffff == tag && d.vals[uint32(e)-1] == s {
			d.last = int32(uint32(e) - 1)
			return d.last
		}
	}
}

func (d *stringDict) add(s string, slot, tag uint64) int32 {
	if len(d.arena)+len(s) > cap(d.arena) {
		d.arena = make([]byte, 0, max(dictArenaChunk, len(s)))
	}
	start := len(d.arena)
	d.arena = append(d.arena, s...)
	v := ""
	if len(s) > 0 {
		v = unsafe.String(&d.arena[start], len(s))
	}
	d.vals = append(d.vals, v)
	d.bytes += 4 + len(s)
	d.slots[slot] = tag | uint64(len(d.vals))
	if 2*len(d.vals) > len(d.slots) {
		d.grow()
	}
	d.last = int32(len(d.vals) - 1)
	return d.last
}

// grow doubles the table and places every value again.
func (d *stringDict) grow() {
	d.slots = make([]uint64, 2*len(d.slots))
	mask := uint64(len(d.slots) - 1)
	for k, v := range d.vals {
		h := maphash.String(d.seed, v)
		i := h & mask
		for d.slots[i] != 0 {
			i = (i + 1) & mask
		}
		d.slots[i] = h&^0xffffffff | uint64(k+1)
	}
}

func (d *stringDict) len() int { return len(d.vals) }

// appendPlain appends the values in PLAIN encoding: the dictionary page.
func (d *stringDict) appendPlain(b []byte) []byte {
	for _, v := range d.vals {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return b
}

// reset empties the dictionary for the next column chunk. The arena is
// dropped, not reused: the strings of a written chunk's bounds were copied,
// but nothing else is known about who still looks at them.
func (d *stringDict) reset() {
	clear(d.slots)
	clear(d.vals)
	d.vals = d.vals[:0]
	d.bytes = 0
	d.arena = nil
	d.last = 0
}

// An int32Dict is an INT32 column's dictionary (sc_status, date): a handful
// of values, and most rows repeat the one before (the last value is
// checked before the map).
type int32Dict struct {
	m        map[int32]int32
	vals     []int32
	last     int32
	lastIdx  int32
	haveLast bool
}

func newInt32Dict() *int32Dict { return &int32Dict{m: make(map[int32]int32)} }

func (d *int32Dict) index(x int32) int32 {
	if d.haveLast && x == d.last {
		return d.lastIdx
	}
	i, ok := d.m[x]
	if !ok {
		i = int32(len(d.vals))
		d.vals = append(d.vals, x)
		d.m[x] = i
	}
	d.last, d.lastIdx, d.haveLast = x, i, true
	return i
}

func (d *int32Dict) len() int { return len(d.vals) }

func (d *int32Dict) appendPlain(b []byte) []byte {
	for _, v := range d.vals {
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	}
	return b
}

func (d *int32Dict) reset() {
	clear(d.m)
	d.vals = d.vals[:0]
	d.haveLast = false
}
