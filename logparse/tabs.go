package logparse

import (
	"encoding/binary"
	"math/bits"
	"unsafe"
)

// Finding the tabs that separate a line's values is the hot loop of
// parsing. tabPositions records the offset of every tab in a line at once;
// on amd64 with AVX2 it does so 64 bytes per step in assembly (tabs_amd64.s),
// elsewhere (or built with -tags purego) eight bytes per step in Go.

// maxCols bounds the values one W3C line may have.
const maxCols = 256

// tabSlack is room past maxCols for the assembly's unconditional writes: it
// stores tab offsets eight at a time, up to one 64-byte step's worth past
// the count it has checked.
const tabSlack = 64

// A tabIndex holds the tab offsets of one line.
type tabIndex [maxCols + tabSlack]int32

// SWAR constants: a byte-wise test for tabs on eight bytes at a time.
const (
	swarTabs = 0x0909090909090909
	swarLow7 = 0x7f7f7f7f7f7f7f7f
	swarHigh = 0x8080808080808080
)

// tabPositionsGo records the offset of every tab in line, in order, and
// returns how many there are, or -1 for more than maxCols.
//
// It tests eight bytes per step (the exact zero-byte test on word^0x09…,
// which has no false positives): much faster than a call into IndexByte per
// value, since most values are shorter than the call's set-up. The byte
// view of the string is only read.
func tabPositionsGo(line string, pos *tabIndex) int {
	b := unsafe.Slice(unsafe.StringData(line), len(line))
	n := 0
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:]) ^ swarTabs
		m := ^(((w & swarLow7) + swarLow7) | w) & swarHigh
		for m != 0 {
			if n == maxCols {
				return -1
			}
			pos[n] = int32(i + bits.TrailingZeros64(m)>>3)
			n++
			m &= m - 1
		}
	}
	for ; i < len(b); i++ {
		if b[i] == '\t' {
			if n == maxCols {
				return -1
			}
			pos[n] = int32(i)
			n++
		}
	}
	return n
}
