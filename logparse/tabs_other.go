//go:build !amd64 || purego

package logparse

func tabPositions(line string, pos *tabIndex) int { return tabPositionsGo(line, pos) }
