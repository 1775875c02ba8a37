package logparse

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// tabLines returns lines that exercise tabPositions: every length around the
// 64-byte steps, tabs sparse and dense, at both ends, and counts around
// maxCols.
func tabLines() []string {
	rng := rand.New(rand.NewPCG(1, 2))
	var lines []string
	for n := 0; n <= 300; n++ {
		for _, density := range []int{0, 2, 8, 30, 100} {
			b := make([]byte, n)
			for i := range b {
				b[i] = 'a' + byte(rng.IntN(26))
				if rng.IntN(100) < density {
					b[i] = '\t'
				}
			}
			lines = append(lines, string(b))
		}
	}
	for _, k := range []int{maxCols - 1, maxCols, maxCols + 1, 2 * maxCols, 5 * maxCols} {
		lines = append(lines,
			strings.Repeat("\t", k),
			strings.Repeat("-\t", k)+"-",
			strings.Repeat("x", 70)+strings.Repeat("\t", k))
	}
	lines = append(lines,
		"\t"+strings.Repeat("y", 126)+"\t",
		strings.Repeat("z", 64)+"\t",
		"\t"+strings.Repeat("z", 64))
	return lines
}

// TestTabPositions holds the assembly scan (where the CPU has it) to the
// plain Go one, which is what other machines run.
func TestTabPositions(t *testing.T) {
	for _, line := range tabLines() {
		var got, want tabIndex
		n := tabPositions(line, &got)
		wn := tabPositionsGo(line, &want)
		wantCount := strings.Count(line, "\t")
		if wantCount > maxCols {
			wantCount = -1
		}
		if wn != wantCount {
			t.Fatalf("tabPositionsGo(len %d) = %d, want %d", len(line), wn, wantCount)
		}
		sameTabs(t, line, &got, n, &want, wn)
	}
}

// sameTabs fails t unless tabPositions' result (got, n) is the Go
// version's (want, wn), every offset a tab.
func sameTabs(t *testing.T, line string, got *tabIndex, n int, want *tabIndex, wn int) {
	t.Helper()
	if n != wn {
		t.Fatalf("tabPositions(len %d) = %d, Go version %d", len(line), n, wn)
	}
	for i := 0; i < n; i++ {
		if got[i] != want[i] || line[got[i]] != '\t' {
			t.Fatalf("len %d: tab %d at %d, Go version %d", len(line), i, got[i], want[i])
		}
	}
}

// BenchmarkTabPositions times the tab scan alone on a typical 33-field line:
//
//	go test ./logparse -run '^$' -bench TabPositions
func BenchmarkTabPositions(b *testing.B) {
	line := "2026-11-19\t14:03:07\tFRA56-P8\t1487\t2001:db8:85a3::8a2e:370:7334\tGET\td111111abcdef8.cloudfront.net\t/api/auth/session\t200\thttps://www.example.com/dashboard?tab=overview\tMozilla/5.0%20(Macintosh;%20Intel%20Mac%20OS%20X%2010_15_7)%20AppleWebKit/605.1.15%20(KHTML,%20like%20Gecko)%20Version/17.1%20Safari/605.1.15\t-\t-\tMiss\tSOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==\twww.example.com\thttps\t512\t0.031\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tMiss\tHTTP/2.0\t-\t-\t51234\t0.031\tMiss\tapplication/json\t312\t-\t-"
	for _, bench := range []struct {
		name string
		scan func(string, *tabIndex) int
	}{{"dispatch", tabPositions}, {"go", tabPositionsGo}} {
		b.Run(bench.name, func(b *testing.B) {
			var pos tabIndex
			b.SetBytes(int64(len(line)))
			for b.Loop() {
				if bench.scan(line, &pos) != 32 {
					b.Fatal("want 32 tabs")
				}
			}
		})
	}
}

// FuzzTabPositions holds the assembly scan to the Go one on any input:
//
//	go test ./logparse -run '^$' -fuzz FuzzTabPositions -fuzztime 2m
func FuzzTabPositions(f *testing.F) {
	for _, line := range tabLines()[:200] {
		f.Add(line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		var got, want tabIndex
		n, wn := tabPositions(line, &got), tabPositionsGo(line, &want)
		sameTabs(t, line, &got, n, &want, wn)
	})
}
