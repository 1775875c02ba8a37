//go:build unix

package dataset_test

import "syscall"

// cpuSeconds is the CPU time the process has used (user and system), a
// figure that other processes on a shared machine disturb less than wall
// time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
