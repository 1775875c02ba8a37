//go:build !purego

package logparse

import "golang.org/x/sys/cpu"

// haveTabScan says the CPU runs tabScanAVX2: AVX2 for the compares, BMI1
// and POPCNT for turning the masks into offsets. It is set once, at start.
var haveTabScan = cpu.X86.HasAVX2 && cpu.X86.HasBMI1 && cpu.X86.HasPOPCNT

// tabScanAVX2 is tabPositions for a line of at least 64 bytes.
//
//go:noescape
func tabScanAVX2(line string, pos *tabIndex) int

func tabPositions(line string, pos *tabIndex) int {
	if haveTabScan && len(line) >= 64 {
		return tabScanAVX2(line, pos)
	}
	return tabPositionsGo(line, pos)
}
