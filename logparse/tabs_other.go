//go:build !amd64

package logparse

func tabPositions(line string, pos *tabIndex) int { return tabPositionsGo(line, pos) }
